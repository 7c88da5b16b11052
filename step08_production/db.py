"""The database, through Flask-Peewee: it connects before each request, and closes after.

Here "connect" borrows a connection from a pool, and "close" gives it back.
"""

import os
from datetime import datetime, timezone

from flask import current_app, request
from flask_peewee.db import Database
from playhouse.db_url import parse
from werkzeug.routing import IntegerConverter

# Created without an app, so that models can be defined when the module is
# imported; create_app() tells it which database to use.
db = Database()


def database_config(app):
    """Flask-Peewee's DATABASE setting: PostgreSQL if DATABASE_URL is set, else SQLite."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return postgresql_config(url)
    path = os.path.join(app.instance_path, f"{app.name}.db")
    return {
        "name": path,
        # A pool: a connection stays open for the next request, whichever
        # thread serves it. No cap: the development server serves requests at once.
        "engine": "playhouse.pool.PooledSqliteDatabase",
        "max_connections": None,
        "check_same_thread": False,
        # Several processes (a server's workers) may use the file at once. In
        # WAL mode readers do not block the writer, who waits for another (up
        # to 5 s, peewee's default). Foreign keys are enforced only if asked.
        "pragmas": {"journal_mode": "wal", "foreign_keys": 1},
    }


def postgresql_config(url):
    """The DATABASE setting for a postgresql:// URL; a URL of another kind is refused."""
    scheme = url.partition("://")[0]
    if scheme not in ("postgres", "postgresql"):
        raise RuntimeError(f"DATABASE_URL must be a postgresql:// URL, not {scheme}://")
    params = parse(url, unquote_user=True, unquote_password=True)
    return {
        "name": params.pop("database"),
        # A pool per process: each request borrows an open connection and
        # gives it back, instead of paying for a new one every time.
        "engine": "playhouse.pool.PooledPostgresqlDatabase",
        "max_connections": 8,
        # With all 8 in use, a request waits up to 10 s for one, and then gets
        # a 503 (database_unavailable).
        "timeout": 10,
        # Replace connections idle for five minutes, before a firewall or
        # the server drops them.
        "stale_timeout": 300,
        # A server that accepts but never answers: give up on a new connection
        # after 5 s (a 503), not after the network's own minutes.
        "connect_timeout": 5,
        **params,
    }


def database_unavailable(error):
    """The page (JSON under /api/) when the database is out of reach or busy: 503.

    Out of reach: peewee's OperationalError, the DB-API's error for what the
    program does not control (a server down, a file that cannot be opened, a
    lock held too long). Busy: every pooled connection stayed in use.
    """
    current_app.logger.error("The database is unavailable: %s", error)
    headers = {"Retry-After": "10"}
    if request.path.startswith("/api/"):
        return {"error": "The service is unavailable. Try again in a few seconds."}, 503, headers
    # Not render_template: its context asks Flask-Login for current_user,
    # whose loader would need the database again.
    page = current_app.jinja_env.get_template("unavailable.html")
    return page.render(trouble="The site is unavailable"), 503, headers


def utc_now():
    # Stored without a time zone, always in UTC.
    return datetime.now(timezone.utc).replace(tzinfo=None)


class RowId(IntegerConverter):
    """A row's id in a URL: digits, no bigger than a database integer holds.

    A bigger number is a 404, not an overflow in the database driver (a 500).
    """

    def __init__(self, url_map):
        super().__init__(url_map, max=2**63 - 1)
