"""Step 7: password guessing stops.

After 10 failed password checks for one account from one address in 15
minutes, further attempts from that address get 429 with Retry-After, and no
password is checked. Other accounts, and other addresses, are not affected.
The limit is on in every configuration, tests included.
"""

from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from tests.forms import AuthActions

pytestmark = [pytest.mark.since(7), pytest.mark.section("Password guessing that stops")]

LIMIT = 10
START = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)


def visitor_from(app, address):
    """A browser of its own, at another address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return AuthActions(client)


def fail(visitor, times, username="alice"):
    """Log in with a wrong password, `times` times; the statuses of the answers."""
    token = visitor.csrf_token()
    form = {"csrf_token": token, "username": username, "password": "not the password"}
    return [visitor.client.post("/login", data=form).status_code for _ in range(times)]


def test_ten_failures_are_answered_and_the_eleventh_is_refused(auth):
    assert fail(auth, LIMIT) == [200] * LIMIT
    response = auth.login("alice", "still not the password")
    assert response.status_code == 429
    assert "Too many wrong passwords for this account from your address." in response.text
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60


def test_a_throttled_attempt_checks_no_password(auth, hash_checks):
    fail(auth, LIMIT)
    token = auth.csrf_token()
    hash_checks.clear()
    form = {"csrf_token": token, "username": "alice", "password": "wonderland"}
    assert auth.client.post("/login", data=form).status_code == 429
    assert hash_checks == []


def test_the_right_password_is_refused_while_throttled(auth):
    fail(auth, LIMIT)
    assert auth.login().status_code == 429
    assert "Hello, visitor!" in auth.client.get("/").text


def test_other_accounts_from_the_same_address_are_not_affected(auth):
    fail(auth, LIMIT)
    assert auth.login("bob", "bobthebuilder").status_code == 302


def test_the_same_account_from_another_address_is_not_affected(app, auth):
    """Nobody can lock alice out: the attacker's failures count against the attacker's address."""
    fail(auth, LIMIT)
    alice = visitor_from(app, "198.51.100.7")
    assert alice.login().status_code == 302
    assert "Hello, alice!" in alice.client.get("/").text


def test_successful_logins_are_not_counted(auth):
    for _ in range(LIMIT + 2):
        assert auth.login().status_code == 302
        auth.logout()


def test_the_login_page_itself_is_never_refused(auth):
    fail(auth, LIMIT)
    assert auth.client.get("/login").status_code == 200


def test_the_window_passes(make_app):
    with time_machine.travel(START, tick=False) as traveller:
        visitor = AuthActions(make_app().test_client())
        fail(visitor, LIMIT)
        traveller.shift(timedelta(minutes=14))
        response = visitor.login()
        assert response.status_code == 429
        assert 59 <= int(response.headers["Retry-After"]) <= 61  # the oldest failure, 15 minutes on
        traveller.shift(timedelta(minutes=1, seconds=1))
        assert visitor.login().status_code == 302


def test_confirming_the_password_counts_too(auth):
    """The reauthentication form checks a password: its failures share the limit."""
    auth.login()
    token = auth.csrf_token("/")
    for _ in range(LIMIT):
        wrong = auth.client.post("/reauthenticate", data={"csrf_token": token, "password": "nope"})
        assert wrong.status_code == 200
    right = auth.client.post("/reauthenticate", data={"csrf_token": token, "password": "wonderland"})
    assert right.status_code == 429
    assert auth.login().status_code == 429


def test_the_current_password_on_the_settings_page_counts_too(auth):
    auth.login()
    wrong = [auth.change_password("a long new one", current_password="nope") for _ in range(LIMIT)]
    assert [response.status_code for response in wrong] == [200] * LIMIT
    assert auth.change_password("a long new one").status_code == 429


def test_failures_of_several_forms_add_up(auth):
    fail(auth, LIMIT - 1)
    auth.login("alice", "not the password either")
    assert auth.login().status_code == 429


def test_the_limit_is_on_in_a_fresh_app_after_one_that_turned_it_off(make_app):
    """Flask-Limiter's Limiter keeps the state of its last init_app: a fresh app must say it."""
    unthrottled = AuthActions(make_app(RATELIMIT_ENABLED=False).test_client())
    assert fail(unthrottled, LIMIT + 2) == [200] * (LIMIT + 2)
    throttled = AuthActions(make_app().test_client())
    fail(throttled, LIMIT)
    assert throttled.login().status_code == 429
