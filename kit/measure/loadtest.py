"""A bounded load test of a step under gunicorn: logins, pages and add-user at once.

    python -m kit.measure.loadtest [--clients 8] [--seconds 20] [--workers 4]
                             [--step step08_production] [--database-url postgresql://...]

Traffic goes to 127.0.0.1 only, and stops by itself after --seconds. Each
client logs in (as alice or bob, again every 25 pages) and reads the home
page and the profile, checking it sees its own name. Meanwhile two threads
run `flask add-user` for the same new names at the same moment: for each
name exactly one must succeed. Afterwards every name must be in the users
table exactly once. Prints what was served; exits 1 on any 5xx, connection
error, wrong page, or row lost or doubled.
"""

import argparse
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from statistics import median, quantiles

from kit.databases import empty_postgresql
from kit.forms import FormClient
from kit.http import HttpClient
from kit.serving import Deployment

DEMO = [("alice", "wonderland"), ("bob", "bobthebuilder")]


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = Counter()
        self.latencies = []
        self.errors = Counter()
        self.wrong_pages = 0

    def timed(self, call, *arguments):
        started = time.perf_counter()
        try:
            response = call(*arguments)
        except OSError as error:
            with self.lock:
                self.errors[type(error).__name__] += 1
            return None
        with self.lock:
            self.latencies.append(time.perf_counter() - started)
            self.statuses[response.status_code] += 1
        return response


def visitor(base, number, deadline, tally):
    client = FormClient(HttpClient(base))
    name, password = DEMO[number % len(DEMO)]
    pages = 0
    while time.monotonic() < deadline:
        if pages % 25 == 0:
            tally.timed(client.login, name, password)
        for path in ("/", "/profile"):
            page = tally.timed(client.client.get, path)
            if page is not None and page.status_code == 200 and name not in page.text:
                with tally.lock:
                    tally.wrong_pages += 1
        pages += 2


def adder(deployment, names, barrier, outcomes):
    """Add each name, at the same moment as the other adder thread."""
    for name in names:
        try:
            barrier.wait(timeout=120)
        except threading.BrokenBarrierError:
            return
        result = deployment.flask("add-user", name, "--password", "load-test-password")
        outcomes.append((name, result.returncode, result.stdout + result.stderr))


def rows_by_name(deployment, database_url):
    query = "SELECT name, count(*) FROM users GROUP BY name"
    if database_url:
        import psycopg

        with psycopg.connect(database_url) as connection:
            return dict(connection.execute(query).fetchall())
    path = deployment.folder / "instance" / f"{deployment.name}.db"
    with sqlite3.connect(path) as connection:
        return dict(connection.execute(query).fetchall())


def run(step="step08_production", clients=8, seconds=20, workers=4, database_url=None):
    """Serve the step, load it, check the rows; return the figures."""
    if database_url:
        empty_postgresql(database_url)
    with tempfile.TemporaryDirectory() as folder:
        deployment = Deployment(step, folder, database_url=database_url)
        initialised = deployment.flask("init-db")
        if initialised.returncode != 0:
            raise RuntimeError(initialised.stderr)
        base = deployment.serve(workers=workers)
        try:
            tally = Tally()
            started = time.monotonic()
            deadline = started + seconds
            names = [f"load{number}" for number in range(1000)]
            barrier = threading.Barrier(2)
            outcomes = []
            threads = [
                threading.Thread(target=visitor, args=(base, number, deadline, tally))
                for number in range(clients)
            ] + [
                threading.Thread(target=adder, args=(deployment, names, barrier, outcomes))
                for _ in range(2)
            ]
            for thread in threads:
                thread.start()
            for thread in threads[:clients]:
                thread.join()
            barrier.abort()  # the adders finish the name they are on, and stop
            for thread in threads[clients:]:
                thread.join()
            elapsed = time.monotonic() - started
        finally:
            deployment.stop()
        rows = rows_by_name(deployment, database_url)

    added = Counter(name for name, code, _ in outcomes if code == 0)
    refused = Counter(name for name, code, output in outcomes
                      if code == 1 and "There is already a user called" in output)
    attempted = {name for name, _, _ in outcomes}
    return {
        "seconds": elapsed,
        "requests": sum(tally.statuses.values()),
        "statuses": dict(tally.statuses),
        "errors": dict(tally.errors),
        "wrong_pages": tally.wrong_pages,
        "latencies": tally.latencies,
        "adds_attempted": len(outcomes),
        "adds_succeeded": sum(added.values()),
        "adds_refused_as_duplicates": sum(refused.values()),
        # Every name tried by both threads: added exactly once, refused once,
        # and in the table exactly once.
        "names_not_added_exactly_once": sorted(name for name in attempted if added[name] != 1),
        "rows_lost_or_doubled": sorted(name for name in attempted if rows.get(name) != 1),
    }


def problems(figures):
    found = []
    if any(status >= 500 for status in figures["statuses"]):
        found.append("5xx answers")
    if figures["errors"]:
        found.append("connection errors")
    if figures["wrong_pages"]:
        found.append("pages showing another user")
    if figures["names_not_added_exactly_once"] or figures["rows_lost_or_doubled"]:
        found.append("users lost or doubled")
    if not figures["requests"]:
        found.append("no requests served")
    return found


def report(figures, label):
    latencies = sorted(figures["latencies"]) or [0]
    p95 = quantiles(latencies, n=20)[-1] if len(latencies) > 1 else latencies[0]
    statuses = ", ".join(f"{count} x {status}" for status, count in sorted(figures["statuses"].items()))
    return "\n".join([
        f"Load test, {label}:",
        f"  requests     {figures['requests']} in {figures['seconds']:.1f} s"
        f" ({figures['requests'] / figures['seconds']:.0f}/s): {statuses}",
        f"  latency      median {median(latencies) * 1000:.0f} ms, 95th percentile {p95 * 1000:.0f} ms",
        f"  errors       {sum(figures['errors'].values())} connection errors,"
        f" {figures['wrong_pages']} pages showing another user",
        f"  add-user     {figures['adds_attempted']} runs: {figures['adds_succeeded']} added,"
        f" {figures['adds_refused_as_duplicates']} refused as duplicates",
        f"  rows         lost or doubled: {len(figures['rows_lost_or_doubled'])}",
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m kit.measure.loadtest", description=__doc__.split("\n")[0])
    parser.add_argument("--step", default="step08_production")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url", help="a PostgreSQL database the test may wipe (default: SQLite)")
    args = parser.parse_args(argv)
    figures = run(args.step, args.clients, args.seconds, args.workers, args.database_url)
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(report(figures, f"{args.step} on {database}, {args.clients} clients, {args.workers} workers"))
    found = problems(figures)
    if found:
        print("FAILED: " + ", ".join(found))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
