"""Step 4: users in a database through Flask-Peewee, and the commands that manage them."""

import os

import pytest
from flask_login import current_user
from playhouse.test_utils import count_queries
from werkzeug.security import generate_password_hash

pytestmark = pytest.mark.since(4)


@pytest.fixture
def User(step):
    return step.module.User


def rows(User):
    """Every user, as comparable tuples."""
    return sorted(
        (user.id, user.name, user.password_hash, user.active, user.created)
        for user in User.select()
    )


class TestConfiguration:
    def test_sqlite_in_the_instance_folder_by_default(self, step, monkeypatch, base_config):
        monkeypatch.delenv("DATABASE_URL", raising=False)
        app = step.module.create_app(base_config)
        database = app.config["DATABASE"]
        assert database["name"] == os.path.join(app.instance_path, f"{step.name}.db")
        assert database["engine"] == "playhouse.pool.PooledSqliteDatabase"
        assert database["pragmas"]["journal_mode"] == "wal"

    def test_database_url_selects_a_pooled_postgresql_database(
        self, step, monkeypatch, base_config
    ):
        monkeypatch.setenv("DATABASE_URL", "postgresql://tutor:s%40cret@db.example:5433/tutorial")
        app = step.module.create_app(base_config)
        assert app.config["DATABASE"] == {
            "name": "tutorial",
            "engine": "playhouse.pool.PooledPostgresqlDatabase",
            "user": "tutor",
            "password": "s@cret",
            "host": "db.example",
            "port": 5433,
            "max_connections": 8,
            "stale_timeout": 300,
        }
        assert type(step.module.User._meta.database.obj).__name__ == "PooledPostgresqlDatabase"

    def test_a_database_url_of_another_kind_is_refused_without_showing_it(
        self, step, monkeypatch, base_config
    ):
        monkeypatch.setenv("DATABASE_URL", "mysql://tutor:hunter22@db.example/tutorial")
        with pytest.raises(RuntimeError) as refused:
            step.module.create_app(base_config)
        assert str(refused.value) == "DATABASE_URL must be a postgresql:// URL, not mysql://"


class TestInitDb:
    def test_creates_the_demo_accounts_with_hashed_passwords(self, app, User):
        demo = {user.name: user for user in User.select()}
        assert sorted(demo) == ["alice", "bob", "carol"]
        assert [demo[name].active for name in ("alice", "bob", "carol")] == [True, True, False]
        assert demo["alice"].password_hash.startswith("pbkdf2:sha256:1$")
        assert "wonderland" not in demo["alice"].password_hash

    def test_running_it_again_changes_nothing(self, runner, users, User):
        users.set_password_hash("alice", generate_password_hash("changed", "pbkdf2:sha256:1"))
        before = rows(User)
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0
        assert result.output == "The database is ready.\n"
        assert rows(User) == before

    def test_puts_back_a_missing_demo_account(self, runner, users, User):
        users.delete("bob")
        runner.invoke(args=["init-db"])
        assert User.get(User.name == "bob").active


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

    def test_the_profile_adds_one_query_for_the_list_of_logins(self, client, auth):
        auth.login()
        assert self.queries_for(client, "/profile") == 2

    def test_one_query_however_often_current_user_is_read(self, app, client, auth):
        @app.get("/ten-reads")
        def ten_reads():
            return " ".join(current_user.name for _ in range(10))

        auth.login()
        assert self.queries_for(client, "/ten-reads") == 1

    @pytest.mark.parametrize("path", ["/", "/login", "/static/style.css"])
    def test_no_query_for_a_visitor_without_a_session(self, client, path):
        assert self.queries_for(client, path) == 0

    def test_no_query_for_a_logged_in_user_on_a_page_without_current_user(self, client, auth):
        auth.login()
        assert self.queries_for(client, "/static/style.css") == 0


class TestAddUser:
    def test_adds_a_user_who_can_log_in_through_the_form(self, runner, auth, client, User):
        result = runner.invoke(args=["add-user", "dora", "--password", "explorer-map"])
        assert result.exit_code == 0
        assert result.output == "Added dora.\n"
        dora = User.get(User.name == "dora")
        assert dora.active
        assert dora.password_hash.startswith("pbkdf2:sha256:1$")
        auth.login("dora", "explorer-map")
        assert "Hello, dora!" in client.get("/").text

    def test_prompts_twice_without_showing_the_password(self, runner, auth, client):
        result = runner.invoke(args=["add-user", "dora"], input="explorer-map\nexplorer-map\n")
        assert result.exit_code == 0
        assert result.output.count("Password:") == 1
        assert "Repeat for confirmation:" in result.output
        assert "explorer-map" not in result.output
        auth.login("dora", "explorer-map")
        assert "Hello, dora!" in client.get("/").text

    def test_prompts_that_differ_add_nobody(self, runner, User):
        result = runner.invoke(args=["add-user", "dora"], input="explorer-map\nexplorer-mop\n")
        assert result.exit_code == 1
        assert "Error: The two entered values do not match." in result.output
        assert not User.select().where(User.name == "dora").exists()

    def test_a_duplicate_name_is_one_clear_error_and_changes_nothing(self, runner, User):
        before = rows(User)
        result = runner.invoke(args=["add-user", "alice", "--password", "a new password"])
        assert result.exit_code == 1
        assert result.output == "Error: There is already a user called alice.\n"
        assert rows(User) == before

    @pytest.mark.parametrize("password", ["", "short", "7 chars"])
    def test_a_password_shorter_than_8_characters_is_refused(self, runner, User, password):
        result = runner.invoke(args=["add-user", "dora", "--password", password])
        assert result.exit_code == 2
        assert "Use at least 8 characters." in result.output
        assert not User.select().where(User.name == "dora").exists()

    @pytest.mark.parametrize(
        "name", ["", "two words", "x" * 65, "nul\x00byte", "new\nline", "semi;colon"]
    )
    def test_a_name_that_breaks_the_rules_is_refused_before_the_password_prompt(
        self, runner, User, name
    ):
        before = rows(User)
        result = runner.invoke(args=["add-user", name])
        assert result.exit_code == 2
        assert "A username is 1 to 64 letters, digits, '.', '_' or '-'." in result.output
        assert "Password:" not in result.output
        assert rows(User) == before


