"""Step 8: a hash made with an older method is replaced at the next successful login."""

import pytest
from werkzeug.security import generate_password_hash

pytestmark = [pytest.mark.concept("Upgrading old password hashes"),
              pytest.mark.section("Upgrading old password hashes"),
              pytest.mark.requirement("8.7")]


class TestHashUpgrade:
    """A hash made with an older method is replaced at the next successful login."""

    OLD_HASH = generate_password_hash("wonderland", "pbkdf2:sha256:2")

    def test_a_successful_login_rehashes_with_todays_method(self, auth, users):
        users.set_password_hash("alice", self.OLD_HASH)
        auth.login()
        assert users.password_hash_of("alice").startswith("pbkdf2:sha256:1$")
        assert auth.client.get("/").text.count("Hello, alice!") == 1

    def test_a_failed_login_leaves_the_hash_alone(self, auth, users):
        users.set_password_hash("alice", self.OLD_HASH)
        auth.login("alice", "wrong")
        assert users.password_hash_of("alice") == self.OLD_HASH

    def test_a_current_hash_is_not_rewritten(self, auth, users):
        before = users.password_hash_of("alice")
        auth.login()
        assert users.password_hash_of("alice") == before
