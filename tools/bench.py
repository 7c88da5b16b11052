"""What loading the user costs, per request: `make bench` prints a table.

    python -m tools.bench [--rounds 7] [--requests 300] [--profile]

Requests go through each app's WSGI interface in this process (Flask's test
client): no network, so the figures are the framework's and the loader's own
cost. Every client logs in through its app's own login form. The scenarios
take turns, round after round, in one run, and each figure is the median of
its rounds. The peer is the same pages in a Flask-SQLAlchemy app with the
Flask Mega-Tutorial's loader, `db.session.get(User, int(id))`, rendering
step 4's own templates.

The budget: being logged in (the logged-in home page minus the anonymous
one) costs step 4 at most 1/1.5 of what it costs the peer. The table says
whether it holds; no test asserts a time.
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
from pathlib import Path

from flask import Blueprint, Flask, redirect, render_template, request, session
from flask_login import LoginManager, UserMixin, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from playhouse.test_utils import count_queries
from sqlalchemy import event
from werkzeug.security import check_password_hash, generate_password_hash

from tests.forms import CSRF_FIELD
from tests.steps import ROOT

# Being logged in costs step 4 at most this share of what it costs the peer.
LOGGED_IN_BUDGET = 1 / 1.5
CONFIG = {"TESTING": True, "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"}
HASH_METHODS = ["scrypt:131072:8:1", "scrypt:32768:8:1", "pbkdf2:sha256:1000000", "pbkdf2:sha256:600000"]


def step_app(name, folder):
    """A step's app with its default database settings, on a file of its own."""
    module = __import__(name)
    default = module.create_app(CONFIG).config["DATABASE"]
    database = {**default, "name": str(Path(folder) / f"{name}.db")}
    app = module.create_app({**CONFIG, "DATABASE": database})
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    return app


def peer_app(folder):
    """Step 4's pages, served by Flask-SQLAlchemy with the Mega-Tutorial's loader."""
    step4 = ROOT / "step04_database"
    app = Flask("peer", template_folder=step4 / "templates", static_folder=step4 / "static")
    app.config.update(CONFIG, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/peer.db")
    db = SQLAlchemy(app)

    class User(UserMixin, db.Model):
        __tablename__ = "users"
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(64), unique=True, nullable=False)
        password_hash = db.Column(db.String(255), nullable=False)
        active = db.Column(db.Boolean, default=True, nullable=False)

        @property
        def is_active(self):
            return self.active

    login_manager = LoginManager(app)

    @login_manager.user_loader
    def load_user(user_id):
        return db.session.get(User, int(user_id))

    app.load_user = load_user

    def login():
        if request.method == "POST":
            user = db.session.scalar(db.select(User).filter_by(name=request.form["username"]))
            if user and check_password_hash(user.password_hash, request.form["password"]):
                session.clear()
                login_user(user)
                return redirect("/")
        return render_template("login.html")

    CSRFProtect(app)
    pages, auth = Blueprint("pages", "peer"), Blueprint("auth", "peer")
    app.add_url_rule("/", "index", lambda: render_template("index.html"))
    pages.add_url_rule("/profile", "profile", login_required(lambda: render_template("profile.html", fresh=True)))
    pages.add_url_rule("/settings", "settings", lambda: "")
    auth.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    auth.add_url_rule("/logout", "logout", lambda: "", methods=["POST"])
    app.register_blueprint(pages)
    app.register_blueprint(auth)
    with app.app_context():
        db.create_all()
        db.session.add(User(name="alice", password_hash=generate_password_hash("wonderland", "pbkdf2:sha256:1")))
        db.session.commit()

    queries = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: queries.append(1))
    app.queries = queries
    return app


def build(folder):
    """The apps compared: steps 4 and 5, and the peer."""
    return step_app("step04_database", folder), step_app("step05_request_loader", folder), peer_app(folder)


def logged_in(app):
    """A client that logged in as alice through the app's login form."""
    client = app.test_client()
    token = CSRF_FIELD.search(client.get("/login").text).group(1)
    form = {"csrf_token": token, "username": "alice", "password": "wonderland"}
    assert client.post("/login", data=form).status_code == 302
    return client


def session_id(client):
    with client.session_transaction() as session:
        return session["_user_id"]


def loaders(step4, peer, step4_alice, peer_alice):
    """Each registered user loader on its own, as a request calls it (a connection, a session)."""
    from step04_database import db

    ours, theirs = step4.login_manager.user_callback, peer.login_manager.user_callback
    our_id, their_id = session_id(step4_alice), session_id(peer_alice)

    def our_loader():
        with step4.test_request_context():
            db.connect_db()
            ours(our_id)
            db.close_db(None)

    def their_loader():
        with peer.test_request_context():  # Flask-SQLAlchemy's session ends with the context
            theirs(their_id)

    return [
        ("step 4: the login and its user by the token's hash, one query; its connection from the pool",
         our_loader, "peewee"),
        ("peer: `db.session.get(User, int(user_id))`", their_loader, peer),
    ]


