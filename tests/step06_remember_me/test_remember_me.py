"""Step 6: remember me, a login that outlasts the browser, and the cookies that carry a login."""

from datetime import datetime, timedelta, timezone

import pytest

from kit.forms import FormClient
from kit.pages import words
from tests.sessions import restart_browser, stored_id

pytestmark = [pytest.mark.concept("Remember me, and the cookies that carry a login"), pytest.mark.section("Remember me")]


@pytest.mark.requirement("6.1")
def test_without_remember_me_there_is_no_remember_cookie(client, auth):
    auth.login()
    assert client.get_cookie("remember_token") is None


@pytest.mark.requirement("6.1", "6.5")
@pytest.mark.section("Cookies that carry a login")
def test_the_remember_cookie_is_httponly_samesite_lax_secure_and_lasts_14_days(client, auth):
    auth.login(remember="on")
    cookie = client.get_cookie("remember_token")
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert cookie.secure
    lifetime = cookie.expires - datetime.now(timezone.utc)
    assert timedelta(days=13, hours=23) < lifetime <= timedelta(days=14)


@pytest.mark.requirement("6.1")
def test_remember_me_survives_a_browser_restart(client, auth, new_visitor):
    auth.login(remember="on")
    browser = restart_browser(client, new_visitor)
    assert "Hello, alice!" in words(browser.client.get("/").text)


@pytest.mark.requirement("6.1")
def test_without_remember_me_a_browser_restart_logs_out(auth, new_visitor):
    auth.login()
    browser = new_visitor()  # no cookies at all
    assert "Hello, visitor!" in words(browser.client.get("/").text)


@pytest.mark.requirement("6.1", "6.2")
def test_a_remembered_login_is_not_fresh(client, auth, new_visitor):
    auth.login(remember="on")
    browser = restart_browser(client, new_visitor)
    page = browser.client.get("/profile").text
    assert "Your login is not fresh" in words(page)
    with browser.client.session_transaction() as session:
        assert session["_fresh"] is False


@pytest.mark.requirement("6.1")
@pytest.mark.section("Remember me", "logout deletes it from *this*")
def test_logout_deletes_the_remember_cookie(client, auth):
    auth.login(remember="on")
    response = auth.logout()
    assert any(
        header.startswith("remember_token=;") and "Expires=Thu, 01 Jan 1970" in header
        for header in response.headers.getlist("Set-Cookie")
    )
    assert client.get_cookie("remember_token") is None
    assert "Hello, visitor!" in words(client.get("/").text)


@pytest.mark.until(6)
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
    assert "Hello, alice!" in words(thief.client.get("/").text)


@pytest.mark.requirement("6.1")
@pytest.mark.parametrize(
    "value", ["1", "1|forged", "garbage", "|", "1|" + "0" * 128, "\u00e9|x"],
)
def test_a_forged_remember_cookie_is_an_anonymous_visitor(client, value):
    client.set_cookie("remember_token", value)
    response = client.get("/")
    assert response.status_code == 200
    assert "Hello, visitor!" in words(response.text)


@pytest.mark.requirement("6.1")
def test_a_remember_cookie_signed_with_another_key_is_an_anonymous_visitor(
    make_app, client, new_visitor
):
    elsewhere = new_visitor(make_app(SECRET_KEY="another deployment's key"))
    elsewhere.login(remember="on")
    client.set_cookie("remember_token", elsewhere.client.get_cookie("remember_token").value)
    assert "Hello, visitor!" in words(client.get("/").text)


@pytest.mark.requirement("6.1")
@pytest.mark.parametrize("change", ["deactivate", "delete"])
def test_a_remember_cookie_for_a_user_who_is_gone_is_an_anonymous_visitor(
    client, auth, users, new_visitor, change
):
    auth.login("bob", "bobthebuilder", remember="on")
    getattr(users, change)("bob")
    browser = restart_browser(client, new_visitor)
    response = browser.client.get("/")
    assert response.status_code == 200
    assert "Hello, visitor!" in words(response.text)


@pytest.mark.section("Remember me")
def test_the_loader_receives_a_string_from_the_remember_cookie_too(
    client, auth, new_visitor, loader_calls
):
    auth.login("bob", "bobthebuilder", remember="on")
    browser = new_visitor()
    browser.client.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert "Hello, bob!" in words(browser.client.get("/").text)
    # The cookie is `id|signature`; the loader gets the id, as a string.
    assert loader_calls == [stored_id(client)]
    assert isinstance(loader_calls[0], str)


