"""A request's record: what came in, what Flask-Login did, and what went out, in words.

recorder.py fills a Record as a request goes; report.py shows it, as a
panel, in the history and on a terminal line. Long strings (tokens, hashes,
signed cookies) are shortened here, once, to their start and their length.
"""

from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import flask_login
from flask import has_request_context, request
from flask_login.config import EXEMPT_METHODS, SESSION_KEYS

# Where a request's record waits, in its WSGI environ, for report.py.
RECORD = "xray.record"

# Each of Flask-Login's signals: its name, and what it means when it is sent.
SIGNALS = {
    flask_login.user_accessed: (
        "user_accessed", "current_user was read: Flask-Login loads the user now"),
    flask_login.session_protected: (
        "session_protected", "the session's _id is not this browser's: session protection"
        " marked the login not fresh ('basic') or emptied the session ('strong')"),
    flask_login.user_loaded_from_cookie: (
        "user_loaded_from_cookie", "the remember cookie logged {user} in: not fresh"),
    flask_login.user_loaded_from_request: (
        "user_loaded_from_request", "the request_loader found {user}"),
    flask_login.user_logged_in: ("user_logged_in", "login_user() logged {user} in"),
    flask_login.user_login_confirmed: (
        "user_login_confirmed", "confirm_login(): the login is fresh again"),
    flask_login.user_logged_out: ("user_logged_out", "logout_user() logged {user} out"),
    flask_login.user_unauthorized: (
        "user_unauthorized", "login_manager.unauthorized(): not logged in"),
    flask_login.user_needs_refresh: (
        "user_needs_refresh", "login_manager.needs_refresh(): the login is not fresh"),
}
MEANINGS = dict(SIGNALS.values())

# What the session keys mean: Flask-Login's (flask_login.config.SESSION_KEYS)
# first, then the ones Flask and Flask-WTF put there.
SESSION_NOTES = {
    "_user_id": "what get_id() returned at login: the user_loader's argument",
    "_fresh": "True when the password was typed in this session",
    "_id": "this browser's address and User-Agent, hashed: session protection compares it",
    "_remember": "'set' or 'clear': what to do with the remember cookie as the request ends",
    "_remember_seconds": "how long the remember cookie lasts, if login_user() was told",
    "next": "where to go after logging in (only with USE_SESSION_FOR_NEXT)",
    "csrf_token": "Flask-WTF's: every form's hidden csrf_token must match it",
    "_flashes": "flash() messages, waiting for the next page that shows them",
    "_permanent": "Flask's: the session cookie outlives the browser",
}

# Always shown, even when missing: the keys that say who is logged in, and how.
ALWAYS_SHOWN = ["_user_id", "_fresh", "_id", "_remember"]


def shorten(value, keep=8):
    """Long strings (tokens, hashes, signed cookies) as their start and their length."""
    if isinstance(value, str) and len(value) > keep + 4:
        return f"{value[:keep]}… ({len(value)} characters)"
    return value


def shortened(value):
    """value with every long string in it shortened (flash messages in a list, say)."""
    if isinstance(value, (list, tuple)):
        return type(value)(shortened(item) for item in value)
    if isinstance(value, dict):
        return {key: shortened(item) for key, item in value.items()}
    return shorten(value)


def shown(value):
    """A session value or an argument as Python writes it, long strings shortened."""
    return repr(shortened(value))


def describe_user(user):
    """A user as the panel names it: its class, a name if it has one, and get_id()."""
    if user is None:
        return "None"
    names = [getattr(user, attribute, None) for attribute in ("name", "username", "email")]
    name = next((name for name in names if isinstance(name, str)), None)
    described = f"{type(user).__name__} {name}" if name else type(user).__name__
    if user.get_id() is not None:
        described += f" (get_id() {shown(user.get_id())})"
    return described if user.is_active else described + ", inactive"


@dataclass
class Query:
    """One query a loader ran, and what came back to the loader."""

    sql: str  # the statement and its parameters, as peewee logged them
    # How many rows peewee fetched of its answer; for a statement with no
    # answer (an UPDATE, say), how many rows it changed. None: not counted,
    # for a database the app does not open through Flask-Peewee.
    rows: int | None = None
    changed: bool = False

    def outcome(self):
        """What came back, in words: 1 row, no row, 2 rows changed."""
        rows = "no row" if self.rows == 0 else f"{self.rows} row" + ("" if self.rows == 1 else "s")
        return f"{rows} changed" if self.changed else rows


@dataclass
class LoaderCall:
    loader: str
    argument: str
    answer: str = "(still running)"
    found_user: bool = False
    milliseconds: float = 0.0
    queries: list = field(default_factory=list)

    def duration(self):
        if self.milliseconds >= 1:
            return f"{self.milliseconds:.1f} ms"
        return f"{self.milliseconds * 1000:.0f} µs"


@dataclass
class Cookie:
    name: str
    value: str
    attributes: dict

    @classmethod
    def from_header(cls, header):
        """One Set-Cookie header: name=value; Expires=...; HttpOnly; ..."""
        pair, *attributes = header.split(";")
        name, _, value = pair.strip().partition("=")
        parsed = {}
        for attribute in attributes:
            key, _, setting = attribute.strip().partition("=")
            parsed[key.lower()] = setting or True
        return cls(name, shorten(value), parsed)

    def seconds_left(self):
        """Until the Expires date; None for a cookie that lives until the browser closes."""
        if "expires" not in self.attributes:
            return None
        expires = parsedate_to_datetime(self.attributes["expires"])
        return (expires - datetime.now(timezone.utc)).total_seconds()

    @property
    def deleted(self):
        left = self.seconds_left()
        return self.attributes.get("max-age") == "0" or (left is not None and left <= 0)

    def lifetime(self):
        """When the browser drops the cookie, in words."""
        if self.deleted:
            return "deleted: the browser drops it now"
        left = self.seconds_left()
        if left is None:
            return "until the browser closes"
        return f"expires {self.attributes['expires']} (in {round(left / 86400)} days)"

    def flags(self):
        named = [name for name in ("HttpOnly", "Secure") if name.lower() in self.attributes]
        named += [f"{name}={self.attributes[name.lower()]}" for name in ("SameSite", "Path")
                  if name.lower() in self.attributes]
        return ", ".join(named) or "no flags"


