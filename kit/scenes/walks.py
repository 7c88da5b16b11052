"""The walks `make tour` plays (kit/scenes/tour.py): each step's "What to try", in a few clicks.

A walk is a function of a Walker, which drives Chromium (Playwright) against
the served app, runs the step's `flask` commands, and notes where each scene
of the walk begins; kit/scenes/tour.py then takes each scene's requests from the
X-ray's history. A walk reaches the step only as the tests do: the routes,
the login form's labels, the documented commands, the demo accounts.
"""

import contextlib
import os
import secrets
import sys
from dataclasses import dataclass, field

from kit.accounts import DEMO_PASSWORDS, MemoryUsers

# A page of a step answers in milliseconds: a walk that waits longer is broken.
TIMEOUT_MS = 15_000


@dataclass
class Scene:
    title: str
    first: int  # the index of its first request in the app's history
    records: list = field(default_factory=list)


@contextlib.contextmanager
def debug_mode():
    """FLASK_DEBUG=1 while the app is made, as `flask run --debug` sets it."""
    before = os.environ.get("FLASK_DEBUG")
    os.environ["FLASK_DEBUG"] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ["FLASK_DEBUG"]
        else:
            os.environ["FLASK_DEBUG"] = before


def command(app, *arguments):
    """Run one of the step's `flask` commands; its output.

    In debug mode: the CLI runner sets app.debug from FLASK_DEBUG, as `flask` does.
    """
    with debug_mode():
        result = app.test_cli_runner().invoke(args=list(arguments))
    if result.exit_code != 0:
        raise RuntimeError(f"flask {' '.join(arguments)} failed:\n{result.output}")
    return result.output


class Walker:
    """Plays a walk against the served app, and notes where each scene begins."""

    def __init__(self, app, base, browser, playwright):
        self.app, self.base, self.browser, self.playwright = app, base, browser, playwright
        self.scenes = []
        self.contexts = []
        self.secrets = {app.config["SECRET_KEY"], *DEMO_PASSWORDS.values()}

    @property
    def history(self):
        return self.app.wsgi_app.history

    def scene(self, title):
        self.scenes.append(Scene(title, len(self.history)))

    def new_browser(self, name="Tour browser"):
        """A browser of its own (its own cookies); its User-Agent names it."""
        context = self.browser.new_context(user_agent=name)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        return context.new_page()

    def open(self, page, path):
        page.goto(self.base + path, wait_until="load")

    def click(self, page, button):
        """Click a button, and wait for the page it leads to."""
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("button", name=button).click()

    def send_form(self, page, route):
        """Send the page's form that posts to route (found by where it goes, not by its label)."""
        with page.expect_navigation(wait_until="load"):
            page.locator(f'form[action$="{route}"]').get_by_role("button").click()

    def log_in(self, page, username, password=None, remember=False):
        """Fill in the login form on the page and send it."""
        password = password or DEMO_PASSWORDS[username]
        self.secrets.add(password)
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        if remember:
            page.get_by_label("Remember me").check()
        self.click(page, "Log in")

    def restart(self, page):
        """Quit and reopen the browser: only the cookies with an expiry date are kept."""
        kept = [cookie for cookie in page.context.cookies() if cookie["expires"] > 0]
        self.note_cookies()
        page.context.clear_cookies()
        page.context.add_cookies(kept)

    def switch_off(self, name):
        """Switch a user off, as an administrator would (the CLI, or the dictionary in memory)."""
        if "deactivate-user" in self.app.cli.commands:
            command(self.app, "deactivate-user", name)
        else:
            users = MemoryUsers(sys.modules[self.app.import_name])
            users.store[users.id_of(name)].active = False

    def api_call(self, path, token):
        """What a program does: one request with the token, no cookies."""
        program = self.playwright.request.new_context(
            base_url=self.base, extra_http_headers={"Authorization": f"Bearer {token}"}
        )
        try:
            return program.get(path).status
        finally:
            program.dispose()

    def issue_token(self, username):
        token = command(self.app, "issue-token", username).splitlines()[-1]
        self.secrets.add(token)
        return token

    def note_cookies(self):
        for context in self.contexts:
            self.secrets.update(cookie["value"] for cookie in context.cookies())

    def finish(self, keep_static):
        """Each scene's requests (stylesheets only if asked)."""
        self.note_cookies()
        for context in self.contexts:
            context.close()
        records = list(self.history)
        ends = [scene.first for scene in self.scenes[1:]] + [len(records)]
        for scene, end in zip(self.scenes, ends):
            scene.records = [
                record for record in records[scene.first:end]
                if record.path != "/favicon.ico"  # Chromium asks on its own; no walk does
                and (keep_static or not record.path.startswith("/static/"))
            ]
        return self.scenes


