"""The request X-ray (`make run STEP=N XRAY=1`): each step, watched while it works.

On every HTML page a panel says how current_user was found, which loader
ran with what and what it answered, what @login_required decided, which
signals Flask-Login sent, and the session and cookies before and after.
/_xray lists the last requests, redirects included; a JSON answer gets the
same facts as one line in the terminal. The X-ray refuses to run outside
debug mode, and changes nothing else (`make test XRAY=1` runs the whole
suite with it on).

The tests below read the panels through a test client; the browser tests at
the end read them as a learner does, in Chromium, and take the chapters'
X-ray screenshots (`make screenshots`).
"""

import logging
import os
import re
import secrets
import shutil
import subprocess
import sys

import pytest
from flask import Flask
from flask.logging import default_handler
from flask.testing import FlaskClient

from kit import xray
from kit.doc_output import matches
from kit.forms import CSRF_FIELD, FormClient
from kit.steps import ROOT
from kit.xray_mode import PANEL
from kit.tests.xray_text import ALICE, history, panel


@pytest.fixture
def xrayed(make_app):
    """The step's app with the X-ray on, as `make run STEP=N XRAY=1` serves it."""
    return xray.install(make_app())


@pytest.fixture
def visitor(xrayed):
    """A visitor who sees the panels (`make test XRAY=1`'s test clients hide them)."""
    return FormClient(FlaskClient(xrayed, xrayed.response_class, use_cookies=True))


@pytest.mark.since(1)
def test_a_page_shows_how_current_user_was_found(visitor):
    visitor.login("alice", "wonderland")
    shown = panel(visitor.client.get("/"))
    assert re.search(rf"current_user {ALICE}", shown)
    assert "from the session's _user_id, through the user_loader" in shown
    call = re.search(rf"user_loader\(('[^']+')\) → {ALICE}", shown)
    assert call, shown
    # The loader was given the session's _user_id, which the request left as it was.
    assert f"_user_id {call.group(1)} {call.group(1)}" in shown
    assert "user_accessed" in shown


@pytest.mark.since(1)
def test_a_visitor_is_anonymous_without_a_user_loader_call(visitor):
    shown = panel(visitor.client.get("/"))
    assert "current_user anonymous: no _user_id in the session" in shown
    assert "user_loader(" not in shown
    assert "_user_id — —" in shown


@pytest.mark.since(1)
def test_the_history_shows_the_login_that_the_browser_only_saw_as_a_redirect(visitor):
    visitor.login("alice", "wonderland")
    login = history(visitor.client)[-1]
    assert login.startswith("POST /login → 302 to /")
    assert re.search(rf"current_user {ALICE}.*?: set by login_user\(\)", login)
    assert re.search(rf"user_logged_in: login_user\(\) logged {ALICE}", login)
    # The session gained the id, and went out as a new session cookie.
    assert re.search(r"_user_id — '[^']+'", login)
    assert re.search(r"set session .+? until the browser closes; HttpOnly", login)


@pytest.mark.since(1)
def test_the_history_shows_the_logout(visitor):
    visitor.login("alice", "wonderland")
    visitor.logout()
    logout = history(visitor.client)[-1]
    assert logout.startswith("POST /logout → 302")
    assert re.search(rf"anonymous: logout_user\(\) logged {ALICE}", logout)
    assert re.search(r"_user_id '[^']+' —", logout)


@pytest.mark.since(1)
def test_what_the_panel_shows_is_escaped_and_shortened(visitor):
    visitor.client.set_cookie("note", "<b>hi</b>")
    visitor.client.set_cookie("long", "x" * 200)
    page = visitor.client.get("/").text
    assert "&lt;b&gt;hi&lt;/b&gt;" in page
    assert "<b>hi</b>" not in page
    assert "x" * 20 not in page
    assert "xxxxxxxx… (200 characters)" in page


@pytest.mark.since(1)
def test_the_panel_is_added_before_the_end_of_the_page_and_nothing_else_changes(make_app, visitor):
    plain = make_app().test_client()
    for path in ("/login", "/static/style.css"):
        with plain.get(path) as without, visitor.client.get(path) as seen:
            assert seen.status_code == without.status_code
            # No header more or less: reading the session did not add "Vary: Cookie", say.
            assert sorted(seen.headers.keys()) == sorted(without.headers.keys())
    page = visitor.client.get("/login").text
    assert PANEL.search(page).end() == page.rindex("</body>")
    # The CSRF token is new in every session; the rest is the same page.
    assert CSRF_FIELD.sub("", PANEL.sub("", page)) == CSRF_FIELD.sub("", plain.get("/login").text)