def scenarios(step4, step5, peer, step4_alice, peer_alice):
    """Name, what to call, and how to count its SQL queries."""
    result = step5.test_cli_runner().invoke(args=["issue-token", "alice"])
    token = result.output.splitlines()[-1]
    anonymous, api, peer_anonymous = step4.test_client(), step5.test_client(), peer.test_client()
    return [
        ("step 4, anonymous home page", lambda: anonymous.get("/"), "peewee"),
        ("step 4, logged-in home page", lambda: step4_alice.get("/"), "peewee"),
        ("step 4, @login_required page", lambda: step4_alice.get("/profile"), "peewee"),
        ("step 5, API call with a token", lambda: api.get("/api/me", headers={"Authorization": f"Bearer {token}"}), "peewee"),
        ("peer: Flask-SQLAlchemy, anonymous home page", lambda: peer_anonymous.get("/"), peer),
        ("peer: Flask-SQLAlchemy, logged-in home page", lambda: peer_alice.get("/"), peer),
    ]


def queries_per_request(request, counter):
    response = request()
    assert getattr(response, "status_code", 200) == 200, response.status_code
    if counter == "peewee":
        with count_queries() as counted:
            request()
        return counted.count
    before = len(counter.queries)
    request()
    return len(counter.queries) - before


def measure(rounds, requests, measured):
    queries = [queries_per_request(request, counter) for _, request, counter in measured]
    timings = [[] for _ in measured]
    for round_number in range(rounds):
        # Take turns, starting with a different scenario each round.
        order = list(range(len(measured)))
        order = order[round_number % len(order):] + order[:round_number % len(order)]
        for index in order:
            request = measured[index][1]
            started = time.perf_counter()
            for _ in range(requests):
                request()
            timings[index].append((time.perf_counter() - started) / requests)
    return [(name, statistics.median(times), count) for (name, _, _), times, count in zip(measured, timings, queries)]


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
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def logged_in_costs(results):
    """What being logged in costs step 4 and the peer: logged-in minus anonymous, same page."""
    seconds = {name: figure for name, figure, _ in results}
    ours = seconds["step 4, logged-in home page"] - seconds["step 4, anonymous home page"]
    theirs = (seconds["peer: Flask-SQLAlchemy, logged-in home page"]
              - seconds["peer: Flask-SQLAlchemy, anonymous home page"])
    return ours, theirs


def table(results, loader_times, costs):
    anonymous = results[0][1]
    ours, theirs = logged_in_costs(results)
    lines = [
        "| request | µs per request | × step 4 anonymous | SQL queries |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, seconds, queries in results:
        lines.append(f"| {name} | {seconds * 1e6:.0f} | {seconds / anonymous:.2f} | {queries} |")
    verdict = "within" if ours <= theirs * LOGGED_IN_BUDGET else "OVER"
    lines += [
        "",
        f"Being logged in (the logged-in home page minus the anonymous one: the user loader, the"
        f" logout form's CSRF token) costs step 4 {ours * 1e6:.0f} µs and the peer"
        f" {theirs * 1e6:.0f} µs: {ours / theirs:.2f} of the peer's, {verdict} the budget of"
        f" {LOGGED_IN_BUDGET:.2f}.",
        "",
        "| the user loader alone, per call | µs | SQL queries |",
        "| --- | ---: | ---: |",
        *(f"| {name} | {seconds * 1e6:.0f} | {queries} |" for name, seconds, queries in loader_times),
        "",
        "| one login: checking the password with | ms |",
        "| --- | ---: |",
    ]
    lines += [f"| `{method}` | {seconds * 1e3:.0f} |" for method, seconds in costs]
    return "\n".join(lines)


def profile(request, requests):
    """Where the time of a logged-in request goes: the top of cProfile's list."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        request()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(r"flask_login|flask_peewee|peewee.py|step04|jinja2/environment|sqlite3", 25)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=300, help="requests per scenario per round")
    parser.add_argument("--profile", action="store_true", help="profile a logged-in request instead")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        step4, step5, peer = build(folder)
        step4_alice, peer_alice = logged_in(step4), logged_in(peer)
        if args.profile:
            profile(lambda: step4_alice.get("/"), args.requests)
            return 0
        results = measure(args.rounds, args.requests,
                          scenarios(step4, step5, peer, step4_alice, peer_alice))
        loader_times = measure(args.rounds, args.requests,
                               loaders(step4, peer, step4_alice, peer_alice))
    print(f"Measured on {machine()}, {time.strftime('%Y-%m-%d')}:")
    print(f"{args.rounds} interleaved rounds of {args.requests} requests (or loader calls) per"
          " scenario; medians.\n")
    print(table(results, loader_times, login_costs()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
