"""Step 7: logins a user can end.

Each login is a row on the server with a random token of its own, which
the session and the remember-me cookie carry. Logging out, "log out
everywhere", a new password, deactivation and time end logins there, so a
copy of their cookies taken before stops working. Every test copies the
cookies before the event and uses them after it.
"""

import pytest

from kit.databases import database_of, text_in_tables
from kit.forms import page_at, page_shown
from kit.pages import checkboxes, words
from tests.interleaving import Rendezvous, hold_writes
from tests.redirects import stays_on_site
from tests.sessions import LOGIN_COOKIES, cookies_of, greeted, session_token, thief
from tests.tokens import another_of_the_same_shape, looks_like_a_token

pytestmark = [
    pytest.mark.concept("Logins a user can end: logout, everywhere, new passwords, lifetimes"),
    pytest.mark.section("Ending logins"),
]


@pytest.mark.requirement("7.1")
@pytest.mark.section("A login is a row")
class TestALoginIsARow:
    def test_each_login_carries_a_random_token_not_the_user_id(self, alice, alice_elsewhere):
        first, second = session_token(alice), session_token(alice_elsewhere)
        assert looks_like_a_token(first) and looks_like_a_token(second)
        assert first != second

    def test_the_remember_cookie_carries_the_same_token(self, alice):
        token = alice.client.get_cookie("remember_token").value.split("|")[0]
        assert token == session_token(alice)

    @pytest.mark.section("A login is a row", "only its SHA-256")
    def test_no_usable_token_is_stored(self, step, alice, alice_elsewhere):
        stored = text_in_tables(step)
        for token in (session_token(alice), session_token(alice_elsewhere)):
            assert not any(token in value for value in stored)

    def test_a_well_formed_token_of_no_login_is_an_anonymous_visitor(self, alice, new_visitor):
        """A token from another deployment, or made up: the shape of alice's, and nobody's."""
        visitor = new_visitor()
        with visitor.client.session_transaction() as session:
            session["_user_id"] = another_of_the_same_shape(session_token(alice))
            session["_fresh"] = True
        assert greeted(visitor) == "visitor"

    @pytest.mark.parametrize(
        "tamper",
        [lambda token: token[:-1], lambda token: token + "x", lambda token: token.upper(),
         lambda token: token[::-1], lambda token: " " + token, lambda token: token.encode().hex()],
        ids=["truncated", "one character more", "upper case", "reversed", "leading space", "hex"],
    )
    def test_a_tampered_token_is_an_anonymous_visitor(self, alice, new_visitor, tamper):
        visitor = new_visitor()
        with visitor.client.session_transaction() as session:
            session["_user_id"] = tamper(session_token(alice))
            session["_fresh"] = True
        assert greeted(visitor) == "visitor"


@pytest.mark.requirement("7.2")
@pytest.mark.section("Ending logins", "(`POST /logout`) deletes this login's row")
class TestLogout:
    def test_logout_ends_this_login_for_every_copy_of_its_cookies(self, alice, new_visitor):
        copied = cookies_of(alice)
        assert set(copied) == set(LOGIN_COOKIES)
        alice.logout()
        assert greeted(thief(new_visitor, copied)) == "visitor"
        assert greeted(thief(new_visitor, {"session": copied["session"]})) == "visitor"
        assert greeted(thief(new_visitor, {"remember_token": copied["remember_token"]})) == "visitor"

    def test_the_users_other_logins_stay(self, alice, alice_elsewhere, new_visitor):
        elsewhere = cookies_of(alice_elsewhere)
        alice.logout()
        assert greeted(alice_elsewhere) == "alice"
        assert greeted(thief(new_visitor, elsewhere)) == "alice"

    def test_a_token_of_an_ended_login_is_an_anonymous_visitor(self, alice, new_visitor):
        token = session_token(alice)
        alice.logout()
        visitor = new_visitor()
        with visitor.client.session_transaction() as session:
            session["_user_id"] = token
        assert greeted(visitor) == "visitor"