class TestDeactivateUser:
    def test_ends_the_users_open_session_at_once(self, runner, auth, client, new_visitor):
        auth.login()
        bob = new_visitor()
        bob.login("bob", "bobthebuilder")
        result = runner.invoke(args=["deactivate-user", "alice"])
        assert result.exit_code == 0
        assert result.output == "Deactivated alice.\n"
        assert "Hello, visitor!" in client.get("/").text
        assert "Hello, bob!" in bob.client.get("/").text

    def test_the_user_can_no_longer_log_in(self, runner, auth):
        runner.invoke(args=["deactivate-user", "alice"])
        assert "Invalid username or password." in auth.login().text

    def test_an_unknown_user_is_a_clear_error(self, runner, User):
        before = rows(User)
        result = runner.invoke(args=["deactivate-user", "mallory"])
        assert result.exit_code == 1
        assert result.output == "Error: There is no user called mallory.\n"
        assert rows(User) == before


class TestSetPassword:
    def test_the_new_password_works_and_the_old_one_does_not(self, runner, new_visitor):
        result = runner.invoke(args=["set-password", "bob", "--password", "can-we-fix-it"])
        assert result.exit_code == 0
        assert result.output == "Changed the password of bob.\n"
        for password, greeting in (("can-we-fix-it", "Hello, bob!"), ("bobthebuilder", "Hello, visitor!")):
            visitor = new_visitor()
            visitor.login("bob", password)
            assert greeting in visitor.client.get("/").text

    def test_an_unknown_user_is_a_clear_error(self, runner):
        result = runner.invoke(args=["set-password", "mallory", "--password", "whatever-it-is"])
        assert result.exit_code == 1
        assert result.output == "Error: There is no user called mallory.\n"

    def test_a_short_password_changes_nothing(self, runner, User):
        before = rows(User)
        result = runner.invoke(args=["set-password", "bob", "--password", "short"])
        assert result.exit_code == 2
        assert rows(User) == before


class TestHashUpgrade:
    """A hash made with an older method is replaced at the next successful login."""

    OLD_HASH = generate_password_hash("wonderland", "pbkdf2:sha256:2")

    def stored_hash(self, User):
        return User.get(User.name == "alice").password_hash

    def test_a_successful_login_rehashes_with_todays_method(self, auth, users, User):
        users.set_password_hash("alice", self.OLD_HASH)
        auth.login()
        assert self.stored_hash(User).startswith("pbkdf2:sha256:1$")
        assert auth.client.get("/").text.count("Hello, alice!") == 1

    def test_a_failed_login_leaves_the_hash_alone(self, auth, users, User):
        users.set_password_hash("alice", self.OLD_HASH)
        auth.login("alice", "wrong")
        assert self.stored_hash(User) == self.OLD_HASH

    def test_a_current_hash_is_not_rewritten(self, auth, User):
        before = self.stored_hash(User)
        auth.login()
        assert self.stored_hash(User) == before


class TestActivateUser:
    def test_switches_an_account_back_on(self, runner, auth):
        runner.invoke(args=["deactivate-user", "alice"])
        result = runner.invoke(args=["activate-user", "alice"])
        assert result.exit_code == 0
        assert result.output == "Activated alice.\n"
        auth.login()
        assert "Hello, alice!" in auth.client.get("/").text

    def test_carol_can_be_switched_on(self, runner, auth):
        assert runner.invoke(args=["activate-user", "carol"]).exit_code == 0
        auth.login("carol", "looking-glass")
        assert "Hello, carol!" in auth.client.get("/").text

    def test_an_unknown_user_is_a_clear_error(self, runner, User):
        before = rows(User)
        result = runner.invoke(args=["activate-user", "mallory"])
        assert result.exit_code == 1
        assert result.output == "Error: There is no user called mallory.\n"
        assert rows(User) == before