@pytest.mark.since(2)
def test_the_loader_runs_once_for_a_page_and_not_for_a_stylesheet(visitor):
    visitor.login("alice", "wonderland")
    visitor.client.get("/")
    visitor.client.get("/static/style.css").close()
    page, stylesheet = history(visitor.client)[-2:]
    assert page.startswith("GET / → 200")
    assert page.count("user_loader(") == 1
    assert stylesheet.startswith("GET /static/style.css → 200")
    assert "current_user not looked up: nothing in this request read current_user" in stylesheet
    assert "Loader calls none" in stylesheet


@pytest.mark.since(2)
def test_a_switched_off_user_is_anonymous_because_the_loader_answers_none(visitor, users):
    visitor.login("bob", "bobthebuilder")
    users.deactivate("bob")
    shown = panel(visitor.client.get("/"))
    assert re.search(r"current_user anonymous: user_loader\('[^']+'\) answered None", shown), shown


@pytest.mark.since(3)
def test_login_required_sends_a_visitor_away_and_lets_a_user_in(visitor):
    visitor.client.get("/profile")
    refused = history(visitor.client)[-1]
    assert refused.startswith("GET /profile → 302 to /login?next=%2Fprofile")
    assert "@login_required: current_user is not authenticated → login_manager.unauthorized()" \
        in refused
    assert "user_unauthorized" in refused
    visitor.login("alice", "wonderland")
    shown = panel(visitor.client.get("/profile"))
    assert "@login_required: the user may see it → the view ran" in shown


@pytest.mark.since(6)
def test_a_remembered_login_comes_back_not_fresh(visitor, xrayed):
    visitor.login("alice", "wonderland", remember="on")
    login = history(visitor.client)[-1]
    assert re.search(r"set remember_token .+? expires .+? \(in 14 days\); HttpOnly", login), login
    restarted = FlaskClient(xrayed, xrayed.response_class)
    restarted.set_cookie("remember_token", visitor.client.get_cookie("remember_token").value)
    shown = panel(restarted.get("/profile"))
    assert "from the remember cookie, through the user_loader (not fresh)" in shown
    assert re.search(rf"user_loaded_from_cookie: the remember cookie logged {ALICE}", shown)
    assert "received remember_token" in shown
    assert "_fresh — False" in shown

    assert restarted.get("/settings").status_code == 302
    settings = history(restarted)[-1]
    assert "@fresh_login_required: the login is not fresh → login_manager.needs_refresh()" \
        in settings
    assert "user_needs_refresh" in settings

    visitor.logout()
    logout = history(visitor.client)[-1]
    assert "set remember_token deleted: the browser drops it now" in logout, logout


# What the session holds: the user's id (steps 4 to 6) or a login's token
# (from step 7), which the panel shortens.
STORED = r"'[^']+'|'[^']+… \(\d+ characters\)'"


@pytest.mark.since(4)
def test_the_loader_call_shows_its_query_and_the_row_it_returned(visitor):
    visitor.login("alice", "wonderland")
    shown = panel(visitor.client.get("/profile"))
    # Whichever it holds, the loader makes one query, which finds alice's row.
    query = rf"user_loader\((?:{STORED})\) → {ALICE} [^·]*? SQL: SELECT [^→]+ → 1 row\b"
    assert re.search(query, shown), shown


@pytest.mark.since(4)
def test_the_loader_query_of_a_deleted_user_shows_no_row_and_the_exception_caught(visitor, users):
    visitor.login("bob", "bobthebuilder")
    users.delete("bob")
    shown = panel(visitor.client.get("/"))
    query = rf"user_loader\((?:{STORED})\) → None \(caught \w+\.DoesNotExist\)[^·]*? SQL: SELECT [^→]+ → no row\b"
    assert re.search(query, shown), shown


@pytest.mark.since(1)
def test_only_this_computer_sees_the_xray(xrayed):
    """Another address gets the app's pages as they are, and no history: the X-ray shows
    sessions and cookies, whatever the debug setting lets through."""
    stranger = FormClient(FlaskClient(xrayed, xrayed.response_class, use_cookies=True))
    stranger.client.environ_base["REMOTE_ADDR"] = "192.0.2.8"
    stranger.login()
    assert PANEL.search(stranger.client.get("/").text) is None
    assert stranger.client.get("/_xray").status_code == 404
    local = FlaskClient(xrayed, xrayed.response_class, use_cookies=True)
    local.environ_base["REMOTE_ADDR"] = "::1"
    history_page = local.get("/_xray")
    assert history_page.status_code == 200
    assert "192.0.2.8" not in history_page.text and "alice" not in history_page.text