@pytest.mark.requirement("7.2")
@pytest.mark.section("Ending logins", "(`POST /logout-everywhere`) deletes every row")
class TestLogoutEverywhere:
    def test_ends_every_login_of_the_user_this_one_included(
        self, alice, alice_elsewhere, new_visitor
    ):
        here, elsewhere = cookies_of(alice), cookies_of(alice_elsewhere)
        bob = new_visitor()
        bob.login("bob", "bobthebuilder")
        response = alice.post("/logout-everywhere")
        assert response.status_code == 302
        # Where to: the home page, the login page, as the folder likes.
        assert stays_on_site(response.headers["Location"])
        assert response.headers["Cache-Control"] == "no-store"
        next_page = page_at(alice.client, response.headers["Location"])
        assert "You have been logged out everywhere." in words(next_page.text)
        for cookies in (here, elsewhere):
            assert greeted(thief(new_visitor, cookies)) == "visitor"
        assert greeted(alice_elsewhere) == "visitor"
        assert greeted(bob) == "bob"

    def test_needs_a_csrf_token_and_ends_nothing_without_it(self, alice, alice_elsewhere):
        response = alice.client.post("/logout-everywhere")
        assert response.status_code == 400
        assert greeted(alice) == "alice"
        assert greeted(alice_elsewhere) == "alice"

    def test_is_post_only_and_for_logged_in_users(self, alice, new_visitor):
        assert alice.client.get("/logout-everywhere").status_code == 405
        visitor = new_visitor()
        response = visitor.client.post("/logout-everywhere", data={"csrf_token": visitor.csrf_token()})
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")

    def test_two_at_once_leave_no_login_and_no_error(
        self, step, alice, alice_elsewhere, new_visitor, monkeypatch
    ):
        """Both held at their first write: each has found its login alive first."""
        copies = [cookies_of(alice), cookies_of(alice_elsewhere)]
        requests = [
            (visitor.client, {"csrf_token": visitor.csrf_token("/")})
            for visitor in (alice, alice_elsewhere)
        ]
        together = Rendezvous(2)
        hold_writes(monkeypatch, database_of(step), together)
        responses = together.run([
            lambda client=client, form=form: client.post("/logout-everywhere", data=form)
            for client, form in requests
        ])
        monkeypatch.undo()
        # Each ends every login; the slower one may find its own already ended.
        for response in responses:
            assert response.status_code == 302
            assert stays_on_site(response.headers["Location"])
        for cookies in copies:
            assert greeted(thief(new_visitor, cookies)) == "visitor"


@pytest.mark.requirement("7.3")
@pytest.mark.section("How long a login lasts", "A new token when the password")
class TestTypingThePasswordAgain:
    """A new token for this login (ASVS 7.2.4): cookies copied before stop working."""

    def test_reauthenticating_stops_cookies_copied_before(self, alice, new_visitor):
        before = cookies_of(alice)
        response = alice.post("/reauthenticate", password="wonderland", next="/profile")
        assert response.headers["Location"] == "/profile"
        assert greeted(alice) == "alice"
        assert alice.client.get("/settings").status_code == 200
        assert greeted(thief(new_visitor, before)) == "visitor"
        assert greeted(thief(new_visitor, {"remember_token": before["remember_token"]})) == "visitor"

    def test_a_new_password_stops_this_logins_cookies_copied_before(self, alice, new_visitor):
        before = cookies_of(alice)
        assert alice.change_password("a much longer passphrase").status_code == 302
        assert greeted(alice) == "alice"
        assert greeted(thief(new_visitor, before)) == "visitor"
        assert greeted(thief(new_visitor, {"remember_token": before["remember_token"]})) == "visitor"

    def test_the_new_remember_cookie_brings_the_user_back(self, alice, new_visitor):
        alice.post("/reauthenticate", password="wonderland")
        renewed = {"remember_token": alice.client.get_cookie("remember_token").value}
        assert greeted(thief(new_visitor, renewed)) == "alice"

    def test_after_a_new_password_the_new_remember_cookie_brings_the_user_back(self, alice, new_visitor):
        """The browser restarts after the change: its remember cookie, given at the change, logs
        it in again."""
        assert alice.change_password("a much longer passphrase").status_code == 302
        renewed = {"remember_token": alice.client.get_cookie("remember_token").value}
        assert greeted(thief(new_visitor, renewed)) == "alice"

    def test_a_wrong_password_keeps_the_token(self, alice, new_visitor):
        before = cookies_of(alice)
        refused = page_shown(alice.client, alice.post("/reauthenticate", password="not hers"))
        assert "That is not your password." in words(refused.text)
        assert greeted(thief(new_visitor, before)) == "alice"