@pytest.mark.section("Remember me")
def test_the_loader_runs_twice_when_the_session_id_fails_and_a_remember_cookie_is_there(
    client, auth, new_visitor, loader_calls
):
    """Flask-Login 0.6.3: None for the session's id, then the remember cookie's id, in one request."""
    auth.login("bob", "bobthebuilder", remember="on")
    cookie_id = stored_id(client)
    browser = new_visitor()
    browser.client.set_cookie("remember_token", client.get_cookie("remember_token").value)
    with browser.client.session_transaction() as session:
        session["_user_id"] = "999"  # a user deleted since, say
    assert "Hello, bob!" in words(browser.client.get("/").text)
    assert loader_calls == ["999", cookie_id]


@pytest.mark.requirement("6.5")
@pytest.mark.section("Cookies that carry a login")
def test_session_cookie_is_httponly_samesite_lax_and_secure(client, auth):
    auth.login()
    cookie = client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert cookie.secure


@pytest.mark.requirement("6.5")
@pytest.mark.section("Cookies that carry a login", "only the development")
def test_development_server_cookie_works_over_plain_http(make_app, flask_run_debug):
    """`flask run --debug` serves plain HTTP, where browsers drop Secure cookies."""
    response = FormClient(make_app().test_client()).login(remember="on")
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) >= 2, cookies
    assert not [cookie for cookie in cookies if "secure" in cookie.lower()], (
        f"under flask run --debug (FLASK_DEBUG=1) no cookie may be Secure: {cookies}")


@pytest.mark.requirement("6.5")
@pytest.mark.section("Cookies that carry a login", "`app.debug` alone is not enough")
def test_flask_debug_left_set_under_a_production_server_keeps_cookies_secure(
    make_app, debug_left_on_in_production
):
    """gunicorn with FLASK_DEBUG=1 in its environment: Flask turns debug on, but nothing
    serves plain HTTP."""
    response = FormClient(make_app().test_client()).login(remember="on")
    cookies = response.headers.getlist("Set-Cookie")
    assert {cookie.partition("=")[0] for cookie in cookies} >= {"session", "remember_token"}
    assert all("; Secure" in cookie for cookie in cookies), cookies


@pytest.mark.requirement("6.1")
@pytest.mark.section("Cookies that carry a login")
def test_a_remembered_users_first_page_is_not_cacheable(client, auth, new_visitor):
    auth.login(remember="on")
    restarted = new_visitor()
    restarted.client.set_cookie("remember_token", client.get_cookie("remember_token").value)
    response = restarted.client.get("/profile")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.requirement("6.6")
@pytest.mark.section("A remember cookie Flask-Login 0.6.3 cannot read")
@pytest.mark.parametrize("value", ["a|é", "é", "1|" + "é" * 128, "\u200b|x"])
def test_a_remember_cookie_flask_login_cannot_read_is_an_anonymous_visitor(client, value):
    """Flask-Login 0.6.3 raises TypeError on a non-ASCII remember cookie; anyone may plant one.

    The page is a visitor's, and the answer tells the browser to drop the cookie.
    """
    client.set_cookie("remember_token", value)
    response = client.get("/")
    assert response.status_code == 200
    assert "Hello, visitor!" in words(response.text)
    deleted = [header for header in response.headers.getlist("Set-Cookie")
               if header.startswith("remember_token=;")]
    assert deleted and "Max-Age=0" in deleted[0]


@pytest.mark.requirement("6.6")
@pytest.mark.section("A remember cookie Flask-Login 0.6.3 cannot read")
def test_a_planted_remember_cookie_leaves_a_logged_in_user_logged_in(client, auth):
    auth.login()
    client.set_cookie("remember_token", "a|é")
    response = client.get("/")
    assert response.status_code == 200
    assert "Hello, alice!" in words(response.text)


@pytest.mark.requirement("6.5")
@pytest.mark.section("Session protection", "At login, Flask-Login also stores `_id`")
def test_a_session_cookie_used_by_another_browser_is_no_longer_fresh(client, auth, new_visitor):
    """Session protection, "basic": the login stays, but only as a remembered one would.

    The session holds a hash of the browser's address and User-Agent (`_id`):
    a copy of the cookie sent by another browser does not match it.
    """
    auth.login()
    assert "Your login is fresh" in words(client.get("/profile").text)
    copied = new_visitor()
    copied.client.environ_base["HTTP_USER_AGENT"] = "Another browser/1.0"
    copied.client.set_cookie("session", client.get_cookie("session").value)
    assert "Hello, alice!" in words(copied.client.get("/").text)
    assert "Your login is not fresh" in words(copied.client.get("/profile").text)
    assert "Your login is fresh" in words(client.get("/profile").text)
