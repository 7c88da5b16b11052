"""Debian's Chromium, driven by Playwright, for the browser tests.

Playwright's own browser download is not used. Where Chromium is missing,
the browser tests skip and say how to install it; on CI they fail instead.
conftest.py's browser fixtures (which override pytest-playwright's) call
these.
"""

from pathlib import Path

from playwright.sync_api import expect

from kit.pytest_steps import not_installed

CHROMIUM = Path("/usr/lib/chromium/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    # Keep Chromium off the network: it would try to reach its update and
    # sync servers at every start.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Small pages make small screenshots.
VIEWPORT = {"width": 800, "height": 450}


def chromium_launch_args(launch_args):
    """pytest-playwright's launch arguments, for Debian's Chromium (or a skip that says why)."""
    if not CHROMIUM.exists():
        not_installed(f"no Chromium at {CHROMIUM}; install it with: apt-get install chromium")
    return {**launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_FLAGS}


def emptied(page):
    """The one browser page the tests share, with no cookies and nothing loaded.

    A new page costs a new renderer process, which takes longer than most
    browser tests.
    """
    page.context.clear_cookies()
    page.goto("about:blank")
    return page


def log_in(page, username, password, remember=False):
    """Fill in the login form on the page and send it."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    if remember:
        page.get_by_label("Remember me").check()
    page.get_by_role("button", name="Log in").click()


def heading(page):
    return page.get_by_role("heading", level=1)


def log_in_from_the_login_page(page, base, username, password, remember=False):
    """Open the login page, log in, and land on the home page that greets the user."""
    page.goto(base + "/login")
    log_in(page, username, password, remember)
    expect(heading(page)).to_have_text(f"Hello, {username}!")
