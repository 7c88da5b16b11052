"""Step 3: remember me, and fresh logins for sensitive pages."""

from datetime import datetime, timedelta, timezone

import pytest

from tests.redirects import refused

pytestmark = [pytest.mark.since(3), pytest.mark.section("Remember me")]


def restart_browser(client, new_visitor):
    """A new browser session that kept only the persistent remember-me cookie."""
    browser = new_visitor()
    browser.client.set_cookie("remember_token", client.get_cookie("remember_token").value)
    return browser


def test_without_remember_me_there_is_no_remember_cookie(client, auth):
    auth.login()
    assert client.get_cookie("remember_token") is None


@pytest.mark.section("Cookies that carry a login")
def test_the_remember_cookie_is_httponly_samesite_lax_secure_and_lasts_14_days(client, auth):
    auth.login(remember="on")
    cookie = client.get_cookie("remember_token")
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert cookie.secure
    lifetime = cookie.expires - datetime.now(timezone.utc)
    assert timedelta(days=13, hours=23) < lifetime <= timedelta(days=14)


def test_remember_me_survives_a_browser_restart(client, auth, new_visitor):
    auth.login(remember="on")
    browser = restart_browser(client, new_visitor)
    assert "Hello, alice!" in browser.client.get("/").text


def test_without_remember_me_a_browser_restart_logs_out(auth, new_visitor):
    auth.login()
    browser = new_visitor()  # no cookies at all
    assert "Hello, visitor!" in browser.client.get("/").text


def test_a_remembered_login_is_not_fresh(client, auth, new_visitor):
    auth.login(remember="on")
    browser = restart_browser(client, new_visitor)
    page = browser.client.get("/profile").text
    assert "Your login is <strong>not fresh</strong>" in page
    with browser.client.session_transaction() as session:
        assert session["_fresh"] is False


@pytest.mark.section("Fresh logins")
def test_a_typed_password_makes_a_fresh_login(client, auth):
    auth.login()
    assert "Your login is <strong>fresh</strong>" in client.get("/profile").text
    assert client.get("/settings").status_code == 200


@pytest.mark.section("Fresh logins")
def test_a_remembered_user_must_confirm_the_password_for_settings(client, auth, new_visitor):
    auth.login(remember="on")
    browser = restart_browser(client, new_visitor)
    response = browser.client.get("/settings")
    assert response.status_code == 302
    assert response.headers["Location"] == "/reauthenticate?next=%2Fsettings"
    page = browser.client.get(response.headers["Location"]).text
    assert '<p class="flash info">Please enter your password again to continue.</p>' in page
    assert '<input type="hidden" name="next" value="/settings">' in page


@pytest.mark.section("Fresh logins")
def test_confirming_the_password_makes_the_login_fresh(client, auth, new_visitor):
    auth.login(remember="on")
    browser = restart_browser(client, new_visitor)
    response = browser.post("/reauthenticate", password="wonderland", next="/settings")
    assert response.headers["Location"] == "/settings"
    assert browser.client.get("/settings").status_code == 200


@pytest.mark.section("Fresh logins")
@pytest.mark.parametrize("password", ["wrong", "", " wonderland"])
def test_a_wrong_password_leaves_the_login_stale(client, auth, new_visitor, password):
    auth.login(remember="on")
    browser = restart_browser(client, new_visitor)
    response = browser.post("/reauthenticate", password=password, next="/settings")
    assert response.status_code == 200
    assert "That is not your password." in response.text
    assert browser.client.get("/settings").status_code == 302


@pytest.mark.section("Fresh logins")
def test_reauthenticate_follows_only_a_safe_next(auth):
    auth.login()
    response = auth.post("/reauthenticate", password="wonderland", next="//evil.example")
    assert refused("//evil.example", response.headers.get("Location"))


@pytest.mark.section("Fresh logins")
def test_reauthenticate_is_for_logged_in_users_only(client):
    assert client.get("/reauthenticate").status_code == 302


@pytest.mark.section("Remember me")
def test_logout_deletes_the_remember_cookie(client, auth):
    auth.login(remember="on")
    response = auth.logout()
    assert any(
        header.startswith("remember_token=;") and "Expires=Thu, 01 Jan 1970" in header
        for header in response.headers.getlist("Set-Cookie")
    )
    assert client.get_cookie("remember_token") is None
    assert "Hello, visitor!" in client.get("/").text


