"""One app of the bench, in a process of its own: it builds its app, then times what it is asked.

bench.py starts one such process per app (a step, the peer, the floor) and
talks to it through a pipe:

- the worker first sends what its app is: its calls, the SQL queries each
  makes, its database;
- then, for each ("time", calls, requests) it receives, it makes the calls
  take turns one by one, `requests` times, and sends back each call's
  durations in seconds (time.perf_counter, measured here, in the app's own
  process);
- ("profile", requests) prints where a logged-in request's time goes;
- None ends it.

The calls an app may have: "anonymous" and "logged in" (its home page, for
a visitor and for alice, who logged in through the app's own login form),
"token" (`GET /api/me` with a Bearer token, in the steps that issue tokens)
and "loader" (the user loader alone, called as a request calls it).
"""

import cProfile
import os
import pstats
import sys
import time
from importlib import import_module
from pathlib import Path

# Turns taken before the timed ones, in every batch (take_turns).
WARM_UP = 5
CONFIG = {"TESTING": True, "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"}


def step_app(name, folder, database_url=None):
    """A step's app with its default database settings, on a file of its own; or on the
    PostgreSQL database that database_url names, which the step reads as it would in production."""
    module = import_module(name)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
        app = module.create_app(CONFIG)
    else:
        default = module.create_app(CONFIG).config["DATABASE"]
        database = {**default, "name": str(Path(folder) / f"{name}.db")}
        app = module.create_app({**CONFIG, "DATABASE": database})
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    return app


def build(name, folder, database_url=None):
    """The app called name: "peer", "floor", or a step's package (on database_url, if given).

    Imported here, in the worker, so that a process holds its own app's code
    and no other's.
    """
    if name == "peer":
        from kit.measure.peer import peer_app

        return peer_app(folder, CONFIG)
    if name == "floor":
        from kit.measure.floor import floor_app

        return floor_app(folder, CONFIG)
    return step_app(name, folder, database_url)


def database_of(app):
    """How the app reaches its database (a SQLite file, or PostgreSQL), in a few words."""
    if hasattr(app, "pool_name"):  # the peer
        return f"through SQLAlchemy's `{app.pool_name}`"
    if "DATABASE" not in app.config:  # the floor
        return "through one `sqlite3` connection, kept open"
    engine = app.config["DATABASE"]["engine"]
    if "Pooled" in engine:
        return f"through `{engine}` (a connection borrowed from the pool for every request)"
    return f"through `{engine}` (a new connection for every request)"


def calls_of(app):
    """What the bench may time in this app, by name: each a function of no arguments."""
    from kit.forms import FormClient

    visitor, alice = app.test_client(), FormClient(app.test_client())
    assert alice.login("alice", "wonderland").status_code == 302
    with alice.client.session_transaction() as session:
        user_id = session["_user_id"]
    load, request_context = app.login_manager._user_callback, app.test_request_context

    def loader():
        # A request context of its own, as a request has: Flask-Peewee gives its
        # connection back to the pool at its end, Flask-SQLAlchemy ends its session.
        with request_context():
            return load(user_id)

    calls = {
        "anonymous": lambda: visitor.get("/"),
        "logged in": lambda: alice.client.get("/"),
        "loader": loader,
    }
    if "issue-token" in app.cli.commands:
        issued = app.test_cli_runner().invoke(args=["issue-token", "alice", "--name", "bench"])
        assert issued.exit_code == 0, issued.output
        headers = {"Authorization": f"Bearer {issued.output.split()[-1]}"}
        calls["token"] = lambda: visitor.get("/api/me", headers=headers)
    return calls


def checked(name, answer):
    """Fails unless the call answered what the bench means to time: alice, or the visitor's page."""
    if name == "loader":
        assert answer is not None, "the loader did not find alice"
    elif name == "token":
        assert answer.status_code == 200 and answer.json["username"] == "alice", answer.text
    else:
        expected = "Hello, alice!" if name == "logged in" else "Hello, visitor!"
        assert answer.status_code == 200 and expected in answer.text, (name, answer.status_code)


def queries_of(app, name, call):
    """SQL queries of one call, after a first one to warm up (and to check what it answers)."""
    checked(name, call())
    if hasattr(app, "queries"):  # the peer's and the floor's own count
        before = len(app.queries)
        call()
        return len(app.queries) - before
    from playhouse.test_utils import count_queries  # peewee's log

    with count_queries() as counted:
        call()
    return counted.count


def take_turns(calls, requests):
    """Each call's durations, the calls taking turns one by one, `requests` times over.

    First a few turns that are not timed: the process was asleep while the
    other apps ran, and its first requests find the CPU's caches full of
    their code (in the peer, the first took half as long again as the rest).
    """
    for _ in range(WARM_UP):
        for call in calls:
            call()
    clock = time.perf_counter
    durations = [[] for _ in calls]
    for _ in range(requests):
        for call, timings in zip(calls, durations):
            started = clock()
            call()
            timings.append(clock() - started)
    return durations


def profile(label, call, requests):
    """Where the time of a logged-in request goes: the top of cProfile's list."""
    print(f"\n{label}, logged-in home page, {requests} requests:")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        call()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(
        r"flask_login|flask_peewee|peewee.py|sqlalchemy/orm|step0\d|measure/(peer|floor)|jinja2/environment|sqlite3",
        25)
    sys.stdout.flush()


def statements_sent(call):
    """What one call sends PostgreSQL through psycopg: peewee's queries, and the pool's
    `SELECT 1` before it lends a connection, which peewee's query log does not show."""
    import psycopg

    sent = []
    execute = psycopg.Cursor.execute

    def counted(cursor, query, *args, **kwargs):
        sent.append(query)
        return execute(cursor, query, *args, **kwargs)

    psycopg.Cursor.execute = counted
    try:
        call()
    finally:
        psycopg.Cursor.execute = execute
    return len(sent)


def serve(label, name, folder, pipe, database_url=None):
    """The worker's life: build the app, say what it is, then time what it is asked, until None."""
    app = build(name, folder, database_url)
    calls = calls_of(app)
    pipe.send({
        "queries": {call: queries_of(app, call, calls[call]) for call in calls},
        "database": database_of(app),
        # On PostgreSQL, each page's statements, the pool's checks included.
        "sent": {call: statements_sent(calls[call]) for call in ("anonymous", "logged in")}
        if database_url else None,
    })
    for order in iter(pipe.recv, None):
        if order[0] == "time":
            _, names, requests = order
            pipe.send(take_turns([calls[call] for call in names], requests))
        elif order[0] == "profile":
            profile(label, calls["logged in"], order[1])
            pipe.send(None)
