"""What loading the user costs, per request: `make bench` prints a table.

    python -m kit.measure.bench [--rounds 21] [--requests 100] [--profile]

Requests go through each app's WSGI interface in this process (Flask's test
client): no network, so the figures are the framework's and the loader's own
cost. Every client logs in through its app's own login form.

Compared: step 4 (its loader: `User.get_by_id` inside try / except
User.DoesNotExist) and step 7 (its loader: a peewee join from the login to
its user inside try / except Login.DoesNotExist), each on its default
database settings (a SQLite file through a pool, from which Flask-Peewee
borrows a connection for every request), against a peer: the same
pages in a Flask-SQLAlchemy app with the Flask Mega-Tutorial's loader,
`db.session.get(User, int(id))`, rendering step 4's own templates, on a
SQLite file through SQLAlchemy's connection pool.

What is compared is the cost of being logged in: the logged-in home page
minus the anonymous one. In every round, the four pages (a step's two and
the peer's two) take turns request by request (ours, the peer's, ours, the
peer's...), so that all four meet the same load on the machine; a page's
figure for the round is the median of its requests there. Each round gives
one ratio, ours over the peer's, and the verdict is the median of those
ratios (and the differences, the median of the rounds' differences).

The budget: the peer pays at least 1.5 times what being logged in costs a
step, that is a ratio of at most 1/1.5. Token calls (`GET /api/me` with a
Bearer token) are timed in every step that has them, taking turns; the
budget is 2.5 ms each on SQLite. The table says whether each step
holds it; no test asserts a time, and the exit status does not depend on it.
"""

import argparse
import cProfile
import os
import platform
import pstats
import re
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from playhouse.test_utils import count_queries
from werkzeug.security import check_password_hash, generate_password_hash

from kit.forms import FormClient
from kit.measure.peer import peer_app

# Being logged in costs a step at most this share of what it costs the peer.
LOGGED_IN_BUDGET = 1 / 1.5
CONFIG = {"TESTING": True, "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"}
# The steps compared, and what their user loaders do.
STEPS = [
    ("step 4", "step04_database", "`User.get_by_id` inside try / except User.DoesNotExist"),
    ("step 7", "step07_ending_logins", "a join of the login and its user inside try / except Login.DoesNotExist"),
]
PEER_LOADER = "`db.session.get(User, int(user_id))`"
# The steps with API tokens, and the most a token call may take on SQLite.
TOKEN_STEPS = [("step 5", "step05_request_loader"), ("step 6", "step06_remember_me"),
               ("step 7", "step07_ending_logins"), ("step 8", "step08_production")]
TOKEN_CALL_BUDGET = 2.5e-3
HASH_METHODS = ["scrypt:131072:8:1", "scrypt:32768:8:1", "pbkdf2:sha256:1000000", "pbkdf2:sha256:600000"]


def step_app(name, folder):
    """A step's app with its default database settings, on a file of its own."""
    module = __import__(name)
    default = module.create_app(CONFIG).config["DATABASE"]
    database = {**default, "name": str(Path(folder) / f"{name}.db")}
    app = module.create_app({**CONFIG, "DATABASE": database})
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    app.flask_peewee = sys.modules[f"{name}.db"].db
    return app


def logged_in(app):
    """A client that logged in as alice through the app's login form."""
    visitor = FormClient(app.test_client())
    assert visitor.login("alice", "wonderland").status_code == 302
    return visitor.client


class Side:
    """One app's two home pages, anonymous and logged in, and how to count its queries."""

    def __init__(self, label, app, loader):
        self.label, self.app, self.loader_name = label, app, loader
        anonymous, alice = app.test_client(), logged_in(app)
        self.pages = {"anonymous": lambda: anonymous.get("/"), "logged in": lambda: alice.get("/")}
        with alice.session_transaction() as cookie:
            self.user_id = cookie["_user_id"]

    def queries(self, request):
        """SQL queries of one call of request, after a first one to warm up."""
        response = request()
        assert getattr(response, "status_code", 200) == 200, response.status_code
        if hasattr(self.app, "queries"):  # the peer: SQLAlchemy's event
            before = len(self.app.queries)
            request()
            return len(self.app.queries) - before
        with count_queries() as counted:  # peewee's log
            request()
        return counted.count

    def loader(self):
        """The registered user loader, called as a request calls it, with this side's id.

        Each call is a request context of its own: Flask-SQLAlchemy's session
        (its identity map, its pooled connection) ends with it. Flask-Peewee
        opens its connection before every request, loader or not: for a step,
        call it inside connection_kept_open(), so that it is not counted.
        """
        load, user_id, context = self.app.login_manager._user_callback, self.user_id, self.app.test_request_context

        def call():
            with context():
                assert load(user_id) is not None

        return call


def take_turns(calls, requests):
    """Each call's time, the calls taking turns one by one, `requests` times over.

    Returns each call's median: its typical time, leaving out the few calls
    that the machine's other work interrupted.
    """
    clock = time.perf_counter
    times = [[] for _ in calls]
    for _ in range(requests):
        for call, timings in zip(calls, times):
            started = clock()
            call()
            timings.append(clock() - started)
    return [statistics.median(timings) for timings in times]


