"""The requests each chapter's diagrams show (kit/scenes/diagrams.py draws them).

Recorded without a browser, with Flask's test client. The X-ray records the
facts of a request inside the app: loader calls and their queries, signals,
decorators, cookies set. A test client sends the requests a browser would,
with the form's CSRF token, and keeps the cookies it is given, so the X-ray
records the same facts, in milliseconds and without Chromium. What only a
browser adds (its favicon, the cache's 304s) is nothing a chapter teaches;
`make tour` shows those, with Chromium.

A scene reaches the step only as the tests do: the routes, the forms, the
documented commands, the demo accounts. The requests it makes inside
`recording.drawn()` are the diagram; the ones before only set the scene.
"""

import contextlib

from kit.forms import CSRF_FIELD
from kit.scenes.walks import command


class Browser:
    """One browser, played by a test client: its own cookies, and a User-Agent."""

    def __init__(self, app, user_agent="Browser"):
        self.client = app.test_client()
        self.client.environ_base["HTTP_USER_AGENT"] = user_agent

    def get(self, path, **headers):
        response = self.client.get(path, headers=headers)
        response.get_data()  # read whole, so that a static file is closed at once
        response.close()
        return response

    def form_token(self, page):
        """The CSRF token of the forms on the page at page."""
        return CSRF_FIELD.search(self.get(page).text).group(1)

    def send(self, path, token, **fields):
        return self.client.post(path, data={"csrf_token": token, **fields})

    def log_in(self, username, password, path="/login", **fields):
        """Open the login form at path and send it, as a reader does."""
        token = self.form_token(path)
        return self.send(path, token, username=username, password=password, **fields)


class Recording:
    """A step's app, new for one diagram, and which of its requests the diagram draws."""

    def __init__(self, app):
        self.app = app
        self.drawn_requests = []

    def browser(self, user_agent="Browser"):
        return Browser(self.app, user_agent)

    @contextlib.contextmanager
    def drawn(self):
        """The requests made inside this block are the diagram's."""
        history = self.app.wsgi_app.history
        first = len(history)
        yield
        self.drawn_requests = list(history)[first:]


# The scenes: each step's diagrams, by name, in the order the chapter shows them.


def log_in(recording):
    alice = recording.browser()
    with recording.drawn():
        alice.log_in("alice", "wonderland")
        alice.get("/")


def loader_on_a_later_request(recording):
    alice = recording.browser()
    alice.log_in("alice", "wonderland")
    alice.get("/")  # the page after the login, which shows its welcome
    with recording.drawn():
        alice.get("/")
        alice.get("/static/style.css")


def next_round_trip(recording):
    alice = recording.browser()
    with recording.drawn():
        alice.get("/profile")
        # The form carries next in a hidden field, as the browser would send it.
        alice.log_in("alice", "wonderland", path="/login?next=%2Fprofile", next="/profile",
                     remember="on")
        alice.get("/profile")


def remember_cookie(recording):
    alice = recording.browser()
    alice.log_in("alice", "wonderland", remember="on")
    # A restarted browser: only the cookie with an expiry date is left.
    alice.client.delete_cookie("session")
    with recording.drawn():
        alice.get("/profile")


def loader_query(recording):
    alice = recording.browser()
    alice.log_in("alice", "wonderland")
    alice.get("/")
    with recording.drawn():
        alice.get("/profile")


def missing_row(recording):
    visitor = recording.browser()
    # A session signed with the app's key, as the chapter's forged cookies are.
    with visitor.client.session_transaction() as session:
        session["_user_id"] = "999"
    with recording.drawn():
        visitor.get("/")


def token_call(recording):
    token = command(recording.app, "issue-token", "alice").splitlines()[-1]
    program = recording.browser("A program")
    with recording.drawn():
        program.get("/api/me", Authorization=f"Bearer {token}")


def unknown_token(recording):
    program = recording.browser("A program")
    with recording.drawn():
        program.get("/api/me", Authorization="Bearer " + "x" * 43)


def ended_from_another_browser(recording):
    laptop, phone = recording.browser("Laptop"), recording.browser("Phone")
    laptop.log_in("alice", "wonderland", remember="on")
    phone.log_in("alice", "wonderland")
    phone.send("/logout-everywhere", phone.form_token("/profile"))
    with recording.drawn():
        laptop.get("/profile")


def throttled_login(recording):
    guesser = recording.browser()
    token = guesser.form_token("/login")
    for guess in range(10):
        guesser.send("/login", token, username="alice", password=f"guess-{guess}")
    with recording.drawn():
        guesser.send("/login", token, username="alice", password="wonderland")


RECORDED = {
    1: {"log-in": log_in},
    2: {"loader-on-a-later-request": loader_on_a_later_request},
    3: {"next-round-trip": next_round_trip, "remember-cookie": remember_cookie},
    4: {"loader-query": loader_query, "missing-row": missing_row},
    5: {"token-call": token_call, "unknown-token": unknown_token},
    6: {"ended-from-another-browser": ended_from_another_browser},
    7: {"throttled-login": throttled_login},
}