@pytest.mark.requirement("7.3")
@pytest.mark.section("Ending logins", "ends every *other* login")
class TestPasswordChange:
    def test_ends_the_other_logins_and_keeps_this_one_fresh(
        self, alice, alice_elsewhere, new_visitor
    ):
        elsewhere = cookies_of(alice_elsewhere)
        response = alice.change_password("a much longer passphrase")
        assert response.headers["Location"] == "/profile"
        profile = alice.client.get("/profile").text
        assert "Your other logins have ended." in profile
        assert "Your login is fresh" in words(profile)
        assert alice.client.get("/settings").status_code == 200
        assert greeted(alice_elsewhere) == "visitor"
        assert greeted(thief(new_visitor, elsewhere)) == "visitor"
        assert greeted(thief(new_visitor, {"remember_token": elsewhere["remember_token"]})) == "visitor"

    def test_a_wrong_current_password_ends_nothing(self, alice, alice_elsewhere, new_visitor):
        response = alice.change_password("a much longer passphrase", current_password="wrong")
        page = page_shown(alice.client, response)
        assert "That is not your current password." in words(page.text)
        assert greeted(alice_elsewhere) == "alice"
        assert new_visitor().can_log_in("alice", "wonderland")

    def test_two_changes_at_once_leave_one_login_and_one_password(
        self, step, alice, alice_elsewhere, new_visitor, monkeypatch
    ):
        """Each change would end the other's login: one wins, the other changes nothing.

        Both requests are held at their first write until both have reached it: each has
        found its login alive, whatever it checked and in whichever order, before either
        writes."""
        passwords = ["the first new password", "the second new password"]
        forms = [
            {"csrf_token": visitor.csrf_token("/settings"), "current_password": "wonderland",
             "new_password": password}
            for visitor, password in zip((alice, alice_elsewhere), passwords)
        ]
        together = Rendezvous(2)
        hold_writes(monkeypatch, database_of(step), together)
        responses = together.run([
            lambda visitor=visitor, form=form: visitor.client.post("/settings", data=form)
            for visitor, form in zip((alice, alice_elsewhere), forms)
        ])
        monkeypatch.undo()
        assert [response.status_code for response in responses] == [302, 302]
        still_in = [greeted(visitor) for visitor in (alice, alice_elsewhere)]
        assert sorted(still_in) == ["alice", "visitor"], f"the logins still in: {still_in}"
        winner = still_in.index("alice")
        assert new_visitor().can_log_in("alice", passwords[winner])
        assert not new_visitor().can_log_in("alice", passwords[1 - winner])

    def test_a_change_racing_log_out_everywhere_leaves_no_login_and_no_error(
        self, step, alice, alice_elsewhere, new_visitor, monkeypatch
    ):
        """Two consistent outcomes, and never a 5xx.

        "Log out everywhere" first: every login ends. The password change
        first: the other login has ended, so its "log out everywhere" is
        refused, and only the login that changed the password stays.
        """
        copies = [cookies_of(alice), cookies_of(alice_elsewhere)]
        change = {"csrf_token": alice.csrf_token("/settings"), "current_password": "wonderland",
                  "new_password": "a much longer passphrase"}
        everywhere = {"csrf_token": alice_elsewhere.csrf_token("/")}
        together = Rendezvous(2)
        hold_writes(monkeypatch, database_of(step), together)
        responses = together.run([
            lambda: alice.client.post("/settings", data=change),
            lambda: alice_elsewhere.client.post("/logout-everywhere", data=everywhere),
        ])
        monkeypatch.undo()
        assert [response.status_code for response in responses] == [302, 302]
        still_in = [greeted(thief(new_visitor, cookies)) for cookies in copies]
        assert still_in in (["visitor", "visitor"], ["alice", "visitor"])
        if still_in[0] == "alice":
            assert responses[1].headers["Location"].startswith("/login")


