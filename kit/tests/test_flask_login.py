"""What the chapters say of Flask-Login 0.6.3 itself, pinned on the reference steps.

A chapter that states how the library behaves is held to it here: when an
upgrade changes the behaviour, the test that fails names the sentence to
change. These are facts about the library, not requirements of a learner's
folder, so they live among the kit's tests and are never graded.
"""

import re

import pytest

from kit.databases import run_command
from kit.forms import FormClient
from kit.steps import ROOT


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


@pytest.mark.since(6)
@pytest.mark.until(6)
def test_a_thief_who_sends_the_victims_user_agent_and_address_passes_session_protection(make_app):
    """Steps 3 and 6: Flask-Login 0.6.3 builds the session identifier from the first
    X-Forwarded-For, a header the client writes. A copied session cookie, sent from another
    address with the victim's User-Agent and the victim's address in that header, keeps even
    its freshness. (Flask-Login 0.7 uses the address the request came from.)"""
    app = make_app()
    victim = FormClient(app.test_client())
    victim.client.environ_base.update(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Victim/1.0")
    victim.login()
    thief = app.test_client()
    thief.environ_base.update(REMOTE_ADDR="203.0.113.66", HTTP_USER_AGENT="Victim/1.0")
    thief.set_cookie("session", victim.client.get_cookie("session").value)
    profile = thief.get("/profile", headers={"X-Forwarded-For": "198.51.100.7"})
    assert "Your login is <strong>fresh</strong>" in profile.text


@pytest.mark.since(2)
def test_an_id_the_loader_refuses_stays_in_the_session(make_app):
    """Step 2: when the loader answers None, Flask-Login 0.6.3 leaves the stale `_user_id` in
    the session, and asks the loader again on the next request."""
    client = make_app().test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "424242"
    for _ in range(2):
        assert "Hello, visitor!" in client.get("/").text
        with client.session_transaction() as session:
            assert session.get("_user_id") == "424242"


@pytest.mark.since(6)
def test_a_remember_cookie_comes_before_the_request_loader(make_app):
    """The API map: the request loader is asked only when the session and the remember cookie
    gave no user. A restarted browser's remember cookie and bob's token: the call is alice's."""
    app = make_app()
    token = run_command(app, "issue-token", "bob", "--name", "laptop").split()[-1]
    restarted = remembered_alice_after_a_restart(app)
    answer = restarted.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.json["username"] == "alice"


@pytest.mark.since(5)
@pytest.mark.until(7)
def test_with_refresh_each_request_flask_login_writes_the_session_of_a_token_call(make_app):
    """Step 8's "No session cookie": with REMEMBER_COOKIE_REFRESH_EACH_REQUEST, Flask-Login
    0.6.3 puts `_remember` in every session and takes it out again, a change Flask answers
    with a Set-Cookie, a token call's too. Steps 5 to 7 have no guard against it. (Flask-Login
    0.7 refreshes only a remember cookie the request brought, and writes nothing here.)"""
    app = make_app(REMEMBER_COOKIE_REFRESH_EACH_REQUEST=True)
    token = run_command(app, "issue-token", "alice", "--name", "laptop").split()[-1]
    response = app.test_client().get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers.get("Set-Cookie", "").startswith("session=")


def test_the_flask_login_version_the_documents_name_is_the_pinned_one():
    """A chapter that says "Flask-Login 0.6.3" says what the steps run: the version pinned in
    requirements.txt. After an upgrade, this test lists every place to read again."""
    pinned = re.search(r"^Flask-Login==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M)[1]
    places = [*ROOT.glob("*.md"), *ROOT.glob("docs/*.md"), *ROOT.glob("step0*/*.md"),
              *ROOT.glob("step0*/*.py"), *ROOT.glob("tests/**/*.py"), *ROOT.glob("kit/**/*.py")]
    named = {f"{path.relative_to(ROOT)}: Flask-Login {version}"
             for path in places
             # "since Flask-Login 0.6.0" dates a change; it names no version the steps run.
             for version in re.findall(r"(?<![Ss]ince )Flask-Login (\d+\.\d+\.\d+)",
                                       path.read_text(encoding="utf-8"))
             if version != pinned}
    assert named == set(), f"these name another version than the pinned {pinned}"
