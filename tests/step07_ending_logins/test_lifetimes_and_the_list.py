"""Step 7: how long a login lasts, and the profile's list of logins.

Every login ends after 14 days, remembered or not, and is fresh for 15
minutes after the password was typed; the profile lists the user's logins,
each with a button that ends it.
"""

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
import time_machine
from playhouse.test_utils import count_queries

from kit.forms import CSRF_FIELD, REDIRECTS
from kit.pages import parse, words
from tests.sessions import cookies_of, greeted, thief

pytestmark = [
    pytest.mark.concept("Logins a user can end: logout, everywhere, new passwords, lifetimes"),
    pytest.mark.section("Ending logins"),
]


START = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)


# The chapter's items on the 14 days of a login, and on freshness, which the server now ends
# after 15 minutes.
LIFETIME = pytest.mark.section("How long a login lasts", "`LOGIN_LIFETIME`")
FRESHNESS = pytest.mark.section("How long a login lasts", "`FRESH_LOGIN_LIFETIME`")


@pytest.mark.requirement("7.4")
@pytest.mark.section("How long a login lasts")
class TestLifetimes:
    """Enforced on the server: 14 days for every login, 15 minutes of freshness."""

    @LIFETIME
    def test_every_login_ends_after_14_days_remembered_or_not(self, auth, new_visitor):
        with time_machine.travel(START, tick=False) as traveller:
            auth.login("alice", "wonderland", remember="on")
            copied = cookies_of(auth)
            traveller.shift(timedelta(days=14) - timedelta(minutes=1))
            assert greeted(thief(new_visitor, {"session": copied["session"]})) == "alice"
            assert greeted(thief(new_visitor, {"remember_token": copied["remember_token"]})) == "alice"
            traveller.shift(timedelta(minutes=2))
            for cookies in ({"session": copied["session"]},
                            {"remember_token": copied["remember_token"]}, copied):
                assert greeted(thief(new_visitor, cookies)) == "visitor"

    @LIFETIME
    def test_typing_the_password_again_does_not_make_the_14_days_start_again(self, auth):
        """The 14 days count from the login: a password typed on day 13 makes it fresh, not new."""
        with time_machine.travel(START, tick=False) as traveller:
            auth.login("alice", "wonderland", remember="on")
            traveller.shift(timedelta(days=13))
            auth.post("/reauthenticate", password="wonderland")
            assert greeted(auth) == "alice"
            traveller.shift(timedelta(days=1, minutes=1))
            assert greeted(auth) == "visitor"

    @FRESHNESS
    def test_freshness_expires_after_15_minutes(self, auth):
        with time_machine.travel(START, tick=False) as traveller:
            auth.login()
            traveller.shift(timedelta(minutes=14))
            assert auth.client.get("/settings").status_code == 200
            traveller.shift(timedelta(minutes=2))
            response = auth.client.get("/settings")
            assert response.status_code == 302
            assert response.headers["Location"] == "/reauthenticate?next=%2Fsettings"
            assert "Your login is not fresh" in words(auth.client.get("/profile").text)

    @FRESHNESS
    def test_typing_the_password_again_makes_it_fresh_for_15_more_minutes(self, auth):
        with time_machine.travel(START, tick=False) as traveller:
            auth.login()
            traveller.shift(timedelta(hours=3))
            response = auth.post("/reauthenticate", password="wonderland", next="/settings")
            assert response.headers["Location"] == "/settings"
            traveller.shift(timedelta(minutes=14))
            assert auth.client.get("/settings").status_code == 200
            traveller.shift(timedelta(minutes=2))
            assert auth.client.get("/settings").status_code == 302

    @FRESHNESS
    def test_a_remembered_login_comes_back_not_fresh(self, auth, new_visitor):
        auth.login("alice", "wonderland", remember="on")
        restarted = thief(new_visitor, {"remember_token": auth.client.get_cookie("remember_token").value})
        assert restarted.client.get("/settings").status_code == 302


# When a login started, as ISO 8601 writes it: 2026-11-21 09:00, or 2026-11-21T09:00:00Z.
STARTED = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d")


