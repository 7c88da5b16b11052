"""Step 4: users in a database through Flask-Peewee, and a loader that answers None for a missing row.

The tests reach the database through the step's commands and its pages,
and read it by content (kit/databases.py): whatever a step calls its
models, tables and columns, the behaviour is what is graded.
"""

import contextlib
import sqlite3

import peewee
import pytest
from flask import Flask
from flask_login import current_user
from flask_peewee.utils import load_class
from playhouse.test_utils import count_queries
from werkzeug.security import generate_password_hash

from kit.accounts import is_password_hash
from kit.databases import password_hashes, close, database_of, init_db, rows_by_table, snapshot, text_in_tables
from kit.forms import FormClient

pytestmark = [
    pytest.mark.concept("Users in a database, and a loader that answers None for a missing row"),
    pytest.mark.section("Flask-Peewee: a connection per request"),
]


def holds_alice(path):
    """Whether the SQLite file at path has a row with the demo user alice in it."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return any("alice" in row for (table,) in tables
                   for row in connection.execute(f'SELECT * FROM "{table}"'))


class TestConfiguration:
    def engine(self, app):
        return load_class(app.config["DATABASE"]["engine"])

    def test_sqlite_by_default(self, step, monkeypatch, base_config):
        monkeypatch.delenv("DATABASE_URL", raising=False)
        app = step.module.create_app(base_config)
        assert issubclass(self.engine(app), peewee.SqliteDatabase)

    @pytest.mark.sqlite_only
    def test_the_default_database_keeps_users_between_commands(
        self, step, tmp_path, monkeypatch, base_config
    ):
        """Each command is a process of its own: what init-db writes outlives it (not ":memory:").

        A process's end is its connection's end. So init-db runs here, its
        connection is closed, and another, this test's, must find the demo
        users in a file of the instance folder.
        """
        instance = tmp_path / "instance"
        # Flask's hook for where the instance folder is: a new one, not the
        # repository's, where `make run` keeps its database.
        monkeypatch.setattr(Flask, "auto_find_instance_path", lambda app: str(instance))
        monkeypatch.delenv("DATABASE_URL", raising=False)
        init_db(step.module.create_app(base_config))
        close(database_of(step))
        files = [path for path in instance.iterdir() if path.is_file()] if instance.exists() else []
        assert files, "no database file in the instance folder"
        assert any(map(holds_alice, files)), "the demo users were gone when init-db's connection closed"


@pytest.mark.section("Managing users from the command line")
class TestInitDb:
    def test_creates_the_demo_accounts_with_hashed_passwords(self, step, new_visitor):
        assert new_visitor().can_log_in("alice", "wonderland")
        assert new_visitor().can_log_in("bob", "bobthebuilder")
        assert not new_visitor().can_log_in("carol", "looking-glass")
        hashes = password_hashes(step)
        assert len(hashes) == 3
        assert all(password_hash.startswith("pbkdf2:sha256:1$") for password_hash in hashes)
        assert not any("wonderland" in value for value in text_in_tables(step))

    def test_running_it_again_changes_nothing(self, step, runner, users):
        users.set_password_hash("alice", generate_password_hash("changed", "pbkdf2:sha256:1"))
        before = snapshot(step)
        assert runner.invoke(args=["init-db"]).exit_code == 0
        assert snapshot(step) == before

    def test_puts_back_a_missing_demo_account(self, new_visitor, runner, users):
        users.delete("bob")
        assert runner.invoke(args=["init-db"]).exit_code == 0
        assert new_visitor().can_log_in("bob", "bobthebuilder")


@pytest.mark.section("The loader: a query that may find nothing")
class TestQueries:
    """The loader costs one query per request, and only when it runs."""

    def queries_for(self, client, path):
        with count_queries() as counter:
            response = client.get(path)
            response.close()
        assert response.status_code == 200
        return counter.count

    def test_one_query_for_a_logged_in_page(self, client, auth):
        auth.login()
        assert self.queries_for(client, "/") == 1

    def test_one_query_however_often_current_user_is_read(self, make_app):
        app = make_app()

        @app.get("/ten-reads")
        def ten_reads():
            return " ".join(str(current_user.is_authenticated) for _ in range(10))

        visitor = FormClient(app.test_client())
        visitor.login()
        assert self.queries_for(visitor.client, "/ten-reads") == 1

    @pytest.mark.parametrize("path", ["/", "/login", "/static/style.css"])
    def test_no_query_for_a_visitor_without_a_session(self, client, path):
        assert self.queries_for(client, path) == 0

    def test_no_query_for_a_logged_in_user_on_a_page_without_current_user(self, client, auth):
        auth.login()
        assert self.queries_for(client, "/static/style.css") == 0


@pytest.mark.section("The loader: a query that may find nothing", "Caught here, every one of them")
class TestTheLoader:
    """The loader turns "no such row" into None, and nothing else."""

    def test_a_database_that_fails_is_an_error_page_not_a_logout(self, step, make_app):
        """A loader that catches every exception logs everyone out while the database is down.

        The users' table goes away behind the app's back (renamed, as a
        migration gone wrong might leave it): every query for a user now
        fails. That must be an error page, 500, and not the visitor's page.
        """
        app = make_app(PROPAGATE_EXCEPTIONS=False)
        alice = FormClient(app.test_client())
        alice.login()
        assert "Hello, alice!" in alice.client.get("/").text
        table = table_of_users(step)
        database_of(step).execute_sql(f'ALTER TABLE "{table}" RENAME TO "{table}_gone"')
        response = alice.client.get("/")
        assert response.status_code == 500
        assert "Hello, visitor!" not in response.text


def table_of_users(step):
    """The table of the users: the one whose rows hold alice's name and a password hash."""
    return next(
        table for table, rows in rows_by_table(step).items()
        if any("alice" in row and any(map(is_password_hash, row)) for row in rows)
    )
