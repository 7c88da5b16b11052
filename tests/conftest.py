"""One test suite for every step of the tutorial.

A test names the step that introduces its concept with
``@pytest.mark.since(N)``; it then runs against that step and every later
one, and its id names the step: ``test_login_succeeds[step02_user_loader]``.
Tests without the marker run against every step.

``pytest --step-dir=PATH`` grades one folder instead, such as a learner's
workshop copy: the folder is named like the step it rebuilds, and only the
tests of that step and the ones before it run.

What differs between steps (users in memory, users in a database) is
handled here and nowhere else: see ``Step``, ``make_app`` and ``users``.

The steps with a database (4 and 5) run on SQLite, and on PostgreSQL too
when TEST_DATABASE_URL names a server the tests may wipe, for example
``TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:54329/postgres``.
``tools/throwaway-postgres start`` starts one; .ci/run does.
"""

import importlib
import os
import re
import secrets
import shutil
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from jinja2 import BytecodeCache
from werkzeug.serving import make_server

from tools.deployment import CSRF_FIELD, empty_postgresql
from tools.steps import STEP_NAMES

ROOT = Path(__file__).resolve().parent.parent


# Every test app starts from this configuration.
BASE_CONFIG = {
    "TESTING": True,
    # A fresh key per run: no key in the repository signs test sessions.
    "SECRET_KEY": secrets.token_hex(),
    # One cheap iteration keeps the suite fast. test_security.py checks
    # the method the apps use when nobody overrides it.
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
}


@dataclass(frozen=True)
class Step:
    number: int
    name: str
    path: Path
    # Where the step keeps its users: "memory", "sqlite" or "postgresql".
    database: str = "memory"

    def __str__(self):
        return self.name if self.database in ("memory", "sqlite") else f"{self.name}-{self.database}"

    @property
    def module(self):
        return importlib.import_module(self.name)


def has_a_database(path):
    """Whether the step's code has an init-db command (as the Makefile decides too).

    Asked of the folder, not the step number: a learner's step 4 starts as a
    copy of step 3, without a database.
    """
    return any('"init-db"' in module.read_text() for module in path.glob("*.py"))


def variants(number, name, path):
    """The step once, or once per database if it has one."""
    if not has_a_database(path):
        return [Step(number, name, path)]
    databases = ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]
    return [Step(number, name, path, database) for database in databases]


def pytest_addoption(parser):
    parser.addoption(
        "--step-dir",
        metavar="PATH",
        help="grade this folder (named like a step, e.g. workshop/step03_login_required)"
        " instead of the reference steps",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "since(n): the step that introduces the concept under test;"
        " the test runs against step n and every later step",
    )
    config.addinivalue_line(
        "markers",
        "slow: starts servers or grades whole folders; runs on CI, or locally with SLOW=1",
    )
    config.steps_under_test = find_steps(config.getoption("step_dir"))


def find_steps(step_dir):
    """The steps to test: the one folder given, or every reference step present."""
    if step_dir is None:
        return [
            variant
            for number, name in enumerate(STEP_NAMES, start=1)
            if (ROOT / name / "__init__.py").is_file()
            for variant in variants(number, name, ROOT / name)
        ]
    path = Path(step_dir).resolve()
    if path.name not in STEP_NAMES or not (path / "__init__.py").is_file():
        raise pytest.UsageError(
            f"--step-dir {step_dir}: expected a step package named one of"
            f" {', '.join(STEP_NAMES)}"
        )
    # The folder shadows the reference step of the same name.
    sys.path.insert(0, str(path.parent))
    return variants(STEP_NAMES.index(path.name) + 1, path.name, path)


def pytest_generate_tests(metafunc):
    if "step" in metafunc.fixturenames:
        steps = metafunc.config.steps_under_test
        metafunc.parametrize("step", steps, ids=[str(step) for step in steps])


SLOW_REASON = "slow (starts servers, or grades folders): SLOW=1 make test runs it, as CI does"


