"""Step 1: CSRF tokens on every POST, and bad input answered without a 500."""

import pytest

from kit.pages import words

pytestmark = [pytest.mark.concept("CSRF tokens on every form, and bad input"),
              pytest.mark.section("CSRF tokens on every form")]


@pytest.mark.requirement("1.5")
def test_login_without_a_csrf_token_is_refused_and_logs_nobody_in(client):
    response = client.post("/login", data={"username": "alice", "password": "wonderland"})
    assert response.status_code == 400
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert "Hello, visitor!" in words(client.get("/").text)


@pytest.mark.requirement("1.5")
def test_login_with_a_forged_csrf_token_is_refused(client, auth):
    auth.csrf_token()  # the visitor has a session with a real token
    response = client.post(
        "/login", data={"csrf_token": "forged", "username": "alice", "password": "wonderland"}
    )
    assert response.status_code == 400
    assert "Hello, visitor!" in words(client.get("/").text)


@pytest.mark.requirement("1.5")
def test_a_token_from_another_session_is_refused(client, auth, new_visitor):
    """Login CSRF: an attacker's own token does not work in the victim's browser."""
    attackers_token = new_visitor().csrf_token()
    auth.csrf_token()
    response = client.post(
        "/login",
        data={"csrf_token": attackers_token, "username": "alice", "password": "wonderland"},
    )
    assert response.status_code == 400


@pytest.mark.requirement("1.5")
def test_logout_without_a_csrf_token_is_refused_and_keeps_the_user_in(client, auth):
    auth.login()
    response = client.post("/logout")
    assert response.status_code == 400
    assert "Hello, alice!" in words(client.get("/").text)


@pytest.mark.requirement("1.3", "1.4")
@pytest.mark.parametrize(
    "method, path", [("PUT", "/login"), ("DELETE", "/login"), ("PATCH", "/logout"), ("GET", "/logout")]
)
@pytest.mark.section("Logging out")
def test_wrong_methods_get_405(client, method, path):
    assert client.open(path, method=method).status_code == 405


BAD_CREDENTIALS = {
    "long username": ("a" * 8_000, "wonderland"),
    "long password": ("alice", "p" * 8_000),
    "NUL in username": ("alice\x00", "wonderland"),
    "NUL in password": ("alice", "wonder\x00land"),
    "control characters": ("\x1b[31malice", "\r\n\t"),
    "only spaces": ("   ", "   "),
    "markup": ("<script>alert(1)</script>", "x"),
    "SQL": ("' OR '1'='1", "' OR '1'='1"),
}


@pytest.mark.requirement("1.8")
@pytest.mark.section("Logging in", "One message for every failure")
@pytest.mark.parametrize("username, password", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS)
def test_bad_credentials_show_the_form_again(client, auth, username, password):
    response = auth.login(username, password)
    assert response.status_code == 200
    assert "Invalid username or password." in words(response.text)
    assert "<script>alert(1)</script>" not in response.text
    assert "Hello, visitor!" in words(client.get("/").text)


@pytest.mark.requirement("1.8")
@pytest.mark.section("Logging in", "One message for every failure")
def test_a_body_that_is_not_utf8_shows_the_form_again(client, auth):
    body = f"csrf_token={auth.csrf_token()}&username=%FF%FEalice&password=%C3%28"
    response = client.post(
        "/login", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "Invalid username or password." in words(response.text)


@pytest.mark.requirement("1.8")
@pytest.mark.section("Logging in", "One message for every failure")
def test_a_repeated_field_counts_once(client, auth):
    body = (
        f"csrf_token={auth.csrf_token()}&username=mallory&username=alice"
        "&password=wonderland&password=wonderland"
    )
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "Hello, visitor!" in words(client.get("/").text)


@pytest.mark.requirement("1.8")
@pytest.mark.section("Logging in", "One message for every failure")
def test_a_json_body_is_not_a_login(client, auth):
    response = client.post(
        "/login",
        json={"username": "alice", "password": "wonderland"},
        headers={"X-CSRFToken": auth.csrf_token()},
    )
    assert response.status_code == 200
    assert "Hello, visitor!" in words(client.get("/").text)
