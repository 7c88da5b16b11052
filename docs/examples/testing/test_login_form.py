"""Logging in through the login form, as a person does: the form, the password
check and the login view are all part of the test."""


def test_alice_logs_in_and_is_greeted_by_name(client):
    response = client.post("/login", data={"username": "alice", "password": "wonderland"})
    # A successful login answers with a redirect, here to the home page.
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    # The client kept the session cookie, as a browser would: alice is logged in.
    assert "Hello, alice!" in client.get("/").text


def test_a_wrong_password_shows_the_form_again(client):
    response = client.post("/login", data={"username": "alice", "password": "not-her-password"})
    assert response.status_code == 200
    assert "Invalid username or password." in response.text
    assert "Hello, visitor!" in client.get("/").text


def test_an_account_that_is_switched_off_cannot_log_in(client):
    response = client.post("/login", data={"username": "carol", "password": "looking-glass"})
    assert "Invalid username or password." in response.text


def test_a_user_added_from_the_command_line_can_log_in(client, runner):
    result = runner.invoke(args=["add-user", "dinah", "--password", "cheshire-cat"])
    assert result.exit_code == 0, result.output
    client.post("/login", data={"username": "dinah", "password": "cheshire-cat"})
    assert "Hello, dinah!" in client.get("/").text