def compare(step, peer, rounds, requests):
    """Per round: the step's two home pages and the peer's, taking turns request by request.

    Returns the rounds, each a dict of seconds per request, with the cost of
    being logged in (logged in minus anonymous) on each side.
    """
    order = [("our", step, "anonymous"), ("their", peer, "anonymous"),
             ("our", step, "logged in"), ("their", peer, "logged in")]
    results = []
    for number in range(rounds):
        # Every other round the other way round: the peer first, the logged-in pages first.
        turns = order if number % 2 == 0 else order[::-1]
        figures = take_turns([side.pages[page] for _, side, page in turns], requests)
        seconds = {f"{whose} {page}": figure for (whose, _, page), figure in zip(turns, figures)}
        seconds["ours"] = seconds["our logged in"] - seconds["our anonymous"]
        seconds["theirs"] = seconds["their logged in"] - seconds["their anonymous"]
        results.append(seconds)
    return results


@contextmanager
def connection_kept_open(app):
    """The step's connection, open across request contexts (Flask-Peewee closes it at teardown)."""
    plugin = app.flask_peewee
    teardown = app.teardown_request_funcs[None]
    index = teardown.index(plugin.close_db)
    del teardown[index]
    plugin.database.connect(reuse_if_open=True)
    try:
        yield
    finally:
        plugin.database.close()
        teardown.insert(index, plugin.close_db)


def compare_loaders(step, peer, rounds, requests):
    """Seconds per call of the step's loader and the peer's, taking turns: medians of rounds."""
    ours, theirs = step.loader(), peer.loader()
    with connection_kept_open(step.app):
        timings = [take_turns([ours, theirs] if number % 2 == 0 else [theirs, ours], requests)
                   for number in range(rounds)]
    # Every other round, the peer went first.
    timings = [pair if number % 2 == 0 else pair[::-1] for number, pair in enumerate(timings)]
    return statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings)


def connection_cost(app, rounds, requests):
    """Seconds to open and close the step's connection, as Flask-Peewee does for every request."""
    database = app.flask_peewee.database

    def connect_and_close():
        database.connect()
        database.close()

    return statistics.median(take_turns([connect_and_close], requests)[0] for _ in range(rounds))


def token_call_costs(folder, rounds, requests):
    """Seconds per token call (GET /api/me with a Bearer token) in each step that has tokens:
    the steps taking turns call by call, the median of each round, the median of the rounds."""
    calls = []
    for _, name in TOKEN_STEPS:
        app = step_app(name, folder)
        issued = app.test_cli_runner().invoke(args=["issue-token", "alice", "--name", "bench"])
        assert issued.exit_code == 0, issued.output
        client, headers = app.test_client(), {"Authorization": f"Bearer {issued.output.split()[-1]}"}

        def call(client=client, headers=headers):
            assert client.get("/api/me", headers=headers).status_code == 200

        calls.append(call)
    timings = [take_turns(calls, requests) for _ in range(rounds)]
    return [(label, statistics.median(t[index] for t in timings))
            for index, (label, _) in enumerate(TOKEN_STEPS)]


def quartiles(values):
    if len(values) < 2:
        return values[0], values[0]
    low, _, high = statistics.quantiles(values, n=4, method="inclusive")
    return low, high


def login_costs():
    """Seconds to check one password, by hash method (median of 3)."""
    costs = []
    for method in HASH_METHODS:
        stored = generate_password_hash("wonderland", method)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            check_password_hash(stored, "wonderland")
            times.append(time.perf_counter() - started)
        costs.append((method, statistics.median(times)))
    return costs


def machine():
    model = "unknown CPU"
    if os.path.exists("/proc/cpuinfo"):
        found = re.search(r"model name\s*: (.+)", Path("/proc/cpuinfo").read_text())
        model = found.group(1) if found else model
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return f"{model}, {os.cpu_count()} cores{load}, Python {platform.python_version()}, {platform.system()}"


def µs(seconds):
    return f"{seconds * 1e6:.0f}"


