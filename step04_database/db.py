"""The database, through Flask-Peewee: it connects before each request, and closes after.

Here "connect" borrows a connection from a pool, and "close" gives it back.
"""

import os

from flask_peewee.db import Database

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
    }
