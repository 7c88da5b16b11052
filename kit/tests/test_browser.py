"""Every step, used as a person would: in Chromium, through the pages and their buttons.

`make screenshots` runs these tests (and test_xray.py's) with SCREENSHOTS=1:
each test then saves what the page shows into the screenshots/ folder of the
step that introduces its concept, for that step's chapter.
"""

import pytest
from playwright.sync_api import expect

from kit.chromium import VIEWPORT, heading, log_in, log_in_from_the_login_page


@pytest.fixture
def base(served_app):
    """The served app's address, such as http://127.0.0.1:41234."""
    return served_app[1]


@pytest.mark.since(1)
def test_a_visitor_logs_in_and_out_with_the_forms(page, base, screenshot):
    page.goto(base + "/")
    expect(heading(page)).to_have_text("Hello, visitor!")
    page.get_by_role("link", name="Log in").first.click()
    expect(page).to_have_url(base + "/login")
    screenshot("login-form")

    log_in(page, "alice", "wonderland")
    expect(heading(page)).to_have_text("Hello, alice!")
    expect(page.get_by_text("Welcome, alice!")).to_be_visible()
    expect(page.get_by_text("Logged in as alice")).to_be_visible()
    screenshot("logged-in")

    page.get_by_role("button", name="Log out").click()
    expect(heading(page)).to_have_text("Hello, visitor!")
    expect(page.get_by_text("You have been logged out.")).to_be_visible()


@pytest.mark.since(1)
@pytest.mark.parametrize(
    "username, password",
    [("carol", "looking-glass"), ("alice", "not her password"), ("mallory", "wonderland")],
    ids=["switched-off account", "wrong password", "unknown user"],
)
def test_a_failed_login_shows_the_one_generic_message(page, base, screenshot, username, password):
    page.goto(base + "/login")
    log_in(page, username, password)
    expect(page.get_by_text("Invalid username or password.")).to_be_visible()
    expect(page.get_by_label("Username")).to_be_visible()
    if username == "carol":
        screenshot("login-failed")


@pytest.mark.since(3)
def test_a_protected_page_leads_to_the_login_page_and_back(page, base, screenshot):
    page.goto(base + "/profile")
    expect(page).to_have_url(base + "/login?next=%2Fprofile")
    expect(page.get_by_text("Please log in to see this page.")).to_be_visible()
    screenshot("login-required")
    log_in(page, "alice", "wonderland")
    expect(page).to_have_url(base + "/profile")
    expect(heading(page)).to_have_text("alice's profile")


@pytest.mark.since(6)
def test_remember_me_survives_a_browser_restart_but_settings_ask_again(
    page, base, browser, screenshot
):
    log_in_from_the_login_page(page, base, "alice", "wonderland", remember=True)

    # A restarted browser keeps the persistent cookies only, not the session cookie.
    persistent = [cookie for cookie in page.context.cookies() if cookie["expires"] > 0]
    assert [cookie["name"] for cookie in persistent] == ["remember_token"]
    restarted = browser.new_context(viewport=VIEWPORT)
    restarted.add_cookies(persistent)
    again = restarted.new_page()

    again.goto(base + "/profile")
    expect(heading(again)).to_have_text("alice's profile")
    expect(again.get_by_text("Your login is not fresh")).to_be_visible()
    screenshot("remembered", again)

    again.get_by_role("link", name="Settings").first.click()
    expect(again).to_have_url(base + "/reauthenticate?next=%2Fsettings")
    expect(again.get_by_text("Please enter your password again to continue.")).to_be_visible()
    screenshot("reauthenticate", again)
    again.get_by_label("Password").fill("wonderland")
    again.get_by_role("button", name="Continue").click()
    expect(again).to_have_url(base + "/settings")
    expect(heading(again)).to_have_text("Settings")
    restarted.close()


@pytest.mark.since(4)
def test_a_user_added_with_add_user_logs_in(page, base, app, screenshot):
    result = app.test_cli_runner().invoke(args=["add-user", "dora", "--password", "explorer-map"])
    assert result.exit_code == 0
    log_in_from_the_login_page(page, base, "dora", "explorer-map")
    screenshot("added-user")


@pytest.mark.since(7)
def test_the_profile_lists_the_logins_and_ends_them(page, base, browser, screenshot):
    phone = browser.new_context(viewport=VIEWPORT, user_agent="Phone browser/1.0 (a phone)")
    on_the_phone = phone.new_page()
    log_in_from_the_login_page(on_the_phone, base, "alice", "wonderland")

    log_in_from_the_login_page(page, base, "alice", "wonderland", remember=True)
    page.get_by_role("link", name="Profile").click()
    logins = page.locator("table.logins tr")
    expect(logins).to_have_count(3)  # a header and two logins
    expect(logins.filter(has_text="this one")).to_have_count(1)
    phone_row = logins.filter(has_text="Phone browser/1.0")
    expect(phone_row).to_have_count(1)
    screenshot("logins")

    phone_row.get_by_role("button", name="End this login").click()
    expect(page.get_by_text("That login has ended.")).to_be_visible()
    expect(logins).to_have_count(2)
    on_the_phone.reload()
    expect(heading(on_the_phone)).to_have_text("Hello, visitor!")

    page.get_by_role("button", name="Log out everywhere").click()
    expect(page.get_by_text("You have been logged out everywhere.")).to_be_visible()
    expect(heading(page)).to_have_text("Hello, visitor!")
    phone.close()


@pytest.mark.since(5)
def test_an_api_token_works_while_the_browser_session_stays_separate(
    page, base, app, playwright, screenshot
):
    log_in_from_the_login_page(page, base, "bob", "bobthebuilder")
    result = app.test_cli_runner().invoke(args=["issue-token", "alice", "--name", "laptop"])
    token = result.output.splitlines()[-1]

    program = playwright.request.new_context(
        base_url=base, extra_http_headers={"Authorization": f"Bearer {token}"}
    )
    response = program.get("/api/me")
    assert response.status == 200
    assert response.json()["username"] == "alice"
    assert "set-cookie" not in response.headers
    program.dispose()

    # The browser is still bob's, on the pages and on the API.
    page.reload()
    expect(heading(page)).to_have_text("Hello, bob!")
    page.goto(base + "/api/me")
    expect(page.locator("body")).to_contain_text('"authenticated_by": "session"')
    expect(page.locator("body")).to_contain_text('"username": "bob"')
    screenshot("api-in-the-browser")


@pytest.mark.since(8)
def test_ten_wrong_passwords_lead_to_the_too_many_attempts_page(page, base, screenshot):
    page.goto(base + "/login")
    for _ in range(10):
        log_in(page, "alice", "not her password")
        expect(page.get_by_text("Invalid username or password.")).to_be_visible()
    log_in(page, "alice", "wonderland")
    expect(heading(page)).to_have_text("Too many attempts")
    expect(page.get_by_text("Try again in 15 minutes.")).to_be_visible()
    screenshot("too-many-attempts")
