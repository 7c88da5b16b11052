"""Step 4: the commands that manage users: init-db, add-user, deactivate-user, activate-user, set-password.

A command's error is graded by its exit status, the name it mentions, and
the absence of a traceback; its exact words are the chapter's to choose.
"""

import io
import sys
import threading

import pytest
from flask.cli import ScriptInfo
from werkzeug.security import check_password_hash

from kit.databases import database_of, password_hashes, snapshot, text_in_tables
from kit.pages import words
from tests.interleaving import Rendezvous, hold_writes

pytestmark = [pytest.mark.concept("Commands to manage users"),
              pytest.mark.section("Managing users from the command line"),
              pytest.mark.requirement("4.5")]

# The chapter's paragraph on what the commands refuse: its sentences on the 8 characters, and on
# the commands that change one row.
EIGHT_CHARACTERS = pytest.mark.section("Managing users from the command line", "a password needs 8 characters")
ONE_ROW = pytest.mark.section("Managing users from the command line", "change one row")


class OutputOfEachThread(io.TextIOBase):
    """A stand-in for sys.stdout and sys.stderr that keeps what each thread writes apart."""

    encoding, errors = "utf-8", "strict"

    def __init__(self):
        self.of_this_thread = threading.local()

    def write(self, text):
        self.of_this_thread.text = getattr(self.of_this_thread, "text", "") + text
        return len(text)

    def written(self):
        return getattr(self.of_this_thread, "text", "")


def assert_a_clear_error(result, name):
    """A command that refuses: exit status 1, a message that names the user, no traceback."""
    assert result.exit_code == 1, result.output
    assert name in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


class TestAddUser:
    @pytest.mark.requirement("4.6")
    def test_hashes_with_scrypt_at_the_owasp_minimum(self, step, make_app, recorded_scrypt):
        """Without an override, add-user hashes with the method the step names."""
        runner = make_app(PASSWORD_HASH_METHOD=None).test_cli_runner()
        before = password_hashes(step)
        recorded_scrypt.clear()  # only what add-user hashes
        result = runner.invoke(args=["add-user", "dora", "--password", "explorer-map"])
        assert result.exit_code == 0, result.output
        assert recorded_scrypt and set(recorded_scrypt) == {(131072, 8, 1)}
        added = [value for value in password_hashes(step) if value not in before]
        assert [value.split("$")[0] for value in added] == ["scrypt:131072:8:1"]

    def test_adds_a_user_who_can_log_in_through_the_form(self, step, new_visitor, runner):
        result = runner.invoke(args=["add-user", "dora", "--password", "explorer-map"])
        assert result.exit_code == 0, result.output
        assert new_visitor().can_log_in("dora", "explorer-map")
        assert any(check_password_hash(password_hash, "explorer-map") and
                   password_hash.startswith("pbkdf2:sha256:1$") for password_hash in password_hashes(step))

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

    @pytest.mark.section("Managing users from the command line", "The unique index on name")
    def test_four_add_users_at_once_for_one_name_add_exactly_one(self, step, make_app, monkeypatch):
        """The database decides (a unique index), not a look before the insert.

        Four commands at once, each held at its first write until all four have reached
        one or finished: four that look first all find no eve, and all insert.
        """
        app = make_app()
        database, together, output = database_of(step), Rendezvous(4), OutputOfEachThread()
        # What each command writes, kept apart: the threads share sys.stdout and sys.stderr.
        monkeypatch.setattr(sys, "stdout", output)
        monkeypatch.setattr(sys, "stderr", output)

        def add_eve():
            """Run `flask add-user eve` as a shell would: its exit status, and what it wrote."""
            try:
                app.cli.main(["add-user", "eve", "--password", "adam-and-eve"],
                             standalone_mode=True, obj=ScriptInfo(create_app=lambda: app))
                status = 0
            except SystemExit as ended:  # click ends every command with one, ClickException too
                # As a shell reads it: no code is 0, a number itself, a message 1.
                status = ended.code if isinstance(ended.code, int) else 0 if ended.code is None else 1
            except Exception as error:  # a traceback for the administrator
                return "crashed", repr(error)
            finally:
                database.close()  # each thread's own connection, as its process's end would
            return ("added", "") if status == 0 else (f"exit status {status}", output.written())

        hold_writes(monkeypatch, database, together)
        outcomes = together.run([add_eve] * 4)
        assert [what for what, _ in outcomes].count("added") == 1, outcomes
        assert all(what == "exit status 1" and "eve" in said
                   for what, said in outcomes if what != "added"), outcomes
        monkeypatch.undo()
        assert text_in_tables(step).count("eve") == 1

    @pytest.mark.parametrize("password", ["", "short", "7 chars"])
    @EIGHT_CHARACTERS
    def test_a_password_shorter_than_8_characters_is_refused(self, step, runner, password):
        before = snapshot(step)
        result = runner.invoke(args=["add-user", "dora", "--password", password])
        assert result.exit_code != 0
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert snapshot(step) == before

    @pytest.mark.section("Managing users from the command line", "before the prompt")
    @pytest.mark.parametrize(
        "name", ["", "two words", "x" * 65, "nul\x00byte", "new\nline", "semi;colon", "dora\n"]
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


@ONE_ROW
class TestDeactivateUser:
    def test_ends_the_users_open_session_at_once(self, runner, auth, client, new_visitor):
        auth.login()
        bob = new_visitor()
        bob.login("bob", "bobthebuilder")
        result = runner.invoke(args=["deactivate-user", "alice"])
        assert result.exit_code == 0, result.output
        assert "Hello, visitor!" in words(client.get("/").text)
        assert "Hello, bob!" in words(bob.client.get("/").text)

    def test_the_user_can_no_longer_log_in(self, runner, auth):
        runner.invoke(args=["deactivate-user", "alice"])
        assert "Invalid username or password." in words(auth.login().text)


@ONE_ROW
class TestActivateUser:
    def test_switches_an_account_back_on(self, new_visitor, runner):
        runner.invoke(args=["deactivate-user", "alice"])
        result = runner.invoke(args=["activate-user", "alice"])
        assert result.exit_code == 0, result.output
        assert new_visitor().can_log_in("alice", "wonderland")

    def test_carol_can_be_switched_on(self, new_visitor, runner):
        assert runner.invoke(args=["activate-user", "carol"]).exit_code == 0
        assert new_visitor().can_log_in("carol", "looking-glass")


class TestSetPassword:
    def test_the_new_password_works_and_the_old_one_does_not(self, new_visitor, runner):
        result = runner.invoke(args=["set-password", "bob", "--password", "can-we-fix-it"])
        assert result.exit_code == 0, result.output
        assert new_visitor().can_log_in("bob", "can-we-fix-it")
        assert not new_visitor().can_log_in("bob", "bobthebuilder")

    @EIGHT_CHARACTERS
    def test_a_short_password_changes_nothing(self, step, runner):
        before = snapshot(step)
        result = runner.invoke(args=["set-password", "bob", "--password", "short"])
        assert result.exit_code != 0
        assert snapshot(step) == before


@pytest.mark.parametrize("command", ["deactivate-user", "activate-user", "set-password"])
@ONE_ROW
def test_an_unknown_user_is_a_clear_error_and_changes_nothing(step, runner, command):
    before = snapshot(step)
    arguments = ["--password", "a new passphrase"] if command == "set-password" else []
    assert_a_clear_error(runner.invoke(args=[command, "mallory", *arguments]), "mallory")
    assert snapshot(step) == before
