"""A recorded request as a sequence diagram: who called whom, and what came back.

The lanes are the browser, Flask, Flask-Login, the loaders the step
registered, and the database. Every arrow is made from a fact in the
request's Record (recorder.py), already shortened there: a cookie or a token
is its start and its length, never its value.

The Record keeps the loader calls and the signals in two lists, not one
timeline, so the arrows follow the order Flask-Login works in: current_user
is read, session protection is checked, the loaders run (with their queries,
and the rows each returned), the signals that say what came of it are sent,
the decorators decide, and the response goes out.
"""

import re
from dataclasses import dataclass


LANES = ["Browser", "Flask", "Flask-Login", "Your loaders", "Database"]
BROWSER, FLASK, FLASK_LOGIN, LOADERS, DATABASE = range(len(LANES))

# Drawing: each lane's x, the row height of an arrow, the picture's width.
LANE_X = [70, 270, 470, 670, 870]
WIDTH = 940
ROW = 24
TOP = 14
# Of the 12px monospace font the labels are drawn in.
CHARACTER_WIDTH = 7.3


@dataclass
class Arrow:
    start: int
    end: int
    label: str
    answer: bool = False  # an answer is drawn dashed, as in UML

    def y(self, row):
        return TOP + ROW * row + 12

    @property
    def left(self):
        return min(LANE_X[self.start], LANE_X[self.end])

    @property
    def right(self):
        return max(LANE_X[self.start], LANE_X[self.end])

    @property
    def points_right(self):
        return self.end > self.start

    def text_position(self):
        """(x, anchor) of the label: above the arrow, moved left if it would run off the page."""
        x = self.left + (6 if self.points_right else 12)
        if x + len(self.label) * CHARACTER_WIDTH > WIDTH:
            return WIDTH - 4, "end"
        return x, "start"


def arrows(record):
    """The arrows of one request, in the order they happen."""
    drawn = [Arrow(BROWSER, FLASK, request_line(record))]
    for decorator in record.decorators:
        asked = "logged in and fresh" if decorator == "@fresh_login_required" else "logged in"
        drawn.append(Arrow(FLASK, FLASK_LOGIN, f"{decorator}: is current_user {asked}?"))
    if record.sent("user_accessed") and not record.decorators:
        drawn.append(Arrow(FLASK, FLASK_LOGIN, "current_user?"))
    # Flask-Login checks session protection before it reads _user_id and asks a loader.
    if record.sent("session_protected"):
        drawn.append(Arrow(FLASK_LOGIN, FLASK, "signal session_protected", answer=True))
    for call in record.loader_calls:
        drawn.append(Arrow(FLASK_LOGIN, LOADERS, f"{call.loader}({call.argument})"))
        for query in call.queries:
            drawn.append(Arrow(LOADERS, DATABASE, short_sql(query.sql)))
            if query.rows is not None:
                drawn.append(Arrow(DATABASE, LOADERS, f"→ {query.outcome()}", answer=True))
        drawn.append(Arrow(LOADERS, FLASK_LOGIN, f"→ {call.answer}", answer=True))
    for name, user in record.signals:
        if name in ("user_accessed", "session_protected"):
            continue
        if name in ("user_logged_in", "user_logged_out"):
            called = "login_user" if name == "user_logged_in" else "logout_user"
            drawn.append(Arrow(FLASK, FLASK_LOGIN, f"{called}({short_user(user)})"))
        drawn.append(Arrow(FLASK_LOGIN, FLASK, f"signal {name}", answer=True))
    for decision in decided(record):
        drawn.append(Arrow(FLASK_LOGIN, FLASK, decision, answer=True))
    drawn.append(Arrow(FLASK, BROWSER, response_line(record), answer=True))
    for cookie in record.cookies_set:
        drawn.append(Arrow(FLASK, BROWSER, set_cookie_line(cookie), answer=True))
    return drawn


def request_line(record):
    line = f"{record.method} {record.path}"
    if record.cookies_received:
        line += " · Cookie: " + ", ".join(record.cookies_received)
    return line


def response_line(record):
    line = str(record.status)
    if record.location:
        line += f" → {record.location}"
    return line


def decided(record):
    """What each decorator answered, in a few words."""
    answered = "redirect" if record.status in (301, 302, 303) else str(record.status)
    words = {
        "not checked": f"not checked ({record.method})",
        "unauthorized": f"unauthorized(): {answered}",
        "needs refresh": "needs_refresh(): not fresh",
        "allowed": "the view runs",
    }
    return [f"{decorator} → {words[verdict]}" for decorator, verdict in record.verdicts()]


def set_cookie_line(cookie):
    """Set-Cookie: remember_token (14 days; HttpOnly, SameSite=Lax)."""
    if cookie.deleted:
        lifetime = "deleted"
    elif cookie.seconds_left() is None:
        lifetime = "until the browser closes"
    else:
        lifetime = f"{round(cookie.seconds_left() / 86400)} days"
    flags = [name for name in ("HttpOnly", "Secure") if name.lower() in cookie.attributes]
    if "samesite" in cookie.attributes:
        flags.append(f"SameSite={cookie.attributes['samesite']}")
    return f"Set-Cookie: {cookie.name} ({lifetime}; {', '.join(flags) or 'no flags'})"


def short_user(described):
    """'User alice (get_id() '1')' → 'alice': the name alone fits on an arrow."""
    if described is None:
        return ""
    found = re.match(r"\S+ (\S+)", described)
    return found.group(1) if found else described


def short_sql(query):
    """SELECT … FROM "user" … WHERE …: the statement, its table and its condition."""
    statement = query.split()[0]
    # With its alias, if it has one: the condition names the table by it.
    table = re.search(r'\bFROM ("[^"]+"(?: AS "[^"]+")?)', query)
    # The condition, up to LIMIT or ORDER (its parameters, after two spaces, left out),
    # cut at 40 characters with an ellipsis, never in silence.
    where = re.search(r"\bWHERE (.*?)(?: LIMIT| ORDER|$)", query.split("  (")[0])
    line = f"{statement} … FROM {table.group(1)}" if table else statement + " …"
    if where:
        line += f" WHERE {shorten_text(where.group(1), 40)}"
    return line


def shorten_text(text, length):
    return text if len(text) <= length else text[: length - 1] + "…"


def height(drawn):
    return TOP * 2 + ROW * len(drawn)
