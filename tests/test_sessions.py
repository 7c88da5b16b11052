"""The session cookie: what login puts in it, how it is protected, and the key that signs it."""

import logging

import pytest

pytestmark = [pytest.mark.since(1), pytest.mark.section("Logging in")]


@pytest.mark.section("3. A user loader")
@pytest.mark.until(5)
def test_login_stores_the_user_id_as_flask_login_does(client, auth, users):
    auth.login("alice")
    with client.session_transaction() as session:
        assert session["_user_id"] == users.id_of("alice")
        assert session["_fresh"] is True


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


@pytest.mark.section("Cookies that carry a login")
@pytest.mark.since(3)
def test_session_cookie_is_httponly_samesite_lax_and_secure(client, auth):
    auth.login()
    cookie = client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert cookie.secure


@pytest.mark.section("Cookies that carry a login")
@pytest.mark.since(3)
def test_development_server_cookie_works_over_plain_http(step, monkeypatch):
    """`flask run --debug` serves plain HTTP, where browsers drop Secure cookies."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = step.module.create_app({"SECRET_KEY": "x" * 32, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"})
    assert app.config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.section("Logging out")
def test_logout_is_post_only(client, auth):
    auth.login()
    assert client.get("/logout").status_code == 405
    assert "Hello, alice!" in client.get("/").text


@pytest.mark.section("Cookies that carry a login")
@pytest.mark.since(3)
def test_logout_response_is_not_cacheable(client, auth):
    auth.login()
    response = auth.logout()
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.section("Cookies that carry a login")
@pytest.mark.since(3)
@pytest.mark.parametrize("path", ["/", "/profile", "/settings", "/login?next=/profile"])
def test_no_answer_to_a_logged_in_user_is_cacheable(client, auth, path):
    """A shared cache, or the back button on a shared computer, must not replay a user's page."""
    auth.login()
    response = client.get(path)
    assert response.status_code in (200, 302)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.section("Cookies that carry a login")
@pytest.mark.since(3)
def test_a_remembered_users_first_page_is_not_cacheable(client, auth, new_visitor):
    auth.login(remember="on")
    restarted = new_visitor()
    restarted.client.set_cookie("remember_token", client.get_cookie("remember_token").value)
    response = restarted.client.get("/profile")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.section("Logging out")
def test_logout_removes_the_login_from_the_session(client, auth):
    auth.login()
    auth.logout()
    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.mark.section("The secret key")
def test_a_cookie_signed_with_another_key_is_an_anonymous_visitor(make_app, client):
    """A login on another deployment (another SECRET_KEY) is worth nothing here."""
    elsewhere = make_app(SECRET_KEY="another deployment's key").test_client()
    with elsewhere.session_transaction() as session:
        session["_user_id"] = "1"
    client.set_cookie("session", elsewhere.get_cookie("session").value)
    response = client.get("/")
    assert response.status_code == 200
    assert "Hello, visitor!" in response.text


@pytest.mark.section("The secret key")
def test_a_garbled_session_cookie_is_an_anonymous_visitor(client):
    client.set_cookie("session", "not-a-signed-cookie")
    response = client.get("/")
    assert response.status_code == 200
    assert "Hello, visitor!" in response.text


@pytest.mark.since(7)
@pytest.mark.section("Ready for production")
class TestSecretKey:
    """SECRET_KEY comes from the environment or the instance folder, never the repository.

    The development key and the words of the warning and of the refusal are
    the step's own: the tests ask the app which key it fell back to.
    """

    def test_production_without_a_key_refuses_to_start(self, step, monkeypatch):
        monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
        with pytest.raises(RuntimeError):
            step.module.create_app({"TESTING": False})

    def test_production_with_the_repository_key_refuses_to_start(self, step, monkeypatch):
        monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
        development_key = step.module.create_app({"TESTING": True}).secret_key
        with pytest.raises(RuntimeError):
            step.module.create_app({"TESTING": False, "SECRET_KEY": development_key})

    def test_production_takes_the_key_from_the_environment(self, step, monkeypatch):
        monkeypatch.setenv("FLASK_SECRET_KEY", "k" * 64)
        app = step.module.create_app(
            {"TESTING": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"}
        )
        assert app.secret_key == "k" * 64

    def test_tests_without_a_key_use_the_development_key_and_say_so(
        self, step, monkeypatch, caplog
    ):
        monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
        caplog.set_level(logging.WARNING)
        app = step.module.create_app(
            {"TESTING": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"}
        )
        assert app.secret_key
        assert any(record.levelno >= logging.WARNING for record in caplog.records), (
            "create_app logged no warning about the development key"
        )


@pytest.mark.section("Logging out")
@pytest.mark.until(5)
def test_a_cookie_copied_before_logout_still_logs_in(client, auth, new_visitor):
    """What logout does not do until step 6, as the chapters say: the session lives in the cookie.

    logout_user() clears this browser's session; a copy taken earlier stays
    valid until PERMANENT_SESSION_LIFETIME has passed since it was signed.
    """
    auth.login()
    stolen = client.get_cookie("session").value
    auth.logout()
    assert "Hello, visitor!" in client.get("/").text

    thief = new_visitor().client
    thief.set_cookie("session", stolen)
    assert "Hello, alice!" in thief.get("/").text


@pytest.mark.since(7)
@pytest.mark.section("Security headers")
@pytest.mark.parametrize("path", ["/", "/login", "/profile", "/api/me", "/nothing-here"])
def test_every_answer_carries_the_security_headers(client, auth, path):
    """HTTPS only, no content sniffing, no framing: on pages, redirects, the API and errors."""
    auth.login()
    response = client.get(path)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(response.headers["Strict-Transport-Security"].split("=")[1].split(";")[0]) >= 31536000
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.section("Logging out")
@pytest.mark.parametrize("value", ["a|é", "é", "1|" + "é" * 128, "\u200b|x"])
def test_a_remember_cookie_flask_login_cannot_read_is_an_anonymous_visitor(client, value):
    """Flask-Login 0.6.3 raises TypeError on a non-ASCII remember cookie; anyone may plant one.

    The page is a visitor's, and the answer tells the browser to drop the cookie.
    """
    client.set_cookie("remember_token", value)
    response = client.get("/")
    assert response.status_code == 200
    assert "Hello, visitor!" in response.text
    deleted = [header for header in response.headers.getlist("Set-Cookie")
               if header.startswith("remember_token=;")]
    assert deleted and "Max-Age=0" in deleted[0]


@pytest.mark.section("Logging out")
def test_a_planted_remember_cookie_leaves_a_logged_in_user_logged_in(client, auth):
    auth.login()
    client.set_cookie("remember_token", "a|é")
    response = client.get("/")
    assert response.status_code == 200
    assert "Hello, alice!" in response.text
