"""Step 6: fresh logins, and the password change that needs one."""

import pytest

from kit.forms import FormClient, page_shown
from kit.pages import flashed, form_on, hidden_fields, words
from tests.redirects import refused
from tests.sessions import restart_browser

pytestmark = [pytest.mark.concept("Fresh logins, and a password change that needs one"),
              pytest.mark.section("Fresh logins")]

# Which requirement of the task each test checks.
REAUTHENTICATE, SETTINGS = pytest.mark.requirement("6.4"), pytest.mark.requirement("6.3")


@SETTINGS
def test_a_visitor_who_opens_the_settings_is_sent_to_log_in(client):
    response = client.get("/settings")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fsettings"


@pytest.mark.requirement("6.2", "6.3")
def test_a_typed_password_makes_a_fresh_login(client, auth):
    """Fresh: the settings open, and, like every page of a logged-in user, are not cached."""
    auth.login()
    assert "Your login is fresh" in words(client.get("/profile").text)
    settings = client.get("/settings")
    assert settings.status_code == 200
    assert settings.headers["Cache-Control"] == "no-store"


@SETTINGS
def test_a_remembered_user_must_confirm_the_password_for_settings(client, auth, new_visitor):
    auth.login(remember="on")
    browser = restart_browser(client, new_visitor)
    response = browser.client.get("/settings")
    assert response.status_code == 302
    assert response.headers["Location"] == "/reauthenticate?next=%2Fsettings"
    page = browser.client.get(response.headers["Location"]).text
    assert "Please enter your password again to continue." in flashed(page, "info")
    assert hidden_fields(form_on(page)).get("next") == "/settings"


# The paragraphs of "Fresh logins" on where /reauthenticate goes next, and on the settings.
FOLLOWS_NEXT = pytest.mark.section("Fresh logins", "follows `next` after the same check")
SETTINGS_PARAGRAPH = pytest.mark.section("Fresh logins", "Settings also asks for the current password")


@REAUTHENTICATE
@FOLLOWS_NEXT
def test_confirming_the_password_makes_the_login_fresh(client, auth, new_visitor):
    auth.login(remember="on")
    browser = restart_browser(client, new_visitor)
    response = browser.post("/reauthenticate", password="wonderland", next="/settings")
    assert response.headers.get("Location") == "/settings", (
        "next=/settings came in the form's hidden field, where the login takes it from first")
    assert browser.client.get("/settings").status_code == 200


@REAUTHENTICATE
@pytest.mark.parametrize("password", ["wrong", "", " wonderland"])
def test_a_wrong_password_leaves_the_login_stale(client, auth, new_visitor, password):
    auth.login(remember="on")
    browser = restart_browser(client, new_visitor)
    response = browser.post("/reauthenticate", password=password, next="/settings")
    page = page_shown(browser.client, response)
    assert page.status_code == 200
    assert "That is not your password." in words(page.text)
    assert browser.client.get("/settings").status_code == 302


@REAUTHENTICATE
@FOLLOWS_NEXT
def test_reauthenticate_follows_only_a_safe_next(auth):
    auth.login()
    response = auth.post("/reauthenticate", password="wonderland", next="//evil.example")
    assert refused("//evil.example", response.headers.get("Location"))


@REAUTHENTICATE
def test_reauthenticate_is_for_logged_in_users_only(client):
    assert client.get("/reauthenticate").status_code == 302


@REAUTHENTICATE
def test_confirming_the_password_checks_exactly_one_hash(client, auth, hash_checks):
    auth.login()
    token = auth.csrf_token("/")
    hash_checks.clear()
    client.post("/reauthenticate", data={"csrf_token": token, "password": "nope"})
    assert len(hash_checks) == 1


@SETTINGS
@SETTINGS_PARAGRAPH
def test_a_fresh_user_can_change_the_password(auth, new_visitor):
    auth.login()
    response = auth.change_password("a much longer passphrase")
    assert response.headers["Location"] == "/profile"
    assert "Your password has been changed." in words(auth.client.get("/profile").text)
    assert new_visitor().can_log_in("alice", "a much longer passphrase")
    assert not new_visitor().can_log_in("alice", "wonderland")


@SETTINGS
@pytest.mark.parametrize("new_password", ["", "short", "7 chars"])
@SETTINGS_PARAGRAPH
def test_a_new_password_shorter_than_8_characters_is_refused(auth, new_visitor, new_password):
    auth.login()
    page = page_shown(auth.client, auth.change_password(new_password))
    assert page.status_code == 200
    assert "Use at least 8 characters." in words(page.text)
    assert new_visitor().can_log_in("alice", "wonderland")


@SETTINGS
def test_a_remembered_user_cannot_change_the_password(client, auth, new_visitor):
    auth.login(remember="on")
    browser = restart_browser(client, new_visitor)
    response = browser.change_password("a much longer passphrase")
    assert response.headers["Location"] == "/reauthenticate?next=%2Fsettings"
    assert new_visitor().can_log_in("alice", "wonderland")


@SETTINGS
@pytest.mark.parametrize("current_password", ["", "wrong", " wonderland", "bobthebuilder"])
@SETTINGS_PARAGRAPH
def test_a_wrong_current_password_changes_nothing_and_says_so(auth, new_visitor, current_password):
    auth.login()
    page = page_shown(auth.client, auth.change_password("a much longer passphrase", current_password))
    assert page.status_code == 200
    assert "That is not your current password." in words(page.text)
    assert new_visitor().can_log_in("alice", "wonderland")
    assert not new_visitor().can_log_in("alice", "a much longer passphrase")


@SETTINGS
@SETTINGS_PARAGRAPH
def test_changing_the_password_needs_a_csrf_token(client, auth, new_visitor):
    auth.login()
    response = client.post("/settings", data={"new_password": "a much longer passphrase"})
    assert response.status_code == 400
    assert new_visitor().can_log_in("alice", "wonderland")


@SETTINGS
@SETTINGS_PARAGRAPH
def test_new_passwords_are_hashed_with_scrypt_at_the_owasp_minimum(make_app, recorded_scrypt):
    """Without an override, a password changed on the settings page gets the production method."""
    visitor = FormClient(make_app(PASSWORD_HASH_METHOD=None).test_client())
    visitor.login()
    visitor.change_password("a much longer passphrase")
    assert recorded_scrypt and set(recorded_scrypt) == {(131072, 8, 1)}


@SETTINGS
@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple " * 4,  # a 116-character passphrase
        "  spaces at both ends  ",
        "ünïcödé pässwörd ✓",
        " " * 8,
    ],
    ids=["long passphrase", "surrounding spaces", "unicode", "eight spaces"],
)
@SETTINGS_PARAGRAPH
def test_any_password_round_trips(auth, new_visitor, password):
    auth.login()
    auth.change_password(password)
    assert new_visitor().can_log_in("alice", password)
    if password.strip() != password:
        assert not new_visitor().can_log_in("alice", password.strip())