@pytest.mark.since(1)
def test_the_history_page_is_never_sniffed_framed_or_scripted(visitor):
    headers = visitor.client.get("/_xray").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


@pytest.mark.since(4)
@pytest.mark.until(4)
def test_the_chapter_quotes_the_panel_of_alices_profile(visitor):
    """Chapter 4 tells what the panel shows for alice's profile: the call, the SQL, its answer."""
    chapter = (ROOT / "step04_database" / "README.md").read_text(encoding="utf-8")
    quoted = chapter.split("the panel shows", 1)[1].split("![")[0]
    # What it quotes, but a bare name (get_by_id, SELECT): "..." stands for anything.
    pieces = [piece for piece in re.findall(r"`([^`]+)`", quoted) if not re.fullmatch(r"\w+", piece)]
    assert len(pieces) == 4, pieces  # the call, the SQL, its parameters and its answer
    visitor.login("alice", "wonderland")
    shown = panel(visitor.client.get("/profile"))
    for piece in pieces:
        pattern = r"\s+".join(re.escape(part).replace(r"\.\.\.", ".+?") for part in piece.split())
        assert re.search(pattern, shown), f"the chapter quotes {piece!r}; the panel shows:\n{shown}"


def terminal_lines(app, caplog, *requests):
    """What the X-ray prints in the terminal for the requests (path, headers), as printed."""
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        for path, headers in requests:
            FlaskClient(app, app.response_class).get(path, headers=headers).close()
    return [default_handler.format(record) for record in caplog.records
            if record.getMessage().startswith("X-ray:")]


@pytest.mark.since(5)
def test_a_token_call_is_one_line_in_the_terminal(xrayed, caplog):
    token = xrayed.test_cli_runner().invoke(args=["issue-token", "alice"]).output.splitlines()[-1]
    bearer = {"Authorization": f"Bearer {token}"}
    [line] = terminal_lines(xrayed, caplog, ("/api/me", bearer), ("/", bearer))
    found = rf" X-ray: GET /api/me → 200 · current_user {ALICE}: from the request_loader · "
    assert re.search(found, line)
    argument = f"the request (Authorization: Bearer {token[:6]}… ({len(token)} characters))"
    assert re.search(rf" · request_loader\({re.escape(argument)}\) → {ALICE} ", line)
    assert " · signals: user_accessed, user_loaded_from_request · " in line
    assert line.endswith(" · cookies set: none")


@pytest.mark.since(5)
@pytest.mark.until(5)
def test_the_chapter_shows_the_line_the_terminal_prints(xrayed, caplog):
    what_to_try = (ROOT / "step05_request_loader" / "EXERCISES.md").read_text(encoding="utf-8")
    shown = re.search(r"<!-- x-ray line -->\n```text\n(.*?)\n```", what_to_try, re.S)
    assert shown, "step05_request_loader/EXERCISES.md shows no X-ray line"
    token = xrayed.test_cli_runner().invoke(args=["issue-token", "alice"]).output.splitlines()[-1]
    [line] = terminal_lines(xrayed, caplog, ("/api/me", {"Authorization": f"Bearer {token}"}))
    assert matches(shown.group(1), line), f"printed:\n{line}\nthe chapter shows:\n{shown.group(1)}"


def test_the_xray_refuses_to_run_outside_debug_mode():
    with pytest.raises(RuntimeError, match="runs only in debug mode"):
        xray.install(Flask(__name__))


def test_a_workshop_folder_is_served_with_the_xray_in_debug_mode_only(tmp_path):
    """`make run STEP=workshop/stepNN_name XRAY=1`: a folder anywhere, as `flask --app` loads it."""
    folder = tmp_path / "workshop" / "step03_login_required"
    shutil.copytree(ROOT / "step03_login_required", folder,
                    ignore=shutil.ignore_patterns("__pycache__"))
    check = (
        f"from kit import xray; app = xray.create_app({str(folder)!r}); print(app.root_path);"
        " print(app.test_client().get('/login').text.count('<!-- X-ray:'))"
    )
    env = {"PATH": os.environ["PATH"], "FLASK_SECRET_KEY": secrets.token_hex()}

    def python(**settings):
        return subprocess.run([sys.executable, "-c", check], cwd=ROOT, env={**env, **settings},
                              capture_output=True, text=True, timeout=60)

    debug = python(FLASK_DEBUG="1")
    assert debug.returncode == 0, debug.stderr
    assert debug.stdout.split() == [str(folder), "1"]
    production = python()
    assert production.returncode == 1
    assert "runs only in debug mode" in production.stderr
