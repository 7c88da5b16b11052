"""alice, logged in twice: what the tests of logins that end start from."""

import pytest


@pytest.fixture
def alice(auth):
    """alice, logged in with "remember me"."""
    auth.login("alice", "wonderland", remember="on")
    return auth


@pytest.fixture
def alice_elsewhere(new_visitor):
    """alice again, logged in on another browser."""
    visitor = new_visitor()
    visitor.client.environ_base["HTTP_USER_AGENT"] = "Phone browser/1.0"
    visitor.login("alice", "wonderland", remember="on")
    return visitor
