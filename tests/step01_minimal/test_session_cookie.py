"""Step 1: the session cookie: what login puts in it, how it is protected, and the key that signs it."""

import pytest

from kit.pages import words

pytestmark = [pytest.mark.concept("The session cookie: what login puts in it"),
              pytest.mark.section("Logging in")]


@pytest.mark.section("3. A user loader")
@pytest.mark.until(6)
def test_login_stores_the_user_id_as_flask_login_does(client, auth, users):
    auth.login("alice")
    with client.session_transaction() as session:
        assert session["_user_id"] == users.id_of("alice")
        assert session["_fresh"] is True


@pytest.mark.requirement("1.9")
@pytest.mark.section("Logging in", "before `login_user`")
def test_login_starts_a_fresh_session(client, auth):
    """Nothing put into the session before login survives it: session.clear() before login_user.

    With Flask's signed cookie nobody can plant a logged-in session; what
    this stops is data carried over (a planted value, an old flash).
    """
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login()
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session


@pytest.mark.requirement("1.4")
@pytest.mark.section("Logging out")
def test_logout_is_post_only(client, auth):
    auth.login()
    assert client.get("/logout").status_code == 405
    assert "Hello, alice!" in words(client.get("/").text)


@pytest.mark.requirement("1.4")
@pytest.mark.section("Logging out")
def test_logout_removes_the_login_from_the_session(client, auth):
    auth.login()
    auth.logout()
    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.mark.requirement("1.10")
@pytest.mark.section("The secret key")
def test_a_cookie_signed_with_another_key_is_an_anonymous_visitor(make_app, client):
    """A login on another deployment (another SECRET_KEY) is worth nothing here."""
    elsewhere = make_app(SECRET_KEY="another deployment's key").test_client()
    with elsewhere.session_transaction() as session:
        session["_user_id"] = "1"
    client.set_cookie("session", elsewhere.get_cookie("session").value)
    response = client.get("/")
    assert response.status_code == 200
    assert "Hello, visitor!" in words(response.text)


@pytest.mark.requirement("1.10")
@pytest.mark.section("The secret key")
def test_a_garbled_session_cookie_is_an_anonymous_visitor(client):
    client.set_cookie("session", "not-a-signed-cookie")
    response = client.get("/")
    assert response.status_code == 200
    assert "Hello, visitor!" in words(response.text)


@pytest.mark.section("Logging out")
@pytest.mark.until(6)
def test_a_cookie_copied_before_logout_still_logs_in(client, auth, new_visitor):
    """What logout does not do until step 6, as the chapters say: the session lives in the cookie.

    logout_user() clears this browser's session; a copy taken earlier stays
    valid until PERMANENT_SESSION_LIFETIME has passed since it was signed.
    """
    auth.login()
    stolen = client.get_cookie("session").value
    auth.logout()
    assert "Hello, visitor!" in words(client.get("/").text)

    thief = new_visitor().client
    thief.set_cookie("session", stolen)
    assert "Hello, alice!" in words(thief.get("/").text)
