"""Step 1: passwords hashed with a strong method, checked as typed, never logged."""

import logging

import pytest
from werkzeug.security import check_password_hash

from kit.accounts import DEMO_PASSWORDS, original_users
from kit.pages import words

pytestmark = [pytest.mark.concept("Passwords: hashed, and checked as typed"),
              pytest.mark.section("Passwords: hashed, and checked as typed")]


# scrypt with N=2**17, r=8, p=1: the OWASP minimum (SECURITY.md, rule 4).
PRODUCTION_METHOD = "scrypt:131072:8:1"


@pytest.mark.requirement("1.7")
@pytest.mark.parametrize(
    "password",
    [" wonderland", "wonderland ", "Wonderland", "wonderlan", "wonderland\n"],
)
def test_passwords_are_taken_exactly_as_typed(client, auth, password):
    auth.login("alice", password)
    assert "Hello, visitor!" in words(client.get("/").text)


@pytest.mark.requirement("1.6")
@pytest.mark.until(3)
def test_the_demo_passwords_are_stored_with_scrypt_at_the_owasp_minimum(step):
    """Steps 1 to 3 keep hashes made once: made at every start, they would cost a second."""
    stored = {user.name: user.password_hash for user in original_users(step.module).values()}
    assert set(DEMO_PASSWORDS) <= set(stored)  # and any user a reader adds
    assert all(password_hash.startswith(PRODUCTION_METHOD + "$") for password_hash in stored.values())


@pytest.mark.slow
@pytest.mark.until(3)
def test_the_demo_hashes_are_of_the_documented_passwords(step):
    """The hashes in the code check out against the passwords the README gives (1.2 s of scrypt)."""
    stored = {user.name: user.password_hash for user in original_users(step.module).values()}
    for name, password in DEMO_PASSWORDS.items():
        assert check_password_hash(stored[name], password), name


@pytest.mark.requirement("1.7")
def test_passwords_never_reach_the_log(client, auth, caplog):
    caplog.set_level(logging.DEBUG)
    auth.login("alice", "wrong-password-1")
    auth.login("mallory", "wrong-password-2")
    auth.login("alice", "wonderland")
    client.get("/")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for password in ("wrong-password-1", "wrong-password-2", "wonderland"):
        assert password not in logged
