"""The browser that the tours and the browser tests drive: any Chromium-based one, through Playwright.

find_chromium() looks for one where it is usually installed: the CHROMIUM
environment variable first, then Debian's Chromium, the PATH, the usual
macOS and Windows places (Chrome, Chromium, and Edge, which is Chromium
too), and last the Chromium that `playwright install chromium` downloads.
Where there is none, the browser tests skip and say how to get one; on CI
they fail instead. conftest.py's browser fixtures (which override
pytest-playwright's) and `make tour` (kit/scenes/tour.py) call these.
"""

import os
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from kit.pytest_steps import not_installed

# Where Debian and Ubuntu's `apt-get install chromium` puts the browser itself
# (/usr/bin/chromium is a shell script that starts it).
DEBIAN_CHROMIUM = Path("/usr/lib/chromium/chromium")
# The names that Chromium and Chrome packages give the browser on the PATH.
NAMES_ON_PATH = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"]
MACOS_APPS = [
    "Google Chrome.app/Contents/MacOS/Google Chrome",
    "Chromium.app/Contents/MacOS/Chromium",
]
# Chrome is installed for every user (Program Files) or for one (LOCALAPPDATA).
# Edge comes with Windows, so it is tried after Chrome, which someone chose to install.
WINDOWS_FOLDERS = ["PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA"]
WINDOWS_BROWSERS = [
    Path("Google", "Chrome", "Application", "chrome.exe"),
    Path("Microsoft", "Edge", "Application", "msedge.exe"),
]
HOW_TO_GET_ONE = """\
No Chromium-based browser found. Any one of these gives you one:
  on Debian or Ubuntu:  apt-get install chromium
  on macOS or Windows:  install Google Chrome
  on any system:        .venv/bin/python -m playwright install chromium  (it downloads a browser)
or, for a browser installed elsewhere: CHROMIUM=/path/to/the/browser"""

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    # Keep Chromium off the network: it would try to reach its update and
    # sync servers at every start.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Small pages make small screenshots.
VIEWPORT = {"width": 800, "height": 450}


class NoChromium(Exception):
    """There is no browser to drive; the message says why, and how to get one."""


def find_chromium(platform=sys.platform):
    """The browser to drive: the one CHROMIUM names, else the first one found installed."""
    named = os.environ.get("CHROMIUM")
    if named:
        # The variable says which browser to use: another one would surprise.
        if not is_executable(Path(named)):
            raise NoChromium(f"CHROMIUM={named} is not an executable file: set CHROMIUM to the"
                             " path of a Chromium, Chrome or Edge, or unset it to have one found")
        return Path(named)
    found = first_executable(likely_places(platform)) or playwrights_chromium()
    if found is None:
        raise NoChromium(HOW_TO_GET_ONE)
    return found


def likely_places(platform):
    """Where a browser is usually installed on this platform, in the order they are tried."""
    places = []
    if platform.startswith("linux"):
        places.append(DEBIAN_CHROMIUM)
    for name in NAMES_ON_PATH:
        on_path = shutil.which(name)
        if on_path:
            places.append(Path(on_path))
    if platform == "darwin":
        # Applications are installed for every user, or in the user's own folder.
        for applications in [Path("/Applications"), Path.home() / "Applications"]:
            places += [applications / app for app in MACOS_APPS]
    if platform == "win32":
        folders = [Path(os.environ[name]) for name in WINDOWS_FOLDERS if os.environ.get(name)]
        places += [folder / browser for browser in WINDOWS_BROWSERS for folder in folders]
    return places


def first_executable(places):
    """The first of places that holds a program, or None."""
    return next((place for place in places if is_executable(place)), None)


def is_executable(path):
    return path.is_file() and os.access(path, os.X_OK)


def playwrights_chromium():
    """The Chromium that `playwright install chromium` downloaded, or None if it was not run."""
    path = where_playwright_puts_chromium()
    return path if is_executable(path) else None


def where_playwright_puts_chromium():
    """Where `playwright install chromium` puts its Chromium, whether it was run or not."""
    # Playwright's sync API refuses to start in a thread where it is already
    # running (the browser tests' fixtures may have started it), so it is
    # asked in a thread of its own. Asking starts no browser.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return Path(thread.submit(ask_playwright_where).result())


def ask_playwright_where():
    with sync_playwright() as playwright:
        return playwright.chromium.executable_path


def chromium_launch_args(launch_args):
    """pytest-playwright's launch arguments, for the browser found (or a skip that says how to get one)."""
    try:
        executable = find_chromium()
    except NoChromium as missing:
        not_installed(str(missing))
    return {**launch_args, "executable_path": str(executable), "args": CHROMIUM_FLAGS}


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
