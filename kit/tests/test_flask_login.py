"""What the chapters say of Flask-Login 0.6.3 itself, pinned on the reference steps.

A chapter that states how the library behaves is held to it here: when an
upgrade changes the behaviour, the test that fails names the sentence to
change. These are facts about the library, not requirements of a learner's
folder, so they live among the kit's tests and are never graded.
"""

import pytest

from kit.forms import FormClient


def remembered_alice_after_a_restart(app):
    """alice logged in with "remember me", then her browser restarted: its remember cookie alone."""
    alice = FormClient(app.test_client())
    alice.login(remember="on")
    restarted = app.test_client()
    restarted.set_cookie("remember_token", alice.client.get_cookie("remember_token").value)
    return restarted


@pytest.mark.since(1)
@pytest.mark.until(5)
def test_before_step_6_a_non_ascii_remember_cookie_is_a_500(make_app):
    """Step 6's chapter: Flask-Login reads the cookie whether or not the app sets one, and
    compares its signature with hmac.compare_digest, which raises TypeError on a non-ASCII str."""
    client = make_app(PROPAGATE_EXCEPTIONS=False).test_client()
    client.set_cookie("remember_token", "a|é")
    assert client.get("/").status_code == 500


@pytest.mark.since(6)
def test_strong_session_protection_logs_a_remembered_user_out_on_the_second_page(make_app):
    """Step 6's chapter: the session a remember cookie starts holds no `_id`, so under
    "strong" the next request fails the check, and the login and the cookie are gone."""
    restarted = remembered_alice_after_a_restart(make_app(SESSION_PROTECTION="strong"))
    assert "Hello, alice!" in restarted.get("/").text
    assert "Hello, visitor!" in restarted.get("/").text
    assert restarted.get_cookie("remember_token") is None


@pytest.mark.since(6)
def test_basic_session_protection_keeps_a_remembered_user_logged_in(make_app):
    restarted = remembered_alice_after_a_restart(make_app(SESSION_PROTECTION="basic"))
    assert "Hello, alice!" in restarted.get("/").text
    assert "Hello, alice!" in restarted.get("/").text
