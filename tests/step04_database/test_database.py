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
from playhouse.test_utils import count_queries
from werkzeug.security import generate_password_hash

from kit.accounts import DEMO_PASSWORDS, is_password_hash
from kit.databases import (
    close, database_of, init_db, password_hashes, rows_by_table, snapshot, text_in_tables,
)
from kit.forms import FormClient
from kit.pages import words

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


@pytest.mark.requirement("4.1", "4.2")
class TestConfiguration:
    def test_sqlite_by_default(self, step, monkeypatch, base_config):
        """Named as the folder likes: Flask-Peewee's dict, or a URL (playhouse's FlaskDB)."""
        monkeypatch.delenv("DATABASE_URL", raising=False)
        step.module.create_app(base_config)
        assert isinstance(database_of(step), peewee.SqliteDatabase)

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
@pytest.mark.concept("Commands to manage users")
class TestInitDb:
    @pytest.mark.sqlite_only
    def test_the_reference_hashes_the_demo_accounts_with_the_production_method(
        self, make_app, users, recorded_scrypt
    ):
        """The reference's init-db hashes with PASSWORD_HASH_METHOD; a folder may store hashes
        made once instead (ungraded: the task leaves it open)."""
        users.delete("bob")  # init-db puts a missing demo account back
        app = make_app(PASSWORD_HASH_METHOD=None)
        recorded_scrypt.clear()  # only what init-db hashes
        init_db(app)
        assert recorded_scrypt == [(131072, 8, 1)]

    @pytest.mark.requirement("4.4")
    def test_creates_the_demo_accounts_with_hashed_passwords(self, step, new_visitor):
        assert new_visitor().can_log_in("alice", "wonderland")
        assert new_visitor().can_log_in("bob", "bobthebuilder")
        assert not new_visitor().can_log_in("carol", "looking-glass")
        # Hashed as the folder likes (made now, or made once and kept): never as typed.
        assert len(password_hashes(step)) == 3
        stored = text_in_tables(step)
        assert not any(password in value for password in DEMO_PASSWORDS.values() for value in stored)

    @pytest.mark.requirement("4.4")
    def test_running_it_again_changes_nothing(self, step, runner, users):
        users.set_password_hash("alice", generate_password_hash("changed", "pbkdf2:sha256:1"))
        before = snapshot(step)
        assert runner.invoke(args=["init-db"]).exit_code == 0
        assert snapshot(step) == before

    @pytest.mark.requirement("4.4")
    def test_puts_back_a_missing_demo_account(self, new_visitor, runner, users):
        users.delete("bob")
        assert runner.invoke(args=["init-db"]).exit_code == 0
        assert new_visitor().can_log_in("bob", "bobthebuilder")


@pytest.mark.requirement("4.3")
@pytest.mark.section("The loader: a query that may find nothing", "One query per page")
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


@pytest.mark.requirement("4.3")
@pytest.mark.section("The loader: a query that may find nothing")
class TestTheLoader:
    """The loader turns "no such row" into None, and nothing else."""

    @pytest.mark.parametrize("whose", ["deleted", "never existed"])
    @pytest.mark.section("The loader: a query that may find nothing", "What `DoesNotExist` is")
    def test_a_session_whose_user_has_no_row_is_a_visitor(self, client, auth, users, whose):
        """DoesNotExist, caught: the page is a visitor's, not a 500."""
        if whose == "deleted":
            auth.login("bob", "bobthebuilder")
            users.delete("bob")
        else:
            with client.session_transaction() as session:
                session["_user_id"] = "424242"
        response = client.get("/")
        assert response.status_code == 200
        assert "Hello, visitor!" in words(response.text)

    @pytest.mark.section("The loader: a query that may find nothing", "Caught here, every one of them")
    def test_a_database_that_fails_is_an_error_page_not_a_logout(self, step, make_app):
        """A loader that catches every exception logs everyone out while the database is down.

        The users' table goes away behind the app's back (renamed, as a
        migration gone wrong might leave it): every query for a user now
        fails. That must be an error page, and not the visitor's page: a 500
        (step 8 answers SQLite's OperationalError with a 503, "try again").
        """
        app = make_app(PROPAGATE_EXCEPTIONS=False)
        alice = FormClient(app.test_client())
        alice.login()
        assert "Hello, alice!" in words(alice.client.get("/").text)
        table = table_of_users(step)
        database_of(step).execute_sql(f'ALTER TABLE "{table}" RENAME TO "{table}_gone"')
        response = alice.client.get("/")
        assert response.status_code in (500, 503)
        assert "Hello, visitor!" not in response.text


def table_of_users(step):
    """The table of the users: the one whose rows hold alice's name and a password hash."""
    return next(
        table for table, rows in rows_by_table(step).items()
        if any("alice" in row and any(map(is_password_hash, row)) for row in rows)
    )
