"""One engine for the chapters' diagrams and the tours: a step's walk, played and recorded.

A walk is a step's "What to try" as a few scenes, each a title and what a
reader does (kit/steps.py keeps one per step, beside the step's entry). The
engine makes the step's app as `make run STEP=N XRAY=1` makes it (debug on,
the X-ray installed), but with a throwaway SECRET_KEY, failed logins
counted in memory and, for a step with a database, a fresh database in a
temporary folder: no file of the repository's instance/ is read or written.
It plays the walk, and takes each scene's requests from the X-ray's history.

It plays the walk in one of two browsers, which do the same things:

- ClientBrowser, Flask's test client acting as a browser: it follows
  redirects, fetches the page's stylesheets, and sends the page's forms
  with what they carry. In milliseconds, the same every time: `make docs`
  draws the chapters' diagrams from it (diagrams.py).
- PageBrowser, Chromium through Playwright, against the app served on
  127.0.0.1: `make tour` (tour.py) shows what a real browser did.

A walk reaches the step only as the tests do: the routes, the forms'
fields and labels, the documented commands, the demo accounts.
"""

import contextlib
import os
import sys
import tempfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from kit import xray
from kit.accounts import DEMO_PASSWORDS, MemoryUsers
from kit.chromium import log_in
from kit.databases import run_command
from kit.forms import FormClient
from kit.pages import parse
from kit.serving import FLASK_RUN_DEBUG, serve_in_a_thread
from kit.steps import STEP_NAMES, STEPS, load_step

# Hashing the demo passwords at full strength only makes the walk slower.
PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"
# A page of a step answers in milliseconds: a walk that waits longer is broken.
TIMEOUT_MS = 15_000


@dataclass
class Scene:
    title: str
    diagram: str | None  # the chapter's diagram the scene's requests are part of, if any
    static: bool  # whether the stylesheets are part of the lesson (else they are left out)
    first: int  # the index of its first request in the app's history
    records: list = field(default_factory=list)


@contextlib.contextmanager
def debug_mode():
    """The environment `flask run --debug` gives the app while it is made (FLASK_RUN_DEBUG)."""
    before = {name: os.environ.get(name) for name in FLASK_RUN_DEBUG}
    os.environ.update(FLASK_RUN_DEBUG)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def command(app, *arguments):
    """Run one of the step's `flask` commands as `flask --debug` would; what it printed.

    In debug mode: the CLI runner sets app.debug from FLASK_DEBUG, as `flask` does.
    """
    with debug_mode():
        return run_command(app, *arguments)


