"""The queries a user loader runs, and the rows each one returns, read from the outside.

peewee logs each query it runs: the ones a loader runs are kept with its
call. The rows are counted on the cursor the step's database hands back.
"""

import functools
import logging
import threading

import flask_peewee.db
import peewee

from .records import Query, record_of_this_request, shown


class QueriesOfLoaders(logging.Handler):
    """peewee logs each query it runs: keep those a loader runs, with its call."""

    def emit(self, log_record):
        record = record_of_this_request()
        if record is None or record.collecting is None or not isinstance(log_record.msg, tuple):
            return
        sql, parameters = log_record.msg
        parameters = ", ".join(shown(parameter) for parameter in parameters or ())
        record.collecting.queries.append(Query(f"{' '.join(sql.split())}  ({parameters})"))


def watch_queries():
    logger = logging.getLogger("peewee")
    if not any(isinstance(handler, QueriesOfLoaders) for handler in logger.handlers):
        logger.addHandler(QueriesOfLoaders())
        # peewee logs a query only when its logger is enabled for DEBUG.
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.DEBUG)


def count_rows_of(app):
    """Count the rows of loader queries in the databases Flask-Peewee opens for app's requests."""
    for function in app.before_request_funcs.get(None, ()):
        plugin = getattr(function, "__self__", None)
        if isinstance(plugin, flask_peewee.db.Database):
            # The database itself, behind Flask-Peewee's Proxy if there is one.
            count_rows(getattr(plugin.database, "obj", plugin.database))


# Two requests may start at once; a database wrapped twice would count each row twice.
WRAPPING = threading.Lock()


def count_rows(database):
    """Wrap database.execute_sql, once, so that each loader query counts what it returns.

    peewee runs every query through execute_sql and reads the rows from the
    cursor it returns (its query hooks see the SQL, never the rows): a
    loader's query gets a cursor that counts them into the query's entry,
    which peewee's log has just made. Any other query gets its cursor as is.
    """
    if not isinstance(database, peewee.Database):
        return
    with WRAPPING:
        if getattr(database.execute_sql, "xray_counts_rows", False):
            return
        execute_sql = database.execute_sql

        @functools.wraps(execute_sql)
        def counting_execute_sql(sql, params=None):
            record = record_of_this_request()
            call = record.collecting if record is not None else None
            logged = len(call.queries) if call is not None else 0
            cursor = execute_sql(sql, params)
            if call is None or len(call.queries) != logged + 1:
                return cursor  # not a loader's query, or one peewee did not log
            return CountingCursor(cursor, call.queries[-1])

        counting_execute_sql.xray_counts_rows = True
        database.execute_sql = counting_execute_sql


class CountingCursor:
    """A database cursor (sqlite3's or psycopg's) that counts the rows fetched from it."""

    def __init__(self, cursor, query):
        self.cursor = cursor
        self.query = query
        # Without a description the statement has no answer to fetch: the
        # driver says how many rows it changed instead.
        query.changed = cursor.description is None
        query.rows = cursor.rowcount if query.changed else 0

    def fetchone(self):
        row = self.cursor.fetchone()
        if row is not None:
            self.query.rows += 1
        return row

    def fetchmany(self, *size):
        rows = self.cursor.fetchmany(*size)
        self.query.rows += len(rows)
        return rows

    def fetchall(self):
        rows = self.cursor.fetchall()
        self.query.rows += len(rows)
        return rows

    def __iter__(self):
        return self

    def __next__(self):
        row = next(self.cursor)
        self.query.rows += 1
        return row

    def __getattr__(self, name):
        # The rest (description, rowcount, lastrowid, close) is the cursor's own.
        return getattr(self.cursor, name)