@pytest.mark.requirement("7.3")
@pytest.mark.section("Ending logins", "end all of the user's logins")
class TestAdministrator:
    def test_deactivate_user_ends_the_users_logins_for_good(
        self, alice, runner, users, new_visitor
    ):
        copied = cookies_of(alice)
        assert runner.invoke(args=["deactivate-user", "alice"]).exit_code == 0
        assert greeted(thief(new_visitor, copied)) == "visitor"
        users.reactivate("alice")
        assert greeted(thief(new_visitor, copied)) == "visitor"
        assert new_visitor().can_log_in("alice", "wonderland")

    def test_set_password_ends_every_login_of_the_user(
        self, alice, alice_elsewhere, runner, new_visitor
    ):
        copies = [cookies_of(alice), cookies_of(alice_elsewhere)]
        result = runner.invoke(args=["set-password", "alice", "--password", "a new passphrase"])
        assert result.exit_code == 0
        for cookies in copies:
            assert greeted(thief(new_visitor, cookies)) == "visitor"


@pytest.mark.requirement("7.6")
@pytest.mark.section("Ending logins", "API tokens are not logins")
class TestApiTokensAndANewPassword:
    """API tokens are not logins; a new password revokes them too, if the owner leaves the box checked."""

    def issue_token(self, runner, username):
        result = runner.invoke(args=["issue-token", username, "--name", "script"])
        assert result.exit_code == 0, result.output
        return {"Authorization": f"Bearer {result.output.splitlines()[-1]}"}

    def calls_me(self, new_visitor, headers):
        """A program's call with the token: no cookies."""
        return new_visitor().client.get("/api/me", headers=headers).status_code

    def revoke_box(self, visitor):
        """The settings form's one checkbox: its attributes, and its label's text."""
        (attributes, label), = checkboxes(visitor.client.get("/settings").text)
        return attributes, label

    def test_the_form_offers_to_revoke_them_checked_and_says_so(self, alice):
        attributes, label = self.revoke_box(alice)
        assert "checked" in attributes
        assert "API tokens" in label

    @pytest.mark.parametrize("checked", [True, False])
    def test_a_change_revokes_them_only_when_asked(self, alice, runner, new_visitor, checked):
        hers, bobs = self.issue_token(runner, "alice"), self.issue_token(runner, "bob")
        box, _ = self.revoke_box(alice)
        ticked = {box["name"]: box.get("value", "on")} if checked else {}
        form = {"current_password": "wonderland", "new_password": "a much longer passphrase"}
        said_before = words(alice.client.get("/profile").text).count("API tokens")
        assert alice.post("/settings", **form, **ticked).headers["Location"] == "/profile"
        if checked:
            profile = words(alice.client.get("/profile").text)
            assert profile.count("API tokens") > said_before, f"no message on API tokens: {profile}"
        assert self.calls_me(new_visitor, hers) == (401 if checked else 200)
        assert self.calls_me(new_visitor, bobs) == 200

    @pytest.mark.parametrize("flag, status", [([], 401), (["--keep-tokens"], 200)])
    def test_set_password_revokes_them_unless_kept(self, runner, new_visitor, flag, status):
        hers, bobs = self.issue_token(runner, "alice"), self.issue_token(runner, "bob")
        result = runner.invoke(args=["set-password", "alice", "--password", "a new passphrase", *flag])
        assert result.exit_code == 0, result.output
        assert self.calls_me(new_visitor, hers) == status
        assert self.calls_me(new_visitor, bobs) == 200

    def test_log_out_everywhere_leaves_them_working(self, alice, runner, new_visitor):
        hers = self.issue_token(runner, "alice")
        assert alice.post("/logout-everywhere").status_code == 302
        assert self.calls_me(new_visitor, hers) == 200
