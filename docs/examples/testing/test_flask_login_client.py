"""Flask-Login's test client: a user who is logged in from the first request,
without the login form."""

import pytest
from flask_login import FlaskLoginClient

from step04_database.users import User


@pytest.fixture
def alice(app):
    # The test client takes a user object: the row the user loader would return.
    return User.get(User.name == "alice")


def test_alice_sees_her_profile(app, alice):
    app.test_client_class = FlaskLoginClient
    client = app.test_client(user=alice)
    response = client.get("/profile")
    assert response.status_code == 200
    assert "alice's profile" in response.text


def test_a_login_that_is_not_fresh_still_opens_the_profile(app, alice):
    app.test_client_class = FlaskLoginClient
    # As if alice had come back with a remember-me cookie. Only pages behind
    # @fresh_login_required ask such a user for the password again.
    client = app.test_client(user=alice, fresh_login=False)
    assert client.get("/profile").status_code == 200


def test_an_account_that_is_switched_off_stays_logged_out(app):
    app.test_client_class = FlaskLoginClient
    # The test client puts carol's id in the session, where the login form
    # would have refused her: her account is switched off.
    client = app.test_client(user=User.get(User.name == "carol"))
    # But every request loads her again, and a user who is not active is not
    # authenticated: @login_required sends her to the login page.
    assert client.get("/profile").headers["Location"] == "/login?next=%2Fprofile"
