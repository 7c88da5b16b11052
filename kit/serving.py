"""A step served on 127.0.0.1: in a thread as `make run` serves it, or by gunicorn.

`serve_in_a_thread` runs the test's own app on Werkzeug's server, as
`flask run --debug` would (plain HTTP, debug on): the docs tests run the
chapters' curl sessions against it, and the browser tests drive it.

`Deployment` serves a step as in production. The step's package is copied
into a folder of its own, so that its instance folder (and SQLite database)
is that folder's. SECRET_KEY and DATABASE_URL come from the environment,
debug is off, and gunicorn serves it on 127.0.0.1 with several worker
processes. kit/http.py talks to it as a browser behind a TLS-terminating
proxy would.
"""

import contextlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from werkzeug.serving import make_server

from kit.forms import FormClient
from kit.http import HttpClient
from kit.steps import ROOT

# What `flask run --debug` puts in the environment before it makes the app:
# FLASK_DEBUG for --debug, FLASK_RUN_FROM_CLI for being the flask command. The
# steps relax Secure cookies only when both are there.
FLASK_RUN_DEBUG = {"FLASK_DEBUG": "1", "FLASK_RUN_FROM_CLI": "true"}


@contextlib.contextmanager
def serve_in_a_thread(app):
    """Serve app on 127.0.0.1 until the block ends; give its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


class Deployment:
    def __init__(self, step_name, folder, database_url=None, secret_key=None):
        self.name = step_name
        self.folder = Path(folder)
        shutil.copytree(
            ROOT / step_name, self.folder / step_name,
            ignore=shutil.ignore_patterns("README.md", "screenshots", "__pycache__"),
        )
        self.env = {**os.environ, "FLASK_SECRET_KEY": secret_key or secrets.token_hex(32)}
        for name in FLASK_RUN_DEBUG:
            self.env.pop(name, None)
        self.env.pop("DATABASE_URL", None)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.servers = []

    def flask(self, *arguments):
        """Run a `flask --app STEP` command in the deployment's folder."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", self.name, *arguments],
            cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=120,
        )

    def serve_for_development(self):
        """Start `flask run`, Werkzeug's threaded development server (debug off); return its address."""
        log = self.folder / f"flask-run-{len(self.servers)}.log"
        with log.open("w") as stderr:
            server = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", self.name, "run", "--port", "0"],
                cwd=self.folder, env=self.env, stdout=subprocess.DEVNULL, stderr=stderr,
            )
        self.servers.append(server)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            running = re.search(r"Running on http://127\.0\.0\.1:(\d+)", log.read_text())
            if running:
                return f"http://127.0.0.1:{running.group(1)}"
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"flask run did not start:\n{log.read_text()}")

    def serve(self, workers=2, secret_key=None):
        """Start gunicorn; return its address, such as http://127.0.0.1:41234."""
        env = dict(self.env)
        if secret_key:
            env["FLASK_SECRET_KEY"] = secret_key
        log = self.folder / f"gunicorn-{len(self.servers)}.log"
        with log.open("w") as stderr:  # gunicorn keeps its own copy of the file
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", str(workers),
                 "--bind", "127.0.0.1:0", f"{self.name}:create_app()"],
                cwd=self.folder, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
            )
        self.servers.append(server)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            listening = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text())
            booted = log.read_text().count("Booting worker")
            if listening and booted == workers:
                base = f"http://127.0.0.1:{listening.group(1)}"
                try:
                    if HttpClient(base).get("/").status_code == 200:
                        return base
                except OSError:
                    pass  # a worker that failed to boot: gunicorn is about to exit
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}")

    def stop(self):
        for server in self.servers:
            server.terminate()
            server.wait(timeout=30)
        self.servers = []


def wrong_passwords_at_once(bases, count, address=None):
    """`count` wrong passwords for alice, all from one address: what a guesser does to race a limit."""
    return passwords_at_once(bases, [f"guess-{number}" for number in range(count)], [address] * count)


def passwords_at_once(bases, passwords, addresses):
    """Passwords for alice, sent at the same moment over the servers; the statuses, sorted.

    Each comes from a browser of its own (its own session and CSRF token), at
    the address given beside it.
    """
    clients = [FormClient(HttpClient(bases[number % len(bases)], address))
               for number, address in enumerate(addresses)]
    forms = [{"csrf_token": client.csrf_token(), "username": "alice", "password": password}
             for client, password in zip(clients, passwords)]
    count = len(clients)
    start = threading.Barrier(count)

    def guess(client, form):
        start.wait(timeout=60)
        return client.client.post("/login", data=form).status_code

    with ThreadPoolExecutor(max_workers=count) as pool:
        return sorted(pool.map(guess, clients, forms))
