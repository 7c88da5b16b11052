"""The databases of the steps that have one: made, found, read and closed from outside.

A step's models and database are found by what they are, never by their
names (a learner's folder names them as it likes); its tables are read by
content. kit/pytest_apps.py gives each test a database of its own with them.
"""

import sys
from contextlib import contextmanager

from flask.testing import FlaskCliRunner


def sqlite_config(path):
    # A file, never ":memory:": each connection to ":memory:" is a new, empty
    # database, and a step opens connections as it pleases. Foreign keys on,
    # as the steps ask in production; no waiting for the disk, for a file
    # that is thrown away after the test.
    pragmas = {"foreign_keys": 1, "synchronous": 0, "journal_mode": "memory"}
    return {"name": str(path), "engine": "playhouse.pool.PooledSqliteDatabase", "max_connections": None,
            "check_same_thread": False, "pragmas": pragmas}


class CommandRunner(FlaskCliRunner):
    """Runs a step's `flask` commands as a shell would, each as if in a process of its own.

    A process's end closes the connection its queries opened; in the test
    process, this runner does. A folder may open its connection before each
    request with peewee's connect(), which refuses one that is already open
    (playhouse's FlaskDB does).
    """

    def __init__(self, app, step, **kwargs):
        super().__init__(app, **kwargs)
        self.step = step

    def invoke(self, *args, **kwargs):
        with queries_from_outside(self.step):
            return super().invoke(*args, **kwargs)


@contextmanager
def queries_from_outside(step):
    """Query the step's database from outside a request, then close what that opened."""
    try:
        yield
    finally:
        database = database_of(step)
        if database is not None:
            close(database)


def run_command(app, *arguments):
    """Run one of the step's `flask` commands, which must succeed; what it printed."""
    result = app.test_cli_runner().invoke(args=list(arguments))
    if result.exit_code != 0:
        raise RuntimeError(f"flask {' '.join(arguments)} failed:\n{result.output}")
    return result.output


def init_db(app):
    run_command(app, "init-db")


def empty_postgresql(database_url):
    """Drop everything in a PostgreSQL database (one the caller may wipe)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


_models = {}


def models_of(step):
    """The peewee models the step's code defines, wherever it put them.

    Found by what they are, not by name: a learner's folder may lay its
    modules out as it likes. Looked for once per test process, after the
    step's package is imported.
    """
    if step.name not in _models:
        found = find_models(step)
        if not found:
            return []
        _models[step.name] = found
    return _models[step.name]


def find_models(step):
    import peewee

    found = {}
    for name, module in list(sys.modules.items()):
        if name == step.name or name.startswith(step.name + "."):
            for value in vars(module).values():
                if (isinstance(value, type) and issubclass(value, peewee.Model)
                        and value.__module__.startswith(step.name) and value._meta.table_name
                        and value._meta.fields.keys() - {"id"}):
                    found[value._meta.table_name] = value
    return list(found.values())


def database_of(step):
    """The database the step's models use (behind Flask-Peewee's proxy, if there is one).

    None before the step has made an app.
    """
    models = models_of(step)
    if not models:
        return None
    database = models[0]._meta.database
    return getattr(database, "obj", database)


def close(database):
    """Close what a test's own queries opened (requests close theirs)."""
    database.close()
    if hasattr(database, "close_all"):  # a connection pool
        database.close_all()


def rows_by_table(step):
    """Every row of every table of the step's database."""
    database = database_of(step)
    with queries_from_outside(step):
        return {
            table: database.execute_sql(f'SELECT * FROM "{table}"').fetchall()
            for table in database.get_tables()
        }


def snapshot(step):
    """Every row of every table, by table, in an order: to compare before and after."""
    return {table: sorted(map(repr, rows)) for table, rows in rows_by_table(step).items()}


def is_password_hash(value):
    """Whether value reads like a Werkzeug password hash: `method$salt$hash`."""
    return isinstance(value, str) and value.startswith(("scrypt:", "pbkdf2:")) and value.count("$") == 2


def password_hashes(step):
    """Every value of the step's database that reads like a password hash."""
    return [value for value in text_in_tables(step) if is_password_hash(value)]


def text_in_tables(step):
    """Every value stored in the step's database, as text: to search for secrets."""
    return [str(value) for rows in rows_by_table(step).values() for row in rows for value in row]