def make_app(module, folder):
    """The step's app with the X-ray on, its database (if any) new in folder."""
    config = {
        "SECRET_KEY": os.urandom(32).hex(),
        "PASSWORD_HASH_METHOD": PASSWORD_HASH_METHOD,
        "DATABASE": {"name": str(Path(folder) / "walk.db"), "engine": "peewee.SqliteDatabase"},
        # The production step counts failed logins: in this process, not in
        # a shared Redis (RATELIMIT_STORAGE_URI) where others' guesses count too.
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    with debug_mode():
        app = module.create_app(config)
    if "init-db" in app.cli.commands:
        command(app, "init-db")
    xray.install(app)
    # Keep every request of the walk, not only the last ones.
    app.wsgi_app.history = deque()
    return app


class Walk:
    """What a walk is given: the app, browsers, the step's commands, and scenes to begin."""

    def __init__(self, app, driver):
        self.app, self.driver = app, driver
        self.scenes = []
        # Every secret the walk handled: the key, the passwords typed, the
        # tokens issued, the cookies the browsers held. A tour shows none whole.
        self.secrets = {app.config["SECRET_KEY"], *DEMO_PASSWORDS.values()}

    @property
    def history(self):
        return self.app.wsgi_app.history

    def scene(self, title, diagram=None, static=False):
        """The requests from here to the next scene are this one's."""
        self.scenes.append(Scene(title, diagram, static, len(self.history)))

    def browser(self, name="Browser"):
        """A browser of its own (its own cookies); its User-Agent names it."""
        return self.driver.browser(self, name)

    def command(self, *arguments):
        return command(self.app, *arguments)

    def issue_token(self, username):
        token = self.command("issue-token", username).splitlines()[-1]
        self.secrets.add(token)
        return token

    def call_api(self, path, token, name="A program"):
        """What a program does: one request with the token, and no cookies."""
        return self.driver.call(self, path, {"Authorization": f"Bearer {token}", "User-Agent": name})

    def switch_off(self, name):
        """Switch a user off, as an administrator would (the CLI, or the dictionary in memory)."""
        if "deactivate-user" in self.app.cli.commands:
            self.command("deactivate-user", name)
        else:
            users = MemoryUsers(sys.modules[self.app.import_name])
            users.store[users.id_of(name)].active = False

    def signed_session(self, contents):
        """A session cookie's value, signed with the app's key, as only the app could make it."""
        return self.app.session_interface.get_signing_serializer(self.app).dumps(contents)

    def finish(self):
        """Each scene's requests: no favicon (Chromium asks on its own), stylesheets if asked."""
        records = list(self.history)
        ends = [scene.first for scene in self.scenes[1:]] + [len(records)]
        for scene, end in zip(self.scenes, ends):
            scene.records = [
                record for record in records[scene.first:end]
                if record.path != "/favicon.ico"
                and (scene.static or not record.path.startswith("/static/"))
            ]
        return self.scenes


class ClientBrowser(FormClient):
    """A browser played by Flask's test client: its own cookies, the page it shows."""

    def __init__(self, walk, name):
        super().__init__(walk.app.test_client())
        self.walk = walk
        self.client.environ_base["HTTP_USER_AGENT"] = name
        self.url, self.page = None, ""

    def show(self, response):
        """Follow redirects one request at a time, then fetch the page's stylesheets."""
        while response.status_code in (301, 302, 303):
            self.url = urljoin(self.url or "/", response.headers["Location"])
            response = self.client.get(self.url)
        self.page = response.get_data(as_text=True)
        for link in parse(self.page).find_all("link"):
            if link.attrs.get("rel") == "stylesheet":
                self.client.get(urljoin(self.url, link.attrs["href"])).close()
        self.walk.secrets.update(cookie.value for cookie in self.client._cookies.values())

    def open(self, path):
        self.url = path
        self.show(self.client.get(path))

    def reload(self):
        self.open(self.url)

    def log_in(self, username, password=None, remember=False):
        """Fill in the login form on the page and send it."""
        password = password or DEMO_PASSWORDS[username]
        self.walk.secrets.add(password)
        fields = {"username": username, "password": password, **({"remember": "on"} if remember else {})}
        self.show(self.send(self.page, self.url, **fields))

    def send_form(self, route):
        """Send the page's form that posts to route (a button with no fields to fill)."""
        self.show(self.send(self.page, self.url, posting_to=route))

    def restart(self):
        """Quit and reopen the browser: only the cookies with an expiry date are kept."""
        for cookie in list(self.client._cookies.values()):
            if cookie.expires is None and cookie.max_age is None:
                self.client.delete_cookie(cookie.decoded_key, domain=cookie.domain, path=cookie.path)

    def plant_session(self, contents):
        """A session cookie made with the app's key, as a reader makes one in the chapter."""
        self.client.set_cookie(self.walk.app.config["SESSION_COOKIE_NAME"],
                               self.walk.signed_session(contents))


class ClientDriver:
    """Plays a walk with test clients, in this process."""

    @contextlib.contextmanager
    def started(self, app):
        yield self

    def browser(self, walk, name):
        return ClientBrowser(walk, name)

    def call(self, walk, path, headers):
        with walk.app.test_client().get(path, headers=headers) as response:
            return response.status_code


class PageBrowser:
    """A browser that is Chromium: a Playwright page in a context (cookies) of its own."""

    def __init__(self, walk, driver, name):
        self.walk, self.base = walk, driver.base
        context = driver.chromium.new_context(user_agent=name)
        context.set_default_timeout(TIMEOUT_MS)
        driver.contexts.append(context)
        self.page = context.new_page()

    def open(self, path):
        self.page.goto(self.base + path, wait_until="load")

    def reload(self):
        self.page.reload(wait_until="load")

    def log_in(self, username, password=None, remember=False):
        password = password or DEMO_PASSWORDS[username]
        self.walk.secrets.add(password)
        with self.page.expect_navigation(wait_until="load"):
            log_in(self.page, username, password, remember)

    def send_form(self, route):
        """Click the button of the form that posts to route (found by where it goes, not its label)."""
        with self.page.expect_navigation(wait_until="load"):
            self.page.locator(f'form[action$="{route}"]').get_by_role("button").click()

    def restart(self):
        context = self.page.context
        kept = [cookie for cookie in context.cookies() if cookie["expires"] > 0]
        self.walk.secrets.update(cookie["value"] for cookie in context.cookies())
        context.clear_cookies()
        context.add_cookies(kept)

    def plant_session(self, contents):
        value = self.walk.signed_session(contents)
        name = self.walk.app.config["SESSION_COOKIE_NAME"]
        self.page.context.add_cookies([{"name": name, "value": value, "url": self.base}])


class ChromiumDriver:
    """Plays a walk in Chromium, against the app served on 127.0.0.1."""

    def __init__(self, chromium, playwright):
        self.chromium, self.playwright = chromium, playwright
        self.contexts = []

    @contextlib.contextmanager
    def started(self, app):
        with serve_in_a_thread(app) as self.base:
            try:
                yield self
            finally:
                for context in self.contexts:
                    context.close()
                self.contexts = []

    def browser(self, walk, name):
        return PageBrowser(walk, self, name)

    def call(self, walk, path, headers):
        program = self.playwright.request.new_context(base_url=self.base, extra_http_headers=headers)
        try:
            return program.get(path).status
        finally:
            program.dispose()


@dataclass
class Played:
    step: str  # the folder as `make tour DIR=...` names it, or the step's name
    number: int
    scenes: list
    secrets: set


def play(folder, driver, shown_as):
    """Play the walk of the step in folder with the driver's browsers."""
    folder = Path(folder).resolve()
    number = STEP_NAMES.index(folder.name) + 1
    module = load_step(folder)
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as instance:
        app = make_app(module, instance)
        users = MemoryUsers(module) if "init-db" not in app.cli.commands else None
        active = {key: user.active for key, user in users.store.items()} if users else {}
        walk = Walk(app, driver)
        try:
            with driver.started(app):
                STEPS[number - 1].walk(walk)
                if isinstance(driver, ChromiumDriver):
                    walk.secrets.update(cookie["value"] for context in driver.contexts
                                        for cookie in context.cookies())
        finally:
            # Users in memory live as long as the process: put them back.
            for key, was_active in active.items():
                users.store[key].active = was_active
    return Played(shown_as, number, walk.finish(), walk.secrets)
