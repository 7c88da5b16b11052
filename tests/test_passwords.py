"""Passwords: hashed with a strong method, checked as typed, never logged."""

import hashlib
import logging

import pytest

pytestmark = pytest.mark.since(1)


@pytest.mark.parametrize(
    "password",
    [" wonderland", "wonderland ", "Wonderland", "wonderlan", "wonderland\n"],
)
def test_passwords_are_taken_exactly_as_typed(client, auth, password):
    auth.login("alice", password)
    assert "Hello, visitor!" in client.get("/").text


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple " * 4,  # a 116-character passphrase
        "  spaces at both ends  ",
        "ünïcödé pässwörd ✓",
    ],
    ids=["long passphrase", "surrounding spaces", "unicode"],
)
def test_any_password_round_trips(client, auth, users, password):
    users.add("dora", password)
    auth.login("dora", password)
    assert "Hello, dora!" in client.get("/").text


def test_production_hash_method_is_scrypt_at_the_owasp_minimum(step, monkeypatch):
    """Without an override the apps hash with scrypt N=2**17, r=8, p=1.

    hashlib.scrypt is replaced by a recorder: the real thing takes most of a
    second per hash at this strength.
    """
    used = []

    def recording_scrypt(password, *, salt, n, r, p, maxmem, dklen=64):
        used.append((n, r, p))
        return bytes(dklen)

    monkeypatch.setattr(hashlib, "scrypt", recording_scrypt)
    app = step.module.create_app({"TESTING": True, "SECRET_KEY": "x" * 32})
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt:131072:8:1"
    assert used and set(used) == {(131072, 8, 1)}


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
def test_every_login_attempt_checks_exactly_one_hash(auth, hash_checks, username, password):
    """Equal work whether or not the user exists: timing tells nothing."""
    token = auth.csrf_token()  # before counting
    hash_checks.clear()
    auth.client.post(
        "/login", data={"csrf_token": token, "username": username, "password": password}
    )
    assert len(hash_checks) == 1


@pytest.mark.parametrize(
    "stored_hash",
    ["", "x", "foo$bar$baz", "scrypt:3:8:1$salt$hash", "pbkdf2:sha999:1$salt$hash",
     "pbkdf2:sha256:0$salt$hash", "wonderland"],
    ids=["empty", "one character", "unknown method", "bad scrypt parameters",
         "unknown digest", "zero iterations", "plaintext"],
)
def test_a_malformed_stored_hash_is_a_failed_login(client, auth, users, stored_hash):
    users.set_password_hash("alice", stored_hash)
    response = auth.login("alice", "wonderland")
    assert response.status_code == 200
    assert "Invalid username or password." in response.text


def test_passwords_never_reach_the_log(client, auth, caplog):
    caplog.set_level(logging.DEBUG)
    auth.login("alice", "wrong-password-1")
    auth.login("mallory", "wrong-password-2")
    auth.login("alice", "wonderland")
    client.get("/")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for password in ("wrong-password-1", "wrong-password-2", "wonderland"):
        assert password not in logged
