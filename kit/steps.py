"""The tutorial's steps: the one list that the kit and the tests read.

A new step is an entry here, its folder, its chapter, and its tests in
tests/stepNN_name/ (the tests say which concept of the step they check).
Everything else finds the steps here: the test runs (each test on the step
that introduces its concept and every later one), the grader and its
budgets, the chapters' diagrams, the tours, the budgets of `make budgets`.
The Makefile finds a step by its folder's name alone.
"""

import importlib
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class StepInfo:
    name: str  # the folder, and the package: step03_login_required
    # The chapter's "What to try", as scenes a browser plays (kit/scenes/engine.py):
    # `make tour` plays it in Chromium, `make docs` draws the chapter's
    # diagrams from it, each from the scenes that name it.
    walk: Callable
    # What the tour shows, in a sentence.
    tour: str
    # The longest `make check STEP=N` may take on a quiet 2-core machine, in seconds.
    check_seconds: float = 5
    # Whether the step reads DATABASE_URL, and so runs on PostgreSQL too.
    postgresql: bool = False

    @property
    def number(self):
        return STEPS.index(self) + 1

    @property
    def path(self):
        return ROOT / self.name


# Each step's walk, then its entry.


def walk_minimal(walk):
    browser = walk.browser()
    walk.scene("Log in as alice: login_user() puts her id into the session", diagram="log-in")
    browser.open("/login")
    browser.log_in("alice")
    walk.scene("Log out: logout_user() takes it out again")
    browser.send_form("/logout")


def walk_user_loader(walk):
    browser = walk.browser()
    walk.scene("Log in as alice")
    browser.open("/login")
    browser.log_in("alice")
    walk.scene("Reload: one user_loader call for the page, none for the stylesheet",
               diagram="loader-on-a-later-request", static=True)
    browser.reload()
    walk.scene("Switch alice off behind the app's back, and reload: the loader answers None")
    walk.switch_off("alice")
    browser.reload()


def walk_login_required(walk):
    browser = walk.browser()
    walk.scene("As a visitor, open /profile: @login_required sends you to log in",
               diagram="next-round-trip")
    browser.open("/profile")
    walk.scene("Log in: the next parameter brings you back", diagram="next-round-trip")
    browser.log_in("alice")
    walk.scene("Log out, and open /profile again: it is closed")
    browser.send_form("/logout")
    browser.open("/profile")


def walk_database(walk):
    browser = walk.browser()
    walk.scene("Log in as alice: the user is a row of the database now")
    browser.open("/login")
    browser.log_in("alice")
    walk.scene("Open /profile: the user_loader is a query", diagram="loader-query")
    browser.open("/profile")
    walk.scene("A session that names user 999: the query finds no row, the loader catches"
               " DoesNotExist and answers None", diagram="missing-row")
    stranger = walk.browser("Another browser")
    stranger.plant_session({"_user_id": "999"})
    stranger.open("/")
    walk.scene("Switch alice off (flask deactivate-user alice), reload: the query finds her row,"
               " and the loader answers None for a switched-off user")
    walk.switch_off("alice")
    browser.reload()


def walk_request_loader(walk):
    walk.scene("A program calls /api/me with a token from `flask issue-token alice`",
               diagram="token-call")
    walk.call_api("/api/me", walk.issue_token("alice"))
    walk.scene("The same call with a made-up token: 401, in JSON", diagram="unknown-token")
    walk.call_api("/api/me", "x" * 43)


def walk_remember_me(walk):
    browser = walk.browser()
    walk.scene("Log in with Remember me ticked: a second cookie, for 14 days")
    browser.open("/login")
    browser.log_in("alice", remember=True)
    walk.scene("Restart the browser (only the remember cookie is left), open /profile",
               diagram="remember-cookie")
    browser.restart()
    browser.open("/profile")
    walk.scene("Open /settings: the remembered login is not fresh, so it asks for the password")
    browser.open("/settings")


def walk_ending_logins(walk):
    laptop, phone = walk.browser("Laptop"), walk.browser("Phone")
    walk.scene("The laptop logs in as alice, remembered")
    laptop.open("/login")
    laptop.log_in("alice", remember=True)
    walk.scene("The phone logs in as alice too, and logs out everywhere from its profile")
    phone.open("/login")
    phone.log_in("alice")
    phone.open("/profile")
    phone.send_form("/logout-everywhere")
    walk.scene("The laptop opens the home page: its login is over, though its cookies are the same",
               diagram="ended-from-another-browser")
    laptop.open("/")


def walk_production(walk):
    browser = walk.browser()
    walk.scene("Ten wrong passwords for alice: each counted, each the one generic message")
    browser.open("/login")
    for guess in range(10):
        browser.log_in("alice", f"guess-{guess}")
    walk.scene("The right password, an eleventh try: refused before any password is checked",
               diagram="throttled-login")
    browser.log_in("alice")
    walk.scene("bob logs in from the same browser: the count is alice's, not the address's")
    browser.open("/login")
    browser.log_in("bob")


STEPS = (
    StepInfo("step01_minimal", walk_minimal, "Logging in and out.", check_seconds=3),
    StepInfo("step02_user_loader", walk_user_loader,
             "The user_loader, called on every request that reads current_user.", check_seconds=3),
    StepInfo("step03_login_required", walk_login_required,
             "A protected page, and the next round trip.", check_seconds=3),
    StepInfo("step04_database", walk_database, "The user_loader as a database query."),
    StepInfo("step05_request_loader", walk_request_loader, "Token calls through the request_loader."),
    StepInfo("step06_remember_me", walk_remember_me,
             "A login the remember cookie brings back, not fresh."),
    StepInfo("step07_ending_logins", walk_ending_logins, "A login ended from another browser."),
    StepInfo("step08_production", walk_production, "Ten wrong guesses, then the right password.",
             postgresql=True),
)
STEP_NAMES = tuple(step.name for step in STEPS)


def step_number(value):
    """The number of the step named by value: "3" or "step03_login_required"."""
    if value.isdigit() and 1 <= int(value) <= len(STEPS):
        return int(value)
    if value in STEP_NAMES:
        return STEP_NAMES.index(value) + 1
    raise ValueError(f"no step {value!r}: give 1 to {len(STEPS)} or a folder name")


def step_folders():
    """The reference steps' folders, in order."""
    return [step.path for step in STEPS if (step.path / "__init__.py").is_file()]


def shown_path(path):
    """A path as a reader would type it: from the repository's root, when it is inside."""
    path = Path(path)
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def load_step(folder):
    """The step package in folder, imported under its folder's name.

    A reference step is imported as usual. Any other folder (a learner's,
    a changed copy) is imported by path, in place of the reference step of
    the same name, and of every module of it that was imported already:
    `from . import auth` must find the folder's own auth.
    """
    folder = Path(folder).resolve()
    loaded = sys.modules.get(folder.name)
    if loaded is not None and Path(loaded.__file__).parent == folder:
        return loaded
    for name in [name for name in sys.modules if name.split(".")[0] == folder.name]:
        del sys.modules[name]
    if folder.parent == ROOT:
        return importlib.import_module(folder.name)
    spec = importlib.util.spec_from_file_location(
        folder.name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[folder.name] = module
    spec.loader.exec_module(module)
    return module
