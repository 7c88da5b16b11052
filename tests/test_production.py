"""Beyond one laptop: a step served by gunicorn, as the README's production recipe says.

The app runs in worker processes of its own, with SECRET_KEY (and, on
PostgreSQL, DATABASE_URL) from the environment and debug off. The client
talks plain HTTP on 127.0.0.1 but sends the header a TLS proxy would, so the
app sees HTTPS and sets Secure cookies, as in production.
"""

import secrets

import pytest

from tests.live_server import Client, Deployment

pytestmark = [pytest.mark.since(4), pytest.mark.slow]


@pytest.fixture
def deployment(step, tmp_path, database_url):
    deployment = Deployment(step.name, tmp_path, database_url=database_url)
    result = deployment.flask("init-db")
    assert result.returncode == 0, result.stderr
    yield deployment
    deployment.stop()


def test_gunicorn_serves_logins_with_production_cookies(deployment):
    browser = Client(deployment.serve(workers=2))
    response = browser.log_in("alice", "wonderland")
    assert response.status == 302
    assert response.headers["Location"] == "/"
    session_cookie = next(
        header for header in response.headers.get_all("Set-Cookie") if header.startswith("session=")
    )
    assert "; Secure" in session_cookie
    assert "; HttpOnly" in session_cookie
    assert "; SameSite=Lax" in session_cookie
    assert "Hello, alice!" in browser.get("/").text
    assert browser.get("/profile").status == 200


def test_a_user_added_on_the_command_line_logs_in_through_the_server(deployment):
    base = deployment.serve(workers=2)
    added = deployment.flask("add-user", "dora", "--password", "explorer-map")
    assert added.returncode == 0, added.stderr
    browser = Client(base)
    browser.log_in("dora", "explorer-map")
    assert "Hello, dora!" in browser.get("/").text


def test_without_a_secret_key_the_server_refuses_to_start(deployment):
    del deployment.env["FLASK_SECRET_KEY"]
    with pytest.raises(RuntimeError, match="No SECRET_KEY is set"):
        deployment.serve(workers=1)


def test_any_server_process_can_serve_any_user(deployment):
    """Stateless scale-out: the session is in the cookie, so no sticky sessions are needed.

    Two servers share what they must (the secret key and the database) and
    nothing else.
    """
    first, second = deployment.serve(workers=1), deployment.serve(workers=1)
    browser = Client(first)
    browser.log_in("bob", "bobthebuilder")
    browser.base = second
    browser.host = second.removeprefix("http://")
    assert "Hello, bob!" in browser.get("/").text
    browser.post("/logout", {"csrf_token": browser.csrf_token()})
    browser.base = first
    browser.host = first.removeprefix("http://")
    assert "Hello, visitor!" in browser.get("/").text


def test_a_server_with_another_secret_key_does_not_know_the_session(deployment):
    first = deployment.serve(workers=1)
    other = deployment.serve(workers=1, secret_key=secrets.token_hex(32))
    browser = Client(first)
    browser.log_in("bob", "bobthebuilder")
    stranger = Client(other)
    stranger.cookies = dict(browser.cookies)
    assert "Hello, visitor!" in stranger.get("/").text
