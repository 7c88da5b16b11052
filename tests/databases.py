"""The databases of the steps that have one (4 and 5): a pytest plugin.

Each test gets a database of its own with the demo users, as the step's own
`init-db` leaves it. On SQLite, a copy of a file made once per run; on
PostgreSQL (when TEST_DATABASE_URL names a server the tests may wipe, for
example one that `tools/throwaway-postgres start` started), a database per
pytest-xdist worker, emptied before each test.
"""

import os
import sys

import pytest


def sqlite_config(path):
    # A file, never ":memory:": each connection to ":memory:" is a new, empty
    # database, and a step opens connections as it pleases. Foreign keys on,
    # as the steps ask in production; no waiting for the disk, for a file
    # that is thrown away after the test.
    pragmas = {"foreign_keys": 1, "synchronous": 0}
    return {"name": str(path), "engine": "peewee.SqliteDatabase", "pragmas": pragmas}


def run_command(app, *arguments):
    """Run one of the step's `flask` commands, which must succeed."""
    result = app.test_cli_runner().invoke(args=list(arguments))
    assert result.exit_code == 0, result.output


def init_db(app):
    run_command(app, "init-db")


def empty_postgresql(database_url):
    """Drop everything in a PostgreSQL database (one the caller may wipe)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


@pytest.fixture(scope="session")
def postgresql_url():
    """TEST_DATABASE_URL, or under pytest-xdist a database of this worker's own.

    Tests empty their database, so two workers cannot share one.
    """
    import psycopg
    from psycopg import sql

    url = os.environ["TEST_DATABASE_URL"]
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return url
    name = f"tutorial_tests_{worker}"
    with psycopg.connect(url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A step's SQLite database as its own init-db leaves it, made once per run.

    Takes the function that builds the step's app. Each test gets a copy:
    copying a file is much faster than creating the tables and users again.
    """
    made = {}

    def template(step, create_app):
        if step.name not in made:
            path = tmp_path_factory.mktemp(step.name) / "template.db"
            init_db(create_app(sqlite_config(path)))
            close(database_of(step))
            made[step.name] = path
        return made[step.name]

    return template


@pytest.fixture
def database_url(step, request):
    """For the PostgreSQL variant of a step: the URL of an emptied database."""
    if step.database != "postgresql":
        return None
    url = request.getfixturevalue("postgresql_url")
    empty_postgresql(url)
    return url


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
    return {
        table: database.execute_sql(f'SELECT * FROM "{table}"').fetchall()
        for table in database.get_tables()
    }


def snapshot(step):
    """Every row of every table, by table, in an order: to compare before and after."""
    return {table: sorted(map(repr, rows)) for table, rows in rows_by_table(step).items()}


def text_in_tables(step):
    """Every value stored in the step's database, as text: to search for secrets."""
    return [str(value) for rows in rows_by_table(step).values() for row in rows for value in row]
