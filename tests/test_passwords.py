"""Passwords: hashed with a strong method, checked as typed, never logged."""

import hashlib
import logging

import pytest
from werkzeug.security import check_password_hash

from kit.accounts import DEMO_PASSWORDS, original_users
from kit.databases import init_db
from kit.forms import FormClient

pytestmark = [pytest.mark.since(1), pytest.mark.section("Passwords: hashed, and checked as typed")]

# scrypt with N=2**17, r=8, p=1: the OWASP minimum (SECURITY.md, rule 4).
PRODUCTION_METHOD = "scrypt:131072:8:1"


@pytest.mark.parametrize(
    "password",
    [" wonderland", "wonderland ", "Wonderland", "wonderlan", "wonderland\n"],
)
def test_passwords_are_taken_exactly_as_typed(client, auth, password):
    auth.login("alice", password)
    assert "Hello, visitor!" in client.get("/").text


@pytest.fixture
def recorded_scrypt(monkeypatch):
    """Replace hashlib.scrypt by a recorder of its parameters; return the records.

    The real thing takes about 0.4 s per hash at this strength.
    """
    used = []

    def recording_scrypt(password, *, salt, n, r, p, maxmem, dklen=64):
        used.append((n, r, p))
        return bytes(dklen)

    monkeypatch.setattr(hashlib, "scrypt", recording_scrypt)
    return used


def test_the_demo_passwords_are_stored_with_scrypt_at_the_owasp_minimum(
    step, make_app, users, request
):
    """Steps 1 to 3 keep hashes made once (made at every start, they would
    cost a second); from step 4, init-db makes them."""
    if step.database == "memory":
        stored = {user.name: user.password_hash for user in original_users(step.module).values()}
        assert set(stored) == set(DEMO_PASSWORDS)
        assert all(password_hash.startswith(PRODUCTION_METHOD + "$") for password_hash in stored.values())
    else:
        recorded = request.getfixturevalue("recorded_scrypt")
        users.delete("bob")  # init-db puts a missing demo account back
        init_db(make_app(PASSWORD_HASH_METHOD=None))
        assert recorded == [(131072, 8, 1)]


@pytest.mark.slow
@pytest.mark.until(3)
def test_the_demo_hashes_are_of_the_documented_passwords(step):
    """The hashes in the code check out against the passwords the README gives (1.2 s of scrypt)."""
    for user in original_users(step.module).values():
        assert check_password_hash(user.password_hash, DEMO_PASSWORDS[user.name]), user.name


@pytest.mark.section("Fresh logins")
@pytest.mark.since(3)
def test_new_passwords_are_hashed_with_scrypt_at_the_owasp_minimum(make_app, recorded_scrypt):
    """Without an override, a password changed on the settings page gets the production method."""
    visitor = FormClient(make_app(PASSWORD_HASH_METHOD=None).test_client())
    visitor.login()
    visitor.change_password("a much longer passphrase")
    assert recorded_scrypt and set(recorded_scrypt) == {(131072, 8, 1)}


@pytest.mark.section("Managing users from the command line")
@pytest.mark.since(4)
def test_add_user_hashes_with_scrypt_at_the_owasp_minimum(make_app, recorded_scrypt):
    runner = make_app(PASSWORD_HASH_METHOD=None).test_cli_runner()
    recorded_scrypt.clear()  # only what add-user hashes
    result = runner.invoke(args=["add-user", "dora", "--password", "explorer-map"])
    assert result.exit_code == 0, result.output
    assert recorded_scrypt == [(131072, 8, 1)]


@pytest.mark.since(3)
@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple " * 4,  # a 116-character passphrase
        "  spaces at both ends  ",
        "ünïcödé pässwörd ✓",
    ],
    ids=["long passphrase", "surrounding spaces", "unicode"],
)
@pytest.mark.section("Fresh logins")
def test_any_password_round_trips(auth, new_visitor, password):
    auth.login()
    auth.change_password(password)
    assert new_visitor().can_log_in("alice", password)
    if password.strip() != password:
        assert not new_visitor().can_log_in("alice", password.strip())


@pytest.mark.since(4)
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
@pytest.mark.section("Passwords in a table")
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


@pytest.mark.since(4)
@pytest.mark.parametrize(
    "stored_hash",
    ["", "x", "foo$bar$baz", "scrypt:3:8:1$salt$hash", "pbkdf2:sha999:1$salt$hash",
     "pbkdf2:sha256:0$salt$hash", "wonderland"],
    ids=["empty", "one character", "unknown method", "bad scrypt parameters",
         "unknown digest", "zero iterations", "plaintext"],
)
@pytest.mark.section("Passwords in a table")
def test_a_malformed_stored_hash_is_a_failed_login(client, auth, users, stored_hash):
    """A row edited by hand, or left by an older app, is a failed login, not a 500."""
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
