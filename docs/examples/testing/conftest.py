"""The fixtures every test here shares: your project's tests/conftest.py."""

import pytest

from step04_database import create_app
from step04_database.db import db


@pytest.fixture
def config(tmp_path):
    """The app's settings for one test. A test module overrides this fixture to change one."""
    return {
        # Errors reach the test as exceptions, instead of becoming 500 pages.
        "TESTING": True,
        "SECRET_KEY": "only-for-tests",
        # A new SQLite file for every test, in pytest's temporary folder.
        "DATABASE": {"name": str(tmp_path / "test.db"), "engine": "peewee.SqliteDatabase"},
        # The step's own method (scrypt at the OWASP minimum) takes a good part
        # of a second per password, and every test creates users: hash cheaply.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        # The tests post forms without reading a CSRF token from the page
        # first. test_csrf.py turns the protection back on, to test it.
        "WTF_CSRF_ENABLED": False,
    }


@pytest.fixture
def app(config):
    app = create_app(config)
    # The tables and the demo accounts, as `flask --app step04_database init-db` makes them.
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    yield app
    # The command and the tests' own queries ran outside a request, where
    # nothing closes the connection they opened.
    db.database.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
