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
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from jinja2 import BytecodeCache

ROOT = Path(__file__).resolve().parent.parent

STEP_NAMES = (
    "step01_minimal",
    "step02_user_loader",
    "step03_login_required",
    "step04_database",
    "step05_request_loader",
)

# Every test app starts from this configuration.
BASE_CONFIG = {
    "TESTING": True,
    # A fresh key per run: no key in the repository signs test sessions.
    "SECRET_KEY": secrets.token_hex(),
    # One cheap iteration keeps the suite fast. test_security.py checks
    # the method the apps use when nobody overrides it.
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
}

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


FIRST_STEP_WITH_A_DATABASE = 4


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


def variants(number, name, path):
    """The step once, or once per database if it has one."""
    if number < FIRST_STEP_WITH_A_DATABASE:
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


def pytest_collection_modifyitems(config, items):
    """Deselect the runs of each test on steps before the one that introduces it."""
    selected, deselected = [], []
    for item in items:
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


def empty_postgresql_database(url):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


@pytest.fixture
def make_app(step, tmp_path, monkeypatch):
    """Build the step's app with BASE_CONFIG plus the settings given.

    Every app a test makes shares one empty database, with the demo users.
    """
    if step.database == "postgresql":
        url = os.environ["TEST_DATABASE_URL"]
        empty_postgresql_database(url)
        # The step reads DATABASE_URL itself, as it would in production.
        monkeypatch.setenv("DATABASE_URL", url)
    databases = []

    def make(**settings):
        config = dict(BASE_CONFIG)
        if step.database == "sqlite":
            # A file per test: Flask-Peewee reconnects on every request, and
            # an in-memory SQLite database would lose its tables each time.
            config["DATABASE"] = {
                "name": str(tmp_path / "test.db"),
                "engine": "peewee.SqliteDatabase",
            }
        config.update(settings)
        app = step.module.create_app(config)
        app.jinja_env.bytecode_cache = TEMPLATE_CACHE
        if step.database != "memory":
            databases.append(step.module.User._meta.database.obj)
            result = app.test_cli_runner().invoke(args=["init-db"])
            assert result.exit_code == 0, result.output
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
