"""The fixtures a test of the tutorial needs.

One suite tests every step: see steps.py (loaded with databases.py as
plugins, by pyproject.toml) for how a test says which steps it
runs on (``@pytest.mark.since(N)``) and how a learner's folder is graded
instead (``--step-dir``). A test reaches a step only through its documented
interface: ``create_app(test_config)``, routes, forms, the CLI, config keys,
the callbacks registered with Flask-Login, and the users as accounts.py says.
"""

import gc
import hashlib
import os
import secrets
import shutil
import sys

import pytest
from hypothesis import Phase, settings

from tests import xray_mode
from tests.accounts import DatabaseUsers, MemoryUsers, reset_memory_users
from tests.databases import close, database_of, init_db, sqlite_config
from tests.doc_output import matches
from tests.forms import AuthActions
from tests.live_server import serve_in_a_thread
from tests.steps import TEMPLATE_CACHE, full_run

# Property-based tests try Hypothesis's 100 examples each in the full suite
# (FULL=1). A learner's `make test` tries fewer, to answer in seconds; so does
# the workshop grader, which also shows the first failing one as found,
# unshrunk (--hypothesis-profile=grading, which wins over the default here).
settings.register_profile("behaviour", max_examples=20)
settings.register_profile(
    "grading", max_examples=20, phases=[Phase.explicit, Phase.reuse, Phase.generate]
)
if not full_run():
    settings.load_profile("behaviour")


def pytest_collection_finish(session):
    """Let the garbage collector skip what lives to the end of the run.

    Collection leaves modules, apps and hundreds of test items in memory,
    which every collection of the oldest generation walks again. Frozen,
    and collected less often, a run takes a few percent less time.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


# Every test app starts from this configuration.
BASE_CONFIG = {
    "TESTING": True,
    # A fresh key per run: no key in the repository signs test sessions.
    "SECRET_KEY": secrets.token_hex(),
    # One cheap iteration keeps the suite fast. test_passwords.py checks
    # the method the steps use when nobody overrides it.
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
}



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
            init_db(app)
        return app

    yield make
    if step.database != "memory":
        # What the test's own queries opened, in every app it made (requests
        # close theirs), and in the shared app, whose database is the latest.
        for each in {id(database): database for database in [*opened, database_of(step)]}.values():
            if each is not None:
                close(each)


# What the steps' create_app takes from the environment.
READ_BY_CREATE_APP = ("FLASK_DEBUG", "FLASK_SECRET_KEY", "DATABASE_URL", "RATELIMIT_STORAGE_URI",
                      "TRUSTED_PROXIES")


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
        init_db(app)
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
def auth(client):
    """Log in and out through the forms: auth.login("bob", "bobthebuilder")."""
    return AuthActions(client)


@pytest.fixture
def new_visitor(app):
    """Make another visitor, with a cookie jar of their own, of this app or another."""
    return lambda other_app=None: AuthActions((other_app or app).test_client())


@pytest.fixture
def users(app, step):
    """Change users behind the app's back, as an administrator would."""
    return MemoryUsers(step.module) if step.database == "memory" else DatabaseUsers(app, step)


@pytest.fixture
def loader_calls(app):
    """The ids the user loader is called with, in order.

    The callback the step registered with Flask-Login is wrapped for the
    test (through Flask-Login's own user_loader), and put back after it.
    """
    manager = app.login_manager
    registered = manager.user_callback
    calls = []

    def recording_loader(user_id):
        calls.append(user_id)
        return registered(user_id)

    manager.user_loader(recording_loader)
    yield calls
    manager.user_loader(registered)


@pytest.fixture
def hash_checks(monkeypatch):
    """Count password hash computations (the tests' method is PBKDF2)."""
    calls = []
    real_pbkdf2_hmac = hashlib.pbkdf2_hmac

    def counting_pbkdf2_hmac(*args, **kwargs):
        calls.append(args)
        return real_pbkdf2_hmac(*args, **kwargs)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counting_pbkdf2_hmac)
    return calls


@pytest.fixture
def shows():
    """Compare printed output with what a document shows; "..." there stands for anything."""
    return matches


@pytest.fixture
def served_app(make_app, monkeypatch):
    """The step's app as `make run` serves it: `flask run --debug`, on 127.0.0.1.

    Plain HTTP, so the steps relax their Secure cookies, and indented JSON.
    Gives the app and its base URL.
    """
    # As `flask run --debug` sets it, before the app is made; the CLI runner
    # reads it too, for each command.
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = make_app()
    with serve_in_a_thread(app) as base:
        yield app, base


# The browser tests (test_browser.py, test_xray.py) drive Debian's Chromium: see browser.py.
# It is imported where a browser is asked for: a run without one (the
# grader's) need not load Playwright.
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    from tests.browser import chromium_launch_args

    return chromium_launch_args(browser_type_launch_args)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    from tests.browser import VIEWPORT

    return {**browser_context_args, "viewport": VIEWPORT}


@pytest.fixture(scope="session")
def shared_page(browser, browser_context_args):
    context = browser.new_context(**browser_context_args)
    yield context.new_page()
    context.close()


@pytest.fixture
def page(shared_page):
    """The browser page, emptied for each test: no cookies, nothing loaded."""
    from tests.browser import emptied

    return emptied(shared_page)


@pytest.fixture
def screenshot(page, step, request):
    """Save a page (or a part of it) for the chapter of the step that introduces the test's concept.

    Only with SCREENSHOTS=1 (`make screenshots`).
    """
    since = request.node.get_closest_marker("since").args[0]

    def save(name, shown=page):
        if os.environ.get("SCREENSHOTS") == "1" and step.number == since:
            shown.screenshot(path=step.path / "screenshots" / f"{name}.png", animations="disabled")

    return save
