"""What the kit's own tests share: Chromium, and what a document shows.

Every test here checks the project (its chapters, its grader, its tours,
its X-ray, its pages in a browser), not a step's behaviour: marked
`maintainer`, it runs in the full suite only and is never graded.
"""

import os

import pytest

from kit.doc_output import matches


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(os.path.dirname(__file__)):
            item.add_marker(pytest.mark.maintainer)


@pytest.fixture
def shows():
    """Compare printed output with what a document shows; "..." there stands for anything."""
    return matches


# The browser tests drive Chromium (kit/chromium.py). It is imported where a
# browser is asked for: a run without one (the grader's) need not load Playwright.
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    from kit.chromium import chromium_launch_args

    return chromium_launch_args(browser_type_launch_args)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    from kit.chromium import VIEWPORT

    return {**browser_context_args, "viewport": VIEWPORT}


@pytest.fixture(scope="session")
def shared_page(browser, browser_context_args):
    context = browser.new_context(**browser_context_args)
    yield context.new_page()
    context.close()


@pytest.fixture
def page(shared_page):
    """The browser page, emptied for each test: no cookies, nothing loaded."""
    from kit.chromium import emptied

    return emptied(shared_page)


@pytest.fixture
def screenshot(page, step, request):
    """Save a page (or a part of it) for the chapter of the step that introduces the test's concept.

    Only with SCREENSHOTS=1 (`make screenshots`).
    """
    since = request.node.get_closest_marker("since").args[0]

    def save(name, shown=page):
        if os.environ.get("SCREENSHOTS") == "1" and step.number == since:
            shown.screenshot(path=step.path / "screenshots" / f"{name}.png", animations="disabled")

    return save
