"""LOGIN_DISABLED = True: what it switches off, and why the other tests keep it off."""

import pytest


@pytest.fixture
def config(config):
    # Only this module turns it on, to show what it does.
    return {**config, "LOGIN_DISABLED": True}


def test_login_disabled_lets_a_visitor_into_a_protected_page(client):
    # @login_required now lets every request through: the visitor is not
    # sent to the login page, and sees a profile page of nobody.
    response = client.get("/profile")
    assert response.status_code == 200
    assert "<h1>'s profile</h1>" in response.text
