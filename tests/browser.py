"""Debian's Chromium, driven by Playwright, for the browser tests.

Playwright's own browser download is not used. Where Chromium is missing,
the browser tests skip and say how to install it; on CI they fail instead.
conftest.py's browser fixtures (which override pytest-playwright's) call
these.
"""

import os
from pathlib import Path

import pytest

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
        reason = f"no Chromium at {CHROMIUM}; install it with: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return {**launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_FLAGS}


def emptied(page):
    """The one browser page the tests share, with no cookies and nothing loaded.

    A new page costs a new renderer process, which takes longer than most
    browser tests.
    """
    page.context.clear_cookies()
    page.goto("about:blank")
    return page