@pytest.mark.requirement("7.5")
@pytest.mark.section("Ending logins", "Ending one login from the profile")
class TestTheListOfLogins:
    def login_rows(self, visitor):
        """The rows of the profile's table of logins that list one: each has a form that ends it."""
        tables = parse(visitor.client.get("/profile").text).find_all("table", "logins")
        assert len(tables) == 1, 'the profile has no <table class="logins">'
        return [row for row in tables[0].find_all("tr") if self.end_path(row)]

    @staticmethod
    def end_path(row):
        """The path of the row's form that ends its login (/logins/<id>/end), or None."""
        for form in row.find_all("form"):
            path = urlsplit(form.attrs.get("action", "")).path
            if re.fullmatch(r"/logins/[^/]+/end", path):
                return path
        return None

    def end_button_paths(self, visitor):
        return [self.end_path(row) for row in self.login_rows(visitor)]

    def test_the_profile_lists_each_login_with_its_browser_and_marks_this_one(
        self, alice, alice_elsewhere
    ):
        rows = [row.text for row in self.login_rows(alice_elsewhere)]
        assert len(rows) == 2, rows
        [this_one] = [row for row in rows if "this one" in row]
        assert "Phone browser/1.0" in this_one
        assert any("Werkzeug/" in row for row in rows)  # the test client's own User-Agent
        assert all(STARTED.search(row) for row in rows), rows

    def test_ending_another_login_stops_its_cookies_and_keeps_this_one(
        self, alice, alice_elsewhere, new_visitor
    ):
        elsewhere = cookies_of(alice_elsewhere)
        other = [self.end_path(row) for row in self.login_rows(alice) if "this one" not in row.text]
        response = alice.post(other[0])
        assert response.headers["Location"] == "/profile"
        assert greeted(thief(new_visitor, elsewhere)) == "visitor"
        assert greeted(alice) == "alice"

    def test_ending_this_login_from_the_list_logs_out(self, alice, new_visitor):
        copied = cookies_of(alice)
        [path] = self.end_button_paths(alice)
        response = alice.post(path)
        assert response.headers["Location"] == "/"
        assert greeted(thief(new_visitor, copied)) == "visitor"

    def test_nobody_can_end_another_users_login(self, alice, new_visitor):
        bob = new_visitor()
        bob.login("bob", "bobthebuilder")
        [bobs_login] = self.end_button_paths(bob)
        response = alice.post(bobs_login)
        # Refused, as the folder likes: a 4xx, or back to the profile with a message.
        assert 400 <= response.status_code < 500 or response.headers.get("Location") == "/profile"
        assert greeted(bob) == "bob"

    @pytest.mark.parametrize("login_id", ["0", "9" * 30, "-1", "abc", "1.5"])
    def test_an_id_that_is_no_login_of_the_user_is_a_4xx(self, alice, login_id):
        response = alice.post(f"/logins/{login_id}/end")
        if response.status_code in REDIRECTS:
            assert response.headers["Location"].split("?")[0] == "/profile"
        else:
            assert 400 <= response.status_code < 500
        assert greeted(alice) == "alice"

    def test_ending_a_login_needs_a_csrf_token(self, alice, alice_elsewhere):
        [path, _] = self.end_button_paths(alice)
        assert alice.client.post(path).status_code == 400
        assert greeted(alice) == greeted(alice_elsewhere) == "alice"

    @pytest.mark.parametrize(
        "user_agent",
        ["", "x" * 5000, "nul\x00byte", "ünïcödé ✓ <script>alert(1)</script>", "\r\n\t"],
        ids=["empty", "huge", "NUL", "unicode and markup", "control characters"],
    )
    def test_any_user_agent_is_recorded_safely(self, new_visitor, user_agent):
        visitor = new_visitor()
        visitor.client.environ_base["HTTP_USER_AGENT"] = user_agent
        response = visitor.login()
        assert response.status_code == 302
        page = visitor.client.get("/profile")
        assert page.status_code == 200
        assert "<script>alert(1)</script>" not in page.text
        assert CSRF_FIELD.search(page.text)


@pytest.mark.section("The loader: a join inside `try`", "two for the")
def test_the_profile_adds_one_query_for_the_list_of_logins(client, auth):
    """The list of logins is one query more than step 4's page: the loader's join, and the list."""
    auth.login()
    with count_queries() as counter:
        response = client.get("/profile")
        response.close()
    assert response.status_code == 200
    assert counter.count == 2
