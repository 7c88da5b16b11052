"""A pytest plugin: the step's app, its users and its database, as new for each test.

Every test of a step, the behaviour tests (tests/) and the kit's own, makes
the step's app through these fixtures: ``make_app`` (with settings),
``app`` (one per step and process, its users and counts as new), ``client``,
``runner``, ``users`` (changed behind the app's back, as an administrator
would) and ``served_app`` (on 127.0.0.1, as `make run` serves it), with
``flask_run_debug`` and ``debug_left_on_in_production`` for the two
environments debug mode comes from. A test
reaches a step only through its documented interface: ``create_app``,
routes, forms, the CLI, config keys, the callbacks registered with
Flask-Login, and the users as accounts.py says.

The steps with a database get one of their own per test, with the demo
users, as the step's own `init-db` leaves it. On SQLite, a copy of a file
made once per run; on PostgreSQL (when TEST_DATABASE_URL names a server the
tests may wipe, for example one that `kit/bin/throwaway-postgres start`
started), a database per pytest-xdist worker, emptied before each test.
"""

import functools
import gc
import os
import secrets
import shutil
import sys

import pytest
from jinja2 import BytecodeCache

from kit import xray_mode
from kit.accounts import DatabaseUsers, MemoryUsers, init_demo_database, reset_memory_users
from kit.databases import CommandRunner, close, database_of, empty_postgresql, sqlite_config
from kit.serving import FLASK_RUN_DEBUG, serve_in_a_thread

# Every test app starts from this configuration.
BASE_CONFIG = {
    "TESTING": True,
    # A fresh key per run: no key in the repository signs test sessions.
    "SECRET_KEY": secrets.token_hex(),
    # One cheap iteration keeps the suite fast. A test checks the method
    # the steps use when nobody overrides it.
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
}
# What the steps' create_app takes from the environment.
READ_BY_CREATE_APP = ("FLASK_DEBUG", "FLASK_RUN_FROM_CLI", "FLASK_SECRET_KEY", "DATABASE_URL",
                      "RATELIMIT_STORAGE_URI", "TRUSTED_PROXIES")


class SharedTemplateCache(BytecodeCache):
    """Compiled templates, shared by all the test apps of a run.

    Every test builds a fresh app, which would compile its templates again;
    Jinja checks the template source, so a changed template is recompiled.
    """

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedTemplateCache()


def pytest_collection_finish(session):
    """Let the garbage collector skip what lives to the end of the run.

    Collection leaves modules, apps and hundreds of test items in memory,
    which every collection of the oldest generation walks again. Frozen,
    and collected less often, a run takes a few percent less time.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


@pytest.fixture
def make_app(step, tmp_path_factory, monkeypatch, sqlite_template, database_url):
    """Build the step's app with BASE_CONFIG plus the settings given.

    A setting given as None is left to the step's own default. Every app a
    test makes shares the test's users: the demo accounts, in memory or in a
    database as new (a fresh copy of one file per step and test process).
    """

    def create_app(database=None, **settings):
        config = {**BASE_CONFIG, **({"DATABASE": database} if database else {}), **settings}
        config = {key: value for key, value in config.items() if value is not None}
        app = step.module.create_app(config)
        app.jinja_env.bytecode_cache = TEMPLATE_CACHE
        app.test_cli_runner_class = functools.partial(CommandRunner, step=step)
        # `make test XRAY=1`: every test, with the request X-ray on (xray_mode.py).
        return xray_mode.with_xray(app) if xray_mode.ON else app

    database = None
    if step.database == "memory":
        reset_memory_users(step.module, BASE_CONFIG["PASSWORD_HASH_METHOD"])
    elif step.database == "sqlite":
        database = sqlite_config(tmp_path_factory.getbasetemp() / f"{step.name}.db")
        shutil.copy(sqlite_template(step, create_app), database["name"])
    else:
        # The step reads DATABASE_URL itself, as it would in production.
        monkeypatch.setenv("DATABASE_URL", database_url)

    # The database the models use now, as the test starts, and every one the
    # test's apps open: all are closed after the test.
    opened = [database_of(step)] if step.database != "memory" and step.name in sys.modules else []

    def make(**settings):
        app = create_app(database, **settings)
        if step.database != "memory":
            opened.append(database_of(step))
        if step.database == "postgresql":
            init_demo_database(app, step)
        return app

    yield make
    if step.database != "memory":
        # What the test's own queries opened, in every app it made (requests
        # close theirs), and in the shared app, whose database is the latest.
        for each in {id(database): database for database in [*opened, database_of(step)]}.values():
            if each is not None:
                close(each)


@pytest.fixture(scope="session")
def shared_apps():
    return {}


@pytest.fixture
def app(step, make_app, shared_apps, request):
    """The step's app with BASE_CONFIG, with its users and its counts as new.

    Building an app costs milliseconds that hundreds of tests would pay: one
    app per step serves the tests of a process. make_app gave it fresh users;
    Flask-Limiter's counts start again here (and its enabled state follows
    this app's config again). A test that changes the app, with a route or a
    hook, says so with @pytest.mark.own_app and gets an app of its own.
    """
    if request.node.get_closest_marker("own_app"):
        return make_app()
    # The environment create_app reads is part of the app (a test may set
    # FLASK_DEBUG, say, before it asks for one).
    key = (str(step), *(os.environ.get(name) for name in READ_BY_CREATE_APP))
    app, database = shared_apps.get(key, (None, None))
    # A step's models keep one database for all its apps (Flask-Peewee's is
    # a proxy): an app made since for another database takes them over.
    if app is None or (step.database != "memory" and database_of(step) is not database):
        app = make_app()
        shared_apps[key] = app, database_of(step) if step.database != "memory" else None
        return app
    for limiter in app.extensions.get("limiter", ()):
        limiter.init_app(app)
    if step.database == "postgresql":
        init_demo_database(app, step)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    """Runs the step's `flask` commands (from step 4), as `flask --app STEP ...` would."""
    return app.test_cli_runner()


@pytest.fixture
def base_config():
    """BASE_CONFIG, for a test that calls create_app itself."""
    return dict(BASE_CONFIG)


@pytest.fixture
def users(app, step):
    """Change users behind the app's back, as an administrator would."""
    return MemoryUsers(step.module) if step.database == "memory" else DatabaseUsers(app, step)


@pytest.fixture
def flask_run_debug(monkeypatch):
    """The environment `flask run --debug` gives the app it makes; the CLI runner reads
    FLASK_DEBUG too, for each command."""
    for name, value in FLASK_RUN_DEBUG.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def debug_left_on_in_production(monkeypatch):
    """FLASK_DEBUG=1 in a production server's environment (gunicorn), as an operator might
    leave it: Flask turns debug on, and no flask command set FLASK_RUN_FROM_CLI."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)


@pytest.fixture
def served_app(make_app, flask_run_debug):
    """The step's app as `make run` serves it: `flask run --debug`, on 127.0.0.1.

    Plain HTTP, so the steps relax their Secure cookies, and indented JSON.
    Gives the app and its base URL.
    """
    app = make_app()
    with serve_in_a_thread(app) as base:
        yield app, base


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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A step's SQLite database as its own init-db leaves it, made once per run.

    Takes the function that builds the step's app. Each test gets a copy:
    copying a file is much faster than creating the tables and users again.
    """
    made = {}

    def template(step, create_app):
        if step.name not in made:
            path = tmp_path_factory.mktemp(step.name) / "template.db"
            init_demo_database(create_app(sqlite_config(path)), step)
            close(database_of(step))
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