# The walks: each step's "What to try", in a few clicks.


def walk_step1(walker):
    page = walker.new_browser()
    walker.scene("Log in as alice: login_user() puts her id into the session")
    walker.open(page, "/login")
    walker.log_in(page, "alice")
    walker.scene("Log out: logout_user() takes it out again")
    walker.click(page, "Log out")


def walk_step2(walker):
    page = walker.new_browser()
    walker.scene("Log in as bob")
    walker.open(page, "/login")
    walker.log_in(page, "bob")
    walker.scene("Reload: one user_loader call per page, none for the stylesheet")
    page.reload(wait_until="load")
    walker.scene("Switch bob off behind the app's back, and reload: the loader answers None")
    walker.switch_off("bob")
    page.reload(wait_until="load")


def walk_step3(walker):
    page = walker.new_browser()
    walker.scene("As a visitor, open /profile: @login_required sends you to log in")
    walker.open(page, "/profile")
    walker.scene("Log in with Remember me ticked: the next parameter brings you back")
    walker.log_in(page, "alice", remember=True)
    walker.scene("Restart the browser (only the remember cookie is left), open /profile")
    walker.restart(page)
    walker.open(page, "/profile")
    walker.scene("Open /settings: the remembered login is not fresh")
    walker.open(page, "/settings")


def walk_step4(walker):
    page = walker.new_browser()
    walker.scene("Log in as alice: the user is a row of the database now")
    walker.open(page, "/login")
    walker.log_in(page, "alice")
    walker.scene("Open /profile: the user_loader is a query")
    walker.open(page, "/profile")
    walker.scene("Switch alice off (flask deactivate-user alice), reload: the query finds no user")
    walker.switch_off("alice")
    page.reload(wait_until="load")


def walk_step5(walker):
    walker.scene("A program calls /api/me with a token from `flask issue-token alice`")
    walker.api_call("/api/me", walker.issue_token("alice"))
    walker.scene("The same call with a made-up token: 401, in JSON")
    walker.api_call("/api/me", secrets.token_urlsafe(32))


def walk_step6(walker):
    first = walker.new_browser("Tour browser A")
    second = walker.new_browser("Tour browser B")
    walker.scene("Browser A logs in as alice")
    walker.open(first, "/login")
    walker.log_in(first, "alice")
    walker.scene("Browser B logs in as alice too, and logs out everywhere from its profile")
    walker.open(second, "/login")
    walker.log_in(second, "alice")
    walker.open(second, "/profile")
    walker.send_form(second, "/logout-everywhere")
    walker.scene("Browser A opens /profile: its login is over, though its cookie is the same")
    walker.open(first, "/profile")


def walk_step7(walker):
    page = walker.new_browser()
    walker.scene("A wrong password: counted, then refused with the one generic message")
    walker.open(page, "/login")
    walker.log_in(page, "alice", password="not-her-password")
    walker.scene("The right password")
    walker.log_in(page, "alice")


WALKS = {1: walk_step1, 2: walk_step2, 3: walk_step3, 4: walk_step4, 5: walk_step5,
         6: walk_step6, 7: walk_step7}
INTRODUCTIONS = {
    1: "Logging in and out.",
    2: "The user_loader, called on every request that reads current_user.",
    3: "A protected page, the next round trip, and remember me.",
    4: "The user_loader as a database query.",
    5: "Token calls through the request_loader.",
    6: "A login ended from another browser.",
    7: "A refused guess, then a login.",
}
# Step 2's lesson includes the stylesheet that never loads the user.
KEEPS_STATIC = {2}