def table(compared, loader_times, connections, costs, token_calls=()):
    """The figures, as Markdown tables and a verdict per step."""
    lines = [
        "| request | µs per request | SQL queries |",
        "| --- | ---: | ---: |",
    ]
    for side, rounds, queries in compared:
        for page, key in (("anonymous", "our anonymous"), ("logged-in", "our logged in")):
            figure = statistics.median(r[key] for r in rounds)
            lines.append(f"| {side.label}, {page} home page | {µs(figure)} | {queries[key]} |")
    for page, key in (("anonymous", "their anonymous"), ("logged-in", "their logged in")):
        figure = statistics.median(r[key] for side, all_rounds, _ in compared for r in all_rounds)
        lines.append(f"| peer: Flask-SQLAlchemy, {page} home page | {µs(figure)} | {compared[0][2][key]} |")
    lines += [
        "",
        "Being logged in: the logged-in home page minus the anonymous one (the user loader, the"
        " logout form's CSRF token), for the step and for the peer, in the same round; medians of"
        " the rounds' figures, differences and ratios, and the middle half of the rounds' ratios.",
        "",
        "| being logged in | ours, µs | the peer's, µs | ours − the peer's, µs | ours / the peer's |"
        " middle half of the ratios | budget |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    verdicts = []
    for side, rounds, _ in compared:
        ratios = [r["ours"] / r["theirs"] for r in rounds]
        ratio = statistics.median(ratios)
        low, high = quartiles(ratios)
        verdict = "within" if ratio <= LOGGED_IN_BUDGET else "OVER"
        lines.append(
            f"| {side.label} | {µs(statistics.median(r['ours'] for r in rounds))}"
            f" | {µs(statistics.median(r['theirs'] for r in rounds))}"
            f" | {µs(statistics.median(r['ours'] - r['theirs'] for r in rounds))}"
            f" | {ratio:.2f} | {low:.2f}–{high:.2f} | {verdict} |"
        )
        verdicts.append(f"{side.label}: {ratio:.2f} of the peer's, {verdict} the budget of {LOGGED_IN_BUDGET:.2f}.")
    lines += [
        "",
        *verdicts,
        "",
        "| the user loader alone, per call (in a request context; our connection already open) | µs | SQL queries |",
        "| --- | ---: | ---: |",
    ]
    for name, seconds, queries in loader_times:
        lines.append(f"| {name} | {µs(seconds)} | {queries} |")
    lines += [
        "",
        "| opening and closing a step's connection, as Flask-Peewee does for every request | µs |",
        "| --- | ---: |",
        *(f"| {label}: `{engine}` | {µs(seconds)} |" for label, engine, seconds in connections),
        "",
        "| a token call: `GET /api/me` with a Bearer token (the request loader's one query) | µs | budget |",
        "| --- | ---: | --- |",
        *(f"| {label} | {µs(seconds)} | {'within' if seconds <= TOKEN_CALL_BUDGET else 'OVER'}"
          f" {TOKEN_CALL_BUDGET * 1e6:.0f} |" for label, seconds in token_calls),
        "",
        "| one login: checking the password with | ms |",
        "| --- | ---: |",
        *(f"| `{method}` | {seconds * 1e3:.0f} |" for method, seconds in costs),
    ]
    return "\n".join(lines)


def profile(sides, requests):
    """Where the time of a logged-in request goes: the top of cProfile's list, per step."""
    for side in sides:
        print(f"\n{side.label}, logged-in home page, {requests} requests:")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            side.pages["logged in"]()
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(
            r"flask_login|flask_peewee|peewee.py|step0[46]|jinja2/environment|sqlite3", 25)


def measure(steps, peer, rounds, requests):
    """What the table shows: each step's pages against the peer's, then the loaders alone."""
    compared, loader_times, connections = [], [], []
    for step in steps:
        queries = {f"{whose} {page}": side.queries(side.pages[page])
                   for whose, side in (("our", step), ("their", peer)) for page in side.pages}
        compared.append((step, compare(step, peer, rounds, requests), queries))
    for step in steps:
        with connection_kept_open(step.app):
            our_queries = step.queries(step.loader())
        their_queries = peer.queries(peer.loader())
        ours, theirs = compare_loaders(step, peer, rounds, requests)
        loader_times.append((f"{step.label}: {step.loader_name}", ours, our_queries))
        loader_times.append((f"peer, taking turns with {step.label}: {peer.loader_name}", theirs, their_queries))
        engine = step.app.config["DATABASE"]["engine"]
        connections.append((step.label, engine, connection_cost(step.app, rounds, requests)))
    return compared, loader_times, connections


def connecting(engine):
    """What Flask-Peewee's connection before every request means with this engine."""
    if "Pooled" in engine:
        return "a connection borrowed from the pool for every request"
    return "a new connection for every request"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m kit.measure.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--requests", type=int, default=100,
                        help="requests (or loader calls) of each page per round")
    parser.add_argument("--profile", action="store_true", help="profile a logged-in request instead")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        steps = [Side(label, step_app(name, folder), loader) for label, name, loader in STEPS]
        peer = Side("peer", peer_app(folder, CONFIG), PEER_LOADER)
        if args.profile:
            profile(steps, args.requests)
            return 0
        compared, loader_times, connections = measure(steps, peer, args.rounds, args.requests)
        token_calls = token_call_costs(folder, args.rounds, args.requests)
    print(f"Measured on {machine()}, {time.strftime('%Y-%m-%d')}.")
    print("Databases: " + "; ".join(f"{label}, a SQLite file through `{engine}` ({connecting(engine)})"
                                    for label, engine, _ in connections)
          + f"; the peer, a SQLite file through SQLAlchemy's `{peer.app.pool_name}`.")
    print(f"{args.rounds} rounds of {args.requests} requests (or loader calls) of each page, ours and the"
          " peer's taking turns one by one; a round's figure is the median of its requests, and the"
          " tables show medians over the rounds.\n")
    print(table(compared, loader_times, connections, login_costs(), token_calls))
    return 0


if __name__ == "__main__":
    sys.exit(main())
