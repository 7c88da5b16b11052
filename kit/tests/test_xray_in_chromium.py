"""The request X-ray in Chromium, as a learner sees it: its panel, and its history page.

These tests also take the chapters' X-ray screenshots (`make screenshots`).
"""

import re

import pytest
from playwright.sync_api import expect

from kit import xray
from kit.chromium import VIEWPORT, heading, log_in, log_in_from_the_login_page
from kit.tests.xray_text import ALICE


@pytest.fixture
def xray_base(served_app):
    """The step served as `make run STEP=N XRAY=1` serves it; gives its base URL."""
    app, base = served_app
    xray.install(app)  # the server calls app.wsgi_app anew for each request
    return base


@pytest.fixture
def tall_page(page):
    """The browser page, tall enough for an open panel."""
    page.set_viewport_size({"width": 900, "height": 1000})
    yield page
    page.set_viewport_size(VIEWPORT)


def open_panel(page):
    """Open the X-ray's panel on the page (it stays open from page to page), and give it."""
    shown = page.locator("#xray")
    if shown.get_attribute("open") is None:
        shown.locator("summary").click()
    expect(shown).to_have_attribute("open", "")
    return shown


def requests_in_history(page, base):
    """The history page's entries (open them with a click on their summary)."""
    page.goto(base + "/_xray")
    return page.locator(".xray-request")


@pytest.mark.since(1)
def test_after_a_login_the_panel_shows_who_is_logged_in_and_how(tall_page, xray_base, screenshot):
    page = tall_page
    log_in_from_the_login_page(page, xray_base, "alice", "wonderland")
    # Out of the way until asked: one line, in a corner.
    expect(page.locator("#xray")).not_to_have_attribute("open", "")
    expect(page.locator("#xray summary")).to_contain_text(re.compile(rf"current_user {ALICE}"))
    shown = open_panel(page)
    expect(shown).to_contain_text("from the session's _user_id, through the user_loader")
    expect(shown).to_contain_text(re.compile(rf"user_loader\('[^']+'\) → {ALICE}"))
    expect(shown.locator("tr", has_text="_user_id").first).to_contain_text("'")
    screenshot("xray-logged-in", shown)
    # Opened, it stays open on the next page.
    page.get_by_role("link", name="Home").click()
    expect(page.locator("#xray")).to_have_attribute("open", "")

    login = requests_in_history(page, xray_base).filter(has_text="POST /login")
    expect(login).to_contain_text("→ 302 to /")
    expect(login).to_contain_text("set by login_user()")


@pytest.mark.since(2)
def test_the_history_shows_the_loader_once_per_page_and_not_for_the_stylesheet(
    tall_page, xray_base, screenshot
):
    page = tall_page
    log_in_from_the_login_page(page, xray_base, "alice", "wonderland")
    requests = requests_in_history(page, xray_base)
    home = requests.filter(has_text="GET / →").last
    expect(home).to_contain_text("from the session's _user_id, through the user_loader")
    home.locator("summary").click()
    expect(home.locator("li", has_text="user_loader(")).to_have_count(1)
    stylesheet = requests.filter(has_text="GET /static/style.css").first
    expect(stylesheet).to_contain_text("current_user not looked up")
    screenshot("xray-history", page.locator("#xray"))


@pytest.mark.since(2)
def test_a_switched_off_user_is_a_visitor_because_the_loader_answers_none(
    tall_page, xray_base, users, screenshot
):
    page = tall_page
    log_in_from_the_login_page(page, xray_base, "bob", "bobthebuilder")
    users.deactivate("bob")
    page.reload()
    expect(heading(page)).to_have_text("Hello, visitor!")
    shown = open_panel(page)
    expect(shown).to_contain_text(
        re.compile(r"current_user anonymous: user_loader\('[^']+'\) answered None")
    )
    screenshot("switched-off", shown)


@pytest.mark.since(3)
def test_the_history_follows_the_login_required_round_trip(tall_page, xray_base, screenshot):
    page = tall_page
    page.goto(xray_base + "/profile")
    log_in(page, "alice", "wonderland")
    expect(page).to_have_url(xray_base + "/profile")
    requests = requests_in_history(page, xray_base)
    summaries = [
        re.sub(r"^\d+\. ", "", summary)
        for summary in requests.locator("summary").all_inner_texts()
        if "/static/" not in summary and "/favicon.ico" not in summary
    ]
    assert [summary.split(" · ")[0] for summary in summaries] == [
        "GET /profile → 302 to /login?next=%2Fprofile",
        "GET /login?next=%2Fprofile → 200",
        "POST /login?next=%2Fprofile → 302 to /profile",
        "GET /profile → 200",
    ]
    refused = requests.first
    refused.locator("summary").click()
    expect(refused).to_contain_text("@login_required: current_user is not authenticated")
    expect(refused).to_contain_text("user_unauthorized")
    expect(requests.filter(has_text="GET /profile → 200")).to_contain_text(
        "@login_required: the user may see it"
    )
    screenshot("xray-round-trip", page.locator("#xray"))


@pytest.mark.since(6)
def test_the_panel_shows_a_remembered_login_come_back_not_fresh(tall_page, xray_base, screenshot):
    page = tall_page
    log_in_from_the_login_page(page, xray_base, "alice", "wonderland", remember=True)
    # A restarted browser keeps the persistent cookies only, not the session cookie.
    persistent = [cookie for cookie in page.context.cookies() if cookie["expires"] > 0]
    page.context.clear_cookies()
    page.context.add_cookies(persistent)
    page.goto(xray_base + "/profile")
    shown = open_panel(page)
    expect(shown).to_contain_text("from the remember cookie, through the user_loader (not fresh)")
    expect(shown).to_contain_text("user_loaded_from_cookie")
    expect(shown.locator("tr", has_text="_fresh")).to_contain_text("— False")
    screenshot("xray-remembered", shown)


@pytest.mark.since(4)
def test_the_panel_shows_the_query_behind_the_session(tall_page, xray_base, screenshot):
    page = tall_page
    log_in_from_the_login_page(page, xray_base, "alice", "wonderland")
    page.get_by_role("link", name="Profile").click()
    shown = open_panel(page)
    call = shown.locator("li", has_text="user_loader(")
    expect(call).to_contain_text(re.compile(rf"user_loader\('[^']*'\) → {ALICE}"))
    expect(call).to_contain_text(re.compile(r"SQL: SELECT .+ → 1 row"))
    screenshot("xray-user-query", shown)


@pytest.mark.since(5)
def test_a_token_call_shows_the_request_loader_and_no_cookie(
    tall_page, xray_base, app, playwright, screenshot
):
    page = tall_page
    result = app.test_cli_runner().invoke(args=["issue-token", "alice", "--name", "laptop"])
    token = result.output.splitlines()[-1]
    program = playwright.request.new_context(
        base_url=xray_base, extra_http_headers={"Authorization": f"Bearer {token}"}
    )
    assert program.get("/api/me").status == 200
    program.dispose()

    call = requests_in_history(page, xray_base).filter(has_text="GET /api/me")
    expect(call).to_contain_text(re.compile(rf"current_user {ALICE}: from the request_loader"))
    call.locator("summary").click()
    expect(call).to_contain_text("request_loader(the request (Authorization: Bearer")
    expect(call).to_contain_text("user_loaded_from_request")
    expect(call).to_contain_text("none received, none set")
    screenshot("xray-token-call", call)
