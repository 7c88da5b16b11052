"""The X-ray's report of each request: a panel, a history page, a terminal line.

A WSGI middleware, Flask's documented way to wrap an app: it sees each
response after Flask has finished with it (Flask-Login's cookie and the
session's included), and adds the panel just before an HTML page's
</body>, changing nothing else.
"""

import ipaddress
import re
import threading
from collections import deque

from jinja2 import Environment, PackageLoader

from .records import RECORD

HISTORY_PATH = "/_xray"
HISTORY_LENGTH = 50
BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


class Report:
    def __init__(self, app, wsgi_app):
        self.wsgi_app = wsgi_app
        self.logger = app.logger
        self.history = deque(maxlen=HISTORY_LENGTH)
        # The development server answers requests in threads.
        self.lock = threading.Lock()
        self.templates = Environment(
            loader=PackageLoader("kit.xray"), autoescape=True, trim_blocks=True, lstrip_blocks=True
        )

    def __call__(self, environ, start_response):
        # The X-ray shows sessions and cookies: only to this computer, whatever
        # the debug setting. Anyone else gets the app as it is, and no history.
        if not from_this_computer(environ):
            if environ.get("PATH_INFO") == HISTORY_PATH:
                start_response("404 NOT FOUND", [("Content-Type", "text/plain; charset=utf-8")])
                return [b"Not Found"]
            return self.wsgi_app(environ, start_response)
        # Answered here, in front of the app: the history page is none of the
        # app's routes, passes none of its hooks, and is not in the history.
        if environ.get("PATH_INFO") == HISTORY_PATH:
            return self.history_page(start_response)

        started = {}

        def start_later(status, headers, exc_info=None):
            started.update(status=status, headers=headers, exc_info=exc_info)

        # Flask calls start_response before it returns the body.
        body = self.wsgi_app(environ, start_later)
        record = environ.get(RECORD)
        if record is not None and record.status is not None:
            with self.lock:
                self.history.append(record)
            if record.content_type == "text/html":
                body = self.with_panel(body, record, started["headers"], environ)
            elif record.content_type == "application/json" or record.path.startswith("/api/"):
                self.logger.info(record.summary())
        start_response(started["status"], started["headers"], started["exc_info"])
        return body

    def with_panel(self, body, record, headers, environ):
        """The page, with the panel before its last </body> (if it has one)."""
        if environ["REQUEST_METHOD"] == "HEAD" or any(
            name.lower() == "content-encoding" for name, _ in headers
        ):
            return body
        try:
            page = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        ends = list(BODY_END.finditer(page))
        if ends:
            history_url = environ.get("SCRIPT_NAME", "") + HISTORY_PATH
            panel = self.templates.get_template("panel.html").render(
                record=record, history_url=history_url
            ).encode()
            page = page[: ends[-1].start()] + panel + page[ends[-1].start() :]
            headers[:] = [header for header in headers if header[0].lower() != "content-length"]
            headers.append(("Content-Length", str(len(page))))
        return [page]

    def history_page(self, start_response):
        with self.lock:
            records = list(self.history)
        page = self.templates.get_template("history.html").render(records=records).encode()
        start_response("200 OK", [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(page))),
            ("Cache-Control", "no-store"),
            # A page of this computer's requests: never guessed as another type, never
            # framed, and nothing but its own inline style.
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
        ])
        return [page]


def from_this_computer(environ):
    """Whether the request came from the loopback address (127.0.0.1, ::1)."""
    try:
        return ipaddress.ip_address(environ.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False