def pytest_collection_modifyitems(config, items):
    """Deselect the runs of each test on steps before the one that introduces it.

    Skip the slow tests, unless on CI or asked to: a learner's `make test`
    is a feedback loop, and should take seconds.
    """
    run_slow = os.environ.get("CI") or os.environ.get("SLOW")
    selected, deselected = [], []
    for item in items:
        if item.get_closest_marker("slow") and not run_slow:
            item.add_marker(pytest.mark.skip(reason=SLOW_REASON))
        step = getattr(item, "callspec", None) and item.callspec.params.get("step")
        since = item.get_closest_marker("since")
        if step and since and step.number < since.args[0]:
            deselected.append(item)
        else:
            selected.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


class SharedTemplateCache(BytecodeCache):
    """Compiled templates, shared by all the test apps of a run.

    Every test builds a fresh app, and each app would compile its templates
    again; Jinja checks the template source, so a changed template is
    recompiled.
    """

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedTemplateCache()


@pytest.fixture(scope="session")
def postgresql_url():
    """TEST_DATABASE_URL, or under pytest-xdist a database of this worker's own.

    Tests empty their database, so two workers cannot share one.
    """
    import psycopg
    from psycopg import sql

    url = os.environ["TEST_DATABASE_URL"]
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return url
    name = f"tutorial_tests_{worker}"
    with psycopg.connect(url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url.rsplit("/", 1)[0] + "/" + name


def sqlite_config(path):
    # A file, never ":memory:": Flask-Peewee reconnects on every request, and
    # an in-memory SQLite database would lose its tables each time.
    return {"name": str(path), "engine": "peewee.SqliteDatabase"}


def init_db(app):
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A step's SQLite database as its own init-db leaves it, made once per run.

    Each test gets a copy: copying a file is much faster than creating the
    tables and the demo users again.
    """
    made = {}

    def template(step):
        if step.name not in made:
            path = tmp_path_factory.mktemp(step.name) / "template.db"
            init_db(step.module.create_app({**BASE_CONFIG, "DATABASE": sqlite_config(path)}))
            step.module.User._meta.database.obj.close()
            made[step.name] = path
        return made[step.name]

    return template


@pytest.fixture
def database_url(step, request):
    """For the PostgreSQL variant of a step: the URL of an emptied database."""
    if step.database != "postgresql":
        return None
    url = request.getfixturevalue("postgresql_url")
    empty_postgresql(url)
    return url


@pytest.fixture
def make_app(step, tmp_path, monkeypatch, sqlite_template, database_url):
    """Build the step's app with BASE_CONFIG plus the settings given.

    Every app a test makes shares one new database, with the demo users.
    """
    if step.database == "sqlite":
        shutil.copy(sqlite_template(step), tmp_path / "test.db")
    if step.database == "postgresql":
        # The step reads DATABASE_URL itself, as it would in production.
        monkeypatch.setenv("DATABASE_URL", database_url)
    databases = []

    def make(**settings):
        config = dict(BASE_CONFIG)
        if step.database == "sqlite":
            config["DATABASE"] = sqlite_config(tmp_path / "test.db")
        config.update(settings)
        app = step.module.create_app(config)
        app.jinja_env.bytecode_cache = TEMPLATE_CACHE
        if step.database != "memory":
            databases.append(step.module.User._meta.database.obj)
        if step.database == "postgresql":
            init_db(app)
        return app

    yield make
    # Close what the test's own queries opened (requests close theirs).
    for database in databases:
        database.close()
        if hasattr(database, "close_all"):  # a connection pool
            database.close_all()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def base_config():
    """BASE_CONFIG, for a test that calls create_app itself."""
    return dict(BASE_CONFIG)


def matches(shown, printed):
    """Whether printed output is what the docs show; "..." there stands for anything."""
    pattern = ".*?".join(re.escape(part) for part in shown.split("..."))
    return re.fullmatch(pattern, printed, re.S) is not None


@pytest.fixture
def shows():
    """Compare printed output with what a document shows (see matches)."""
    return matches


@pytest.fixture
def served_app(app, monkeypatch):
    """The test's app, served on 127.0.0.1 in a thread as `make run` serves it.

    `flask run --debug` means plain HTTP, so cookies without Secure, and
    indented JSON. Returns the app and its base URL.
    """
    # As `flask run --debug` sets it; the CLI runner reads it for each command.
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app.debug = True
    app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


class AuthActions:
    """Log in and out through the forms, as a browser would."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self, path="/login"):
        """The CSRF token from the form on the page at path (or where it redirects)."""
        match = CSRF_FIELD.search(self.client.get(path, follow_redirects=True).text)
        assert match, f"no csrf_token field on {path}"
        return match.group(1)

    def login(self, username="alice", password="wonderland", **fields):
        form = {
            "csrf_token": self.csrf_token(),
            "username": username,
            "password": password,
            **fields,
        }
        return self.client.post("/login", data=form)

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.csrf_token("/")})


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def new_visitor(app):
    """Make another visitor, with a cookie jar of their own, of this app or another."""
    return lambda other_app=None: AuthActions((other_app or app).test_client())