@pytest.mark.until(5)
def test_a_remember_cookie_copied_before_logout_still_logs_in(client, auth, new_visitor):
    """What logout does not do until step 6, as the chapters say.

    Flask-Login's remember cookie is the user id and an HMAC of it: nothing
    on the server knows it was revoked. The copy works until SECRET_KEY changes.
    """
    auth.login(remember="on")
    stolen = client.get_cookie("remember_token").value
    auth.logout()
    thief = new_visitor()
    thief.client.set_cookie("remember_token", stolen)
    assert "Hello, alice!" in thief.client.get("/").text


@pytest.mark.parametrize(
    "value", ["1", "1|forged", "garbage", "|", "1|" + "0" * 128, "\u00e9|x"],
)
def test_a_forged_remember_cookie_is_an_anonymous_visitor(client, value):
    client.set_cookie("remember_token", value)
    response = client.get("/")
    assert response.status_code == 200
    assert "Hello, visitor!" in response.text


def test_a_remember_cookie_signed_with_another_key_is_an_anonymous_visitor(
    make_app, client, new_visitor
):
    elsewhere = new_visitor(make_app(SECRET_KEY="another deployment's key"))
    elsewhere.login(remember="on")
    client.set_cookie("remember_token", elsewhere.client.get_cookie("remember_token").value)
    assert "Hello, visitor!" in client.get("/").text


@pytest.mark.parametrize("change", ["deactivate", "delete"])
def test_a_remember_cookie_for_a_user_who_is_gone_is_an_anonymous_visitor(
    client, auth, users, new_visitor, change
):
    auth.login("bob", "bobthebuilder", remember="on")
    getattr(users, change)("bob")
    browser = restart_browser(client, new_visitor)
    response = browser.client.get("/")
    assert response.status_code == 200
    assert "Hello, visitor!" in response.text


@pytest.mark.section("Fresh logins")
def test_confirming_the_password_checks_exactly_one_hash(client, auth, hash_checks):
    auth.login()
    token = auth.csrf_token("/")
    hash_checks.clear()
    client.post("/reauthenticate", data={"csrf_token": token, "password": "nope"})
    assert len(hash_checks) == 1


@pytest.mark.section("Fresh logins")
def test_a_fresh_user_can_change_the_password(auth, new_visitor):
    auth.login()
    response = auth.change_password("a much longer passphrase")
    assert response.headers["Location"] == "/profile"
    assert "Your password has been changed." in auth.client.get("/profile").text
    assert new_visitor().can_log_in("alice", "a much longer passphrase")
    assert not new_visitor().can_log_in("alice", "wonderland")


@pytest.mark.section("Fresh logins")
@pytest.mark.parametrize("new_password", ["", "short", "7 chars"])
def test_a_new_password_shorter_than_8_characters_is_refused(auth, new_visitor, new_password):
    auth.login()
    response = auth.change_password(new_password)
    assert response.status_code == 200
    assert "Use at least 8 characters." in response.text
    assert new_visitor().can_log_in("alice", "wonderland")


@pytest.mark.section("Fresh logins")
def test_a_remembered_user_cannot_change_the_password(client, auth, new_visitor):
    auth.login(remember="on")
    browser = restart_browser(client, new_visitor)
    response = browser.change_password("a much longer passphrase")
    assert response.headers["Location"] == "/reauthenticate?next=%2Fsettings"
    assert new_visitor().can_log_in("alice", "wonderland")


@pytest.mark.section("Fresh logins")
@pytest.mark.parametrize("current_password", ["", "wrong", " wonderland", "bobthebuilder"])
def test_a_wrong_current_password_changes_nothing_and_says_so(auth, new_visitor, current_password):
    auth.login()
    response = auth.change_password("a much longer passphrase", current_password)
    assert response.status_code == 200
    assert "That is not your current password." in response.text
    assert new_visitor().can_log_in("alice", "wonderland")
    assert not new_visitor().can_log_in("alice", "a much longer passphrase")


@pytest.mark.section("Fresh logins")
def test_changing_the_password_needs_a_csrf_token(client, auth, new_visitor):
    auth.login()
    response = client.post("/settings", data={"new_password": "a much longer passphrase"})
    assert response.status_code == 400
    assert new_visitor().can_log_in("alice", "wonderland")
