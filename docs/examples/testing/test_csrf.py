"""The login form's CSRF protection, tested with the protection on."""

import re

import pytest


@pytest.fixture
def config(config):
    # The other test modules switch the protection off; this one tests it.
    return {**config, "WTF_CSRF_ENABLED": True}


def test_a_login_without_the_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "alice", "password": "wonderland"})
    assert response.status_code == 400
    assert "Hello, visitor!" in client.get("/").text


def test_a_login_with_the_token_from_the_form_succeeds(client):
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post(
        "/login", data={"username": "alice", "password": "wonderland", "csrf_token": token}
    )
    assert response.headers["Location"] == "/"