class Users:
    """Change the step's users behind the app's back, as an administrator would."""

    def __init__(self, app, step_module):
        self.app = app
        self.users_module = step_module.users

    def add(self, name, password, active=True):
        with self.app.app_context():
            self.users_module.add_user(name, password, active)


class MemoryUsers(Users):
    """Steps 1-3 keep their users in app.extensions["users"], keyed by get_id()."""

    def id_of(self, name):
        return self._find(name).get_id()

    def deactivate(self, name):
        self._find(name).active = False

    def delete(self, name):
        del self.app.extensions["users"][self.id_of(name)]

    def set_password_hash(self, name, password_hash):
        self._find(name).password_hash = password_hash

    def _find(self, name):
        with self.app.app_context():
            user = self.users_module.find_user(name)
        assert user is not None, f"no user {name!r}"
        return user


class DatabaseUsers(Users):
    """Steps 4 and 5 keep their users as rows of the User model."""

    def __init__(self, app, step_module):
        super().__init__(app, step_module)
        self.User = step_module.User

    def id_of(self, name):
        return self.User.get(self.User.name == name).get_id()

    def deactivate(self, name):
        self._update(name, active=False)

    def delete(self, name):
        assert self.User.delete().where(self.User.name == name).execute() == 1

    def set_password_hash(self, name, password_hash):
        self._update(name, password_hash=password_hash)

    def _update(self, name, **values):
        assert self.User.update(**values).where(self.User.name == name).execute() == 1


@pytest.fixture
def users(app, step):
    """Add, change and remove users behind the app's back, as an admin would."""
    if step.database == "memory":
        return MemoryUsers(app, step.module)
    return DatabaseUsers(app, step.module)


@pytest.fixture
def hash_checks(monkeypatch):
    """Count password hash computations (the tests' method is PBKDF2)."""
    import hashlib

    calls = []
    real_pbkdf2_hmac = hashlib.pbkdf2_hmac

    def counting_pbkdf2_hmac(*args, **kwargs):
        calls.append(args)
        return real_pbkdf2_hmac(*args, **kwargs)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counting_pbkdf2_hmac)
    return calls


# Browser tests (tests/test_browser.py) drive Debian's Chromium: Playwright's
# own browser download is not used.
CHROMIUM = Path("/usr/lib/chromium/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    # Keep Chromium off the network: it would try to reach its update and
    # sync servers at every start.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM}; install it with: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Small pages make small screenshots.
    return {**browser_context_args, "viewport": {"width": 800, "height": 450}}


@pytest.fixture(scope="session")
def shared_page(browser, browser_context_args):
    context = browser.new_context(**browser_context_args)
    yield context.new_page()
    context.close()


@pytest.fixture
def page(shared_page):
    """The browser page, emptied for each test: no cookies, nothing loaded.

    One page serves every browser test: a new page costs a new renderer
    process, which takes longer than most of these tests.
    """
    shared_page.context.clear_cookies()
    shared_page.goto("about:blank")
    return shared_page
