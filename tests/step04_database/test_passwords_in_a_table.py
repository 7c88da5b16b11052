"""Step 4: passwords in a table: equal work whether the user exists, and malformed hashes."""

import pytest

from kit.pages import words

pytestmark = [pytest.mark.concept("Passwords in a table: equal work, malformed hashes"),
              pytest.mark.section("Passwords in a table"), pytest.mark.requirement("4.6")]


@pytest.mark.parametrize(
    "username, password",
    [
        ("alice", "wonderland"),
        ("alice", "wrong password"),
        ("carol", "looking-glass"),
        ("mallory", "wonderland"),
    ],
    ids=["right password", "wrong password", "inactive account", "unknown user"],
)
@pytest.mark.section("Passwords in a table", "Equal work for unknown names")
def test_every_login_attempt_checks_exactly_one_hash(auth, hash_checks, username, password):
    """Equal work whether or not the user exists: timing tells nothing.

    From step 4, where finding a user is a query that would answer fast.
    """
    token = auth.csrf_token()  # before counting
    hash_checks.clear()
    auth.client.post(
        "/login", data={"csrf_token": token, "username": username, "password": password}
    )
    assert len(hash_checks) == 1


@pytest.mark.parametrize(
    "stored_hash",
    ["", "x", "foo$bar$baz", "scrypt:3:8:1$salt$hash", "pbkdf2:sha999:1$salt$hash",
     "pbkdf2:sha256:0$salt$hash", "pbkdf2:sha256:99999999999999999999$salt$hash",
     "scrypt:99999999999999999999:8:1$salt$hash", "wonderland"],
    ids=["empty", "one character", "unknown method", "bad scrypt parameters",
         "unknown digest", "zero iterations", "iterations too many for C",
         "scrypt cost too big for C", "plaintext"],
)
@pytest.mark.section("Passwords in a table", "Malformed stored hashes")
def test_a_malformed_stored_hash_is_a_failed_login(client, auth, users, stored_hash):
    """A row edited by hand, or left by an older app, is a failed login, not a 500."""
    users.set_password_hash("alice", stored_hash)
    response = auth.login("alice", "wonderland")
    assert response.status_code == 200
    assert "Invalid username or password." in words(response.text)