@dataclass
class Record:
    """One request: what came in, what Flask-Login did, what went out."""

    method: str
    path: str
    decorators: list
    session_before: dict
    cookies_received: dict
    remember_cookie_name: str
    session_cookie_name: str
    loader_calls: list = field(default_factory=list)
    signals: list = field(default_factory=list)
    session_after: dict = field(default_factory=dict)
    status: int | None = None
    location: str | None = None
    content_type: str = ""
    cookies_set: list = field(default_factory=list)
    # The loader call whose queries peewee is logging, if one is running.
    collecting: LoaderCall | None = None

    def sent(self, name):
        return any(signal == name for signal, _ in self.signals)

    def signal_lines(self):
        """(name, what it means here) for each signal sent, in order."""
        return [(name, MEANINGS[name].format(user=user)) for name, user in self.signals]

    def current_user(self):
        """How current_user was found, or why it is anonymous, in one sentence."""
        users = {signal: user for signal, user in self.signals if user}
        logins = [name for name, _ in self.signals if name in ("user_logged_in", "user_logged_out")]
        if logins and logins[-1] == "user_logged_out":
            return f"anonymous: logout_user() logged {users['user_logged_out']} out"
        if logins:
            return f"{users['user_logged_in']}: set by login_user()"
        if self.sent("user_loaded_from_request"):
            return f"{users['user_loaded_from_request']}: from the request_loader"
        if self.sent("user_loaded_from_cookie"):
            return (f"{users['user_loaded_from_cookie']}: from the remember cookie,"
                    " through the user_loader (not fresh)")
        if not self.sent("user_accessed"):
            return "not looked up: nothing in this request read current_user"
        if "_user_id" in self.session_before and "_user_id" not in self.session_after:
            if self.sent("session_protected"):
                return "anonymous: session protection took the login out of the session"
        found = [call for call in self.loader_calls if call.found_user]
        if found:
            return f"{found[-1].answer}: from the session's _user_id, through the user_loader"
        reasons = [f"{call.loader}({call.argument}) answered None" for call in self.loader_calls]
        if "_user_id" not in self.session_before:
            reasons.insert(0, "no _user_id in the session")
        return "anonymous: " + "; ".join(reasons)

    def verdicts(self):
        """(decorator, its verdict) for each Flask-Login decorator around the view, outermost
        first: "not checked", "unauthorized", "needs refresh" or "allowed"."""
        for decorator in self.decorators:
            if self.method in EXEMPT_METHODS:
                yield decorator, "not checked"
            elif self.sent("user_unauthorized"):
                yield decorator, "unauthorized"
            elif self.sent("user_needs_refresh"):
                yield decorator, "needs refresh"
            else:
                yield decorator, "allowed"

    def decisions(self):
        """What @login_required and @fresh_login_required decided, in words."""
        words = {
            "not checked": f"{self.method} requests are not checked",
            "unauthorized": "current_user is not authenticated → login_manager.unauthorized()",
            "needs refresh": "the login is not fresh → login_manager.needs_refresh()",
            "allowed": "the user may see it → the view ran",
        }
        decided = [f"{decorator}: {words[verdict]}" for decorator, verdict in self.verdicts()]
        if not self.decorators and self.sent("user_unauthorized"):
            decided.append("login_manager.unauthorized() was called by the view")
        return decided

    def session_rows(self):
        """(key, before, after, note) for Flask-Login's keys, then every other key."""
        before, after = self.session_before, self.session_after
        present = {**before, **after}
        flask_logins = sorted(key for key in SESSION_KEYS - set(ALWAYS_SHOWN) if key in present)
        others = [key for key in present if key not in SESSION_KEYS]
        return [
            (key, shown(before[key]) if key in before else "—",
             shown(after[key]) if key in after else "—", SESSION_NOTES.get(key, ""))
            for key in [*ALWAYS_SHOWN, *flask_logins, *others]
        ]

    def cookie_note(self, name):
        if name == self.session_cookie_name:
            return "Flask's session, signed with SECRET_KEY (not encrypted)"
        if name == self.remember_cookie_name:
            return "Flask-Login's remember cookie: get_id()|signature"
        return ""

    def summary(self):
        """The whole record in one line, for the terminal."""
        calls = ", ".join(f"{call.loader}({call.argument}) → {call.answer} in {call.duration()}"
                          for call in self.loader_calls)
        signals = ", ".join(name for name, _ in self.signals)
        cookies = ", ".join(("deleted " if cookie.deleted else "") + cookie.name
                            for cookie in self.cookies_set)
        return (f"X-ray: {self.method} {self.path} → {self.status}"
                f" · current_user {self.current_user()} · {calls or 'no loader called'}"
                f" · signals: {signals or 'none'} · cookies set: {cookies or 'none'}")


def record_of_this_request():
    return request.environ.get(RECORD) if has_request_context() else None
