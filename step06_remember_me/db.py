"""The database, through Flask-Peewee: it connects before each request, and closes after.

Here "connect" borrows a connection from a pool, and "close" gives it back.
"""

import os
from datetime import datetime, timezone

from flask_peewee.db import Database
from werkzeug.routing import IntegerConverter

# Created without an app, so that models can be defined when the module is
# imported; create_app() tells it which database to use.
db = Database()


def database_config(app):
    """Flask-Peewee's DATABASE setting: a SQLite file in the instance folder (git-ignored)."""
    path = os.path.join(app.instance_path, f"{app.name}.db")
    return {
        "name": path,
        # A pool: a connection stays open for the next request, whichever
        # thread serves it. No cap: the development server serves requests at once.
        "engine": "playhouse.pool.PooledSqliteDatabase",
        "max_connections": None,
        "check_same_thread": False,
        # SQLite enforces foreign keys (deleting a user deletes their tokens)
        # only when asked to.
        "pragmas": {"foreign_keys": 1},
    }


def utc_now():
    # Stored without a time zone, always in UTC.
    return datetime.now(timezone.utc).replace(tzinfo=None)


class RowId(IntegerConverter):
    """A row's id in a URL: digits, no bigger than a database integer holds.

    A bigger number is a 404, not an overflow in the database driver (a 500).
    """

    def __init__(self, url_map):
        super().__init__(url_map, max=2**63 - 1)
