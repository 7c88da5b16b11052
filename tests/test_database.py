"""Step 4: users in a database through Flask-Peewee, and the commands that manage them.

The tests reach the database through the step's commands and its pages,
and read it by content (tests/databases.py): whatever a step calls its
models, tables and columns, the behaviour is what is graded. A command's
error is graded by its exit status, the name it mentions, and the absence
of a traceback; its exact words are the chapter's to choose.
"""

import contextlib
import sqlite3
import threading

import click
import peewee
import pytest
from flask import Flask, template_rendered
from flask.cli import ScriptInfo
from flask_login import current_user
from flask_peewee.utils import load_class
from playhouse.pool import PooledDatabase
from playhouse.test_utils import count_queries
from werkzeug.security import check_password_hash, generate_password_hash

from kit.accounts import is_password_hash
from kit.databases import close, database_of, init_db, rows_by_table, snapshot, text_in_tables
from kit.forms import FormClient

pytestmark = [pytest.mark.since(4), pytest.mark.section("Managing users from the command line")]


def holds_alice(path):
    """Whether the SQLite file at path has a row with the demo user alice in it."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return any("alice" in row for (table,) in tables
                   for row in connection.execute(f'SELECT * FROM "{table}"'))


def stored_hashes(step):
    return [value for value in text_in_tables(step) if is_password_hash(value)]


def assert_a_clear_error(result, name):
    """A command that refuses: exit status 1, a message that names the user, no traceback."""
    assert result.exit_code == 1, result.output
    assert name in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


@pytest.mark.section("Flask-Peewee: a connection per request")
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

    @pytest.mark.since(7)
    @pytest.mark.section("PostgreSQL, and why a pool")
    def test_database_url_selects_a_pooled_postgresql_database(
        self, step, monkeypatch, base_config
    ):
        monkeypatch.setenv("DATABASE_URL", "postgresql://tutor:s%40cret@db.example:5433/tutorial")
        app = step.module.create_app(base_config)
        assert issubclass(self.engine(app), peewee.PostgresqlDatabase)
        assert issubclass(self.engine(app), PooledDatabase)
        database = app.config["DATABASE"]
        assert (database["name"], database["user"], database["password"]) == ("tutorial", "tutor", "s@cret")
        assert (database["host"], database["port"]) == ("db.example", 5433)

    @pytest.mark.since(7)
    @pytest.mark.section("PostgreSQL, and why a pool")
    def test_a_database_url_of_another_kind_is_refused_without_showing_it(
        self, step, monkeypatch, base_config
    ):
        monkeypatch.setenv("DATABASE_URL", "mysql://tutor:hunter22@db.example/tutorial")
        with pytest.raises(Exception) as refused:
            step.module.create_app(base_config)
        assert "DATABASE_URL" in str(refused.value)
        assert "hunter22" not in str(refused.value)

    @pytest.mark.since(7)
    @pytest.mark.section("PostgreSQL, and why a pool")
    def test_a_request_that_finds_no_free_connection_in_time_gets_a_503(self, step, make_app):
        """A pool of one connection, taken by a page paused while it renders: the next requests,
        sent together, wait the pool's tenth of a second (10 s in the step), then get a 503 that
        says to come back, JSON under /api/."""
        own = make_app()
        database, pooled = own.config["DATABASE"], issubclass(self.engine(own), PooledDatabase)
        # On SQLite, the step's pooled engine in place of the tests' plain one.
        sqlite_pool = {"engine": "playhouse.pool.PooledSqliteDatabase", "check_same_thread": False}
        app = make_app(DATABASE={
            **database, **({} if pooled else sqlite_pool), "max_connections": 1, "timeout": 0.1
        })
        close(database_of(step))  # the connection init-db left to this thread, on PostgreSQL
        holder, paused, resume, answers = [], threading.Event(), threading.Event(), {}

        def pause_the_first_page(sender, **extra):
            holder[:] = holder or [threading.current_thread()]
            if holder[0] is threading.current_thread():
                paused.set()
                resume.wait(timeout=30)

        def visit(name, path):
            answers[name] = app.test_client().get(path)

        with template_rendered.connected_to(pause_the_first_page, app):
            first = threading.Thread(target=visit, args=("first", "/login"))
            first.start()
            assert paused.wait(timeout=30)
            waiting = [threading.Thread(target=visit, args=(name, path))
                       for name, path in (("page", "/login"), ("api", "/api/me"))]
            for thread in waiting:
                thread.start()
            for thread in waiting:
                thread.join(timeout=30)
            resume.set()
            first.join(timeout=30)
        page, api = answers["page"], answers["api"]
        assert page.status_code == 503 and "busy" in page.text and "Traceback" not in page.text
        assert api.status_code == 503 and api.is_json and "busy" in api.json["error"]
        assert all(0 < int(answer.headers["Retry-After"]) <= 60 for answer in (page, api))
        assert answers["first"].status_code == 200


class TestInitDb:
    def test_creates_the_demo_accounts_with_hashed_passwords(self, step, new_visitor):
        assert new_visitor().can_log_in("alice", "wonderland")
        assert new_visitor().can_log_in("bob", "bobthebuilder")
        assert not new_visitor().can_log_in("carol", "looking-glass")
        hashes = stored_hashes(step)
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

    @pytest.mark.since(6)
    @pytest.mark.section("Ending logins")
    def test_the_profile_adds_one_query_for_the_list_of_logins(self, client, auth):
        auth.login()
        assert self.queries_for(client, "/profile") == 2

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


@pytest.mark.since(4)
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


class TestAddUser:
    def test_adds_a_user_who_can_log_in_through_the_form(self, step, new_visitor, runner):
        result = runner.invoke(args=["add-user", "dora", "--password", "explorer-map"])
        assert result.exit_code == 0, result.output
        assert new_visitor().can_log_in("dora", "explorer-map")
        assert any(check_password_hash(password_hash, "explorer-map") and
                   password_hash.startswith("pbkdf2:sha256:1$") for password_hash in stored_hashes(step))

    def test_prompts_twice_without_showing_the_password(self, new_visitor, runner):
        result = runner.invoke(args=["add-user", "dora"], input="explorer-map\nexplorer-map\n")
        assert result.exit_code == 0, result.output
        assert "explorer-map" not in result.output
        assert new_visitor().can_log_in("dora", "explorer-map")

    def test_prompts_that_differ_add_nobody(self, step, runner):
        before = snapshot(step)
        result = runner.invoke(args=["add-user", "dora"], input="explorer-map\nexplorer-mop\n")
        assert result.exit_code != 0
        assert snapshot(step) == before

    @pytest.mark.section("Managing users from the command line", "A name that is taken")
    def test_a_duplicate_name_is_one_clear_error_and_changes_nothing(self, step, runner):
        before = snapshot(step)
        result = runner.invoke(args=["add-user", "alice", "--password", "a new password"])
        assert_a_clear_error(result, "alice")
        assert snapshot(step) == before

    @pytest.mark.sqlite_only
    @pytest.mark.section("Managing users from the command line", "The unique index on name")
    def test_four_add_users_at_once_for_one_name_add_exactly_one(self, step, make_app):
        """The database decides (a unique index), not a look before the insert.

        Each command hashes the password between a look and its insert (some
        50 ms at this method, a hundred times a look): four at once all look
        before any of them inserts.
        """
        app = make_app(PASSWORD_HASH_METHOD="scrypt:16384:8:1")
        barrier, outcomes = threading.Barrier(4), []

        def add_eve():
            barrier.wait(timeout=30)
            try:
                # As test_cli_runner does, without its capture of sys.stdout,
                # which threads would share.
                app.cli.main(["add-user", "eve", "--password", "adam-and-eve"],
                             standalone_mode=False, obj=ScriptInfo(create_app=lambda: app))
                outcomes.append("added")
            except click.ClickException as error:
                outcomes.append(("refused", error.format_message()))
            except Exception as error:  # a traceback for the administrator
                outcomes.append(("crashed", repr(error)))

        threads = [threading.Thread(target=add_eve) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert outcomes.count("added") == 1, outcomes
        assert all(outcome[0] == "refused" and "eve" in outcome[1]
                   for outcome in outcomes if outcome != "added"), outcomes
        assert text_in_tables(step).count("eve") == 1

    @pytest.mark.parametrize("password", ["", "short", "7 chars"])
    def test_a_password_shorter_than_8_characters_is_refused(self, step, runner, password):
        before = snapshot(step)
        result = runner.invoke(args=["add-user", "dora", "--password", password])
        assert result.exit_code != 0
        assert "8" in result.output
        assert snapshot(step) == before

    @pytest.mark.parametrize(
        "name", ["", "two words", "x" * 65, "nul\x00byte", "new\nline", "semi;colon"]
    )
    def test_a_name_that_breaks_the_rules_is_refused_before_the_password_prompt(
        self, step, runner, name
    ):
        before = snapshot(step)
        result = runner.invoke(args=["add-user", name])
        assert result.exit_code != 0
        assert "Password" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert snapshot(step) == before


class TestDeactivateUser:
    def test_ends_the_users_open_session_at_once(self, runner, auth, client, new_visitor):
        auth.login()
        bob = new_visitor()
        bob.login("bob", "bobthebuilder")
        result = runner.invoke(args=["deactivate-user", "alice"])
        assert result.exit_code == 0, result.output
        assert "Hello, visitor!" in client.get("/").text
        assert "Hello, bob!" in bob.client.get("/").text

    def test_the_user_can_no_longer_log_in(self, runner, auth):
        runner.invoke(args=["deactivate-user", "alice"])
        assert "Invalid username or password." in auth.login().text

    def test_an_unknown_user_is_a_clear_error(self, step, runner):
        before = snapshot(step)
        assert_a_clear_error(runner.invoke(args=["deactivate-user", "mallory"]), "mallory")
        assert snapshot(step) == before


class TestActivateUser:
    def test_switches_an_account_back_on(self, new_visitor, runner):
        runner.invoke(args=["deactivate-user", "alice"])
        result = runner.invoke(args=["activate-user", "alice"])
        assert result.exit_code == 0, result.output
        assert new_visitor().can_log_in("alice", "wonderland")

    def test_carol_can_be_switched_on(self, new_visitor, runner):
        assert runner.invoke(args=["activate-user", "carol"]).exit_code == 0
        assert new_visitor().can_log_in("carol", "looking-glass")

    def test_an_unknown_user_is_a_clear_error(self, step, runner):
        before = snapshot(step)
        assert_a_clear_error(runner.invoke(args=["activate-user", "mallory"]), "mallory")
        assert snapshot(step) == before


class TestSetPassword:
    def test_the_new_password_works_and_the_old_one_does_not(self, new_visitor, runner):
        result = runner.invoke(args=["set-password", "bob", "--password", "can-we-fix-it"])
        assert result.exit_code == 0, result.output
        assert new_visitor().can_log_in("bob", "can-we-fix-it")
        assert not new_visitor().can_log_in("bob", "bobthebuilder")

    def test_an_unknown_user_is_a_clear_error(self, runner):
        result = runner.invoke(args=["set-password", "mallory", "--password", "whatever-it-is"])
        assert_a_clear_error(result, "mallory")

    def test_a_short_password_changes_nothing(self, step, runner):
        before = snapshot(step)
        result = runner.invoke(args=["set-password", "bob", "--password", "short"])
        assert result.exit_code != 0
        assert snapshot(step) == before


@pytest.mark.since(7)
@pytest.mark.section("Upgrading old password hashes")
class TestHashUpgrade:
    """A hash made with an older method is replaced at the next successful login."""

    OLD_HASH = generate_password_hash("wonderland", "pbkdf2:sha256:2")

    def test_a_successful_login_rehashes_with_todays_method(self, auth, users):
        users.set_password_hash("alice", self.OLD_HASH)
        auth.login()
        assert users.password_hash_of("alice").startswith("pbkdf2:sha256:1$")
        assert auth.client.get("/").text.count("Hello, alice!") == 1

    def test_a_failed_login_leaves_the_hash_alone(self, auth, users):
        users.set_password_hash("alice", self.OLD_HASH)
        auth.login("alice", "wrong")
        assert users.password_hash_of("alice") == self.OLD_HASH

    def test_a_current_hash_is_not_rewritten(self, auth, users):
        before = users.password_hash_of("alice")
        auth.login()
        assert users.password_hash_of("alice") == before
