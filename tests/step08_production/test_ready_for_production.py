"""Step 8: ready for production: the secret key, security headers, body limits, PostgreSQL."""

import io
import os
import threading
import time
from urllib.parse import urlencode

import peewee
import psycopg
import pytest
from flask import template_rendered
from flask_peewee.utils import load_class
from playhouse.pool import PooledDatabase

from kit.databases import close, database_of, init_db, run_command, sqlite_config
from kit.forms import FormClient
from kit.pages import words
from kit.relay import Relay
from tests.tokens import assert_json_error, bearer, tokens_of

pytestmark = [pytest.mark.concept("Ready for production: secret key, headers, body limits, PostgreSQL"), pytest.mark.section("Ready for production")]


@pytest.mark.section("Ready for production", "The secret key")
@pytest.mark.requirement("8.4")
class TestSecretKey:
    """SECRET_KEY comes from the environment or the instance folder, never the repository.

    The words of the refusal are the step's own.
    """

    def test_production_without_a_key_refuses_to_start(self, step, monkeypatch):
        monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
        with pytest.raises(RuntimeError):
            step.module.create_app({"TESTING": False})

    def test_production_takes_the_key_from_the_environment(self, step, monkeypatch):
        monkeypatch.setenv("FLASK_SECRET_KEY", "k" * 64)
        app = step.module.create_app(
            {"TESTING": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"}
        )
        assert app.secret_key == "k" * 64

    def test_flask_debug_left_set_under_a_production_server_still_needs_a_key(
        self, step, monkeypatch, debug_left_on_in_production
    ):
        """gunicorn with FLASK_DEBUG=1: Flask turns debug on, and this is still production."""
        monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
        with pytest.raises(RuntimeError):
            step.module.create_app({"TESTING": False})


@pytest.mark.section("Security headers", "`add_security_headers`, registered with")
@pytest.mark.requirement("8.5")
@pytest.mark.parametrize("path", ["/", "/login", "/profile", "/api/me", "/nothing-here"])
def test_every_answer_carries_the_security_headers(client, auth, path):
    """HTTPS only, no content sniffing, no framing: on pages, redirects, the API and errors."""
    auth.login()
    response = client.get(path)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(response.headers["Strict-Transport-Security"].split("=")[1].split(";")[0]) >= 31536000
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.section("Ready for production", "Bounded bodies")
@pytest.mark.requirement("8.5")
def test_an_oversized_body_gets_413(client, auth):
    response = client.post(
        "/login",
        data={"csrf_token": auth.csrf_token(), "username": "a" * 20_000, "password": "x"},
    )
    assert response.status_code == 413


def post_chunked(client, path, fields):
    """A form sent as a chunked body, which says no Content-Length up front, to a server
    that reads chunked bodies (gunicorn, Flask's own: they set wsgi.input_terminated)."""
    return client.post(path, input_stream=io.BytesIO(urlencode(fields).encode()),
                       content_type="application/x-www-form-urlencoded",
                       headers={"Transfer-Encoding": "chunked"},
                       environ_overrides={"wsgi.input_terminated": True})


@pytest.mark.section("Ready for production", "Bounded bodies")
@pytest.mark.requirement("8.5")
def test_an_oversized_chunked_body_gets_413_not_a_form_cut_short(client, auth):
    """Without a length to refuse first, Werkzeug would read to the limit and parse what it
    read: a form that lost its end (here the CSRF token) without a word."""
    fields = {"username": "a" * 20_000, "password": "x", "csrf_token": auth.csrf_token()}
    assert post_chunked(client, "/login", fields).status_code == 413
    fields = {"username": "alice", "password": "wonderland", "csrf_token": auth.csrf_token()}
    assert post_chunked(client, "/login", fields).status_code == 302
    assert "Hello, alice!" in words(client.get("/").text)


@pytest.mark.section("Ready for production", "Bounded bodies")
@pytest.mark.requirement("8.5")
def test_an_oversized_body_gets_413_in_json(client, auth, issue, new_visitor):
    """A browser session's call is checked for a CSRF token, in the form it sends."""
    token = issue()
    program = new_visitor().client
    auth.login()
    response = client.delete(
        f"/api/tokens/{tokens_of(program, token)['laptop']['id']}",
        data={"csrf_token": "x" * 20_000},
    )
    assert_json_error(response, 413)
    assert program.get("/api/me", headers=bearer(token)).status_code == 200


def engine(app):
    return load_class(app.config["DATABASE"]["engine"])


@pytest.mark.section("PostgreSQL, and why a pool", "picks a pooled engine")
@pytest.mark.requirement("8.6")
def test_database_url_selects_a_pooled_postgresql_database(
    step, monkeypatch, base_config
):
    monkeypatch.setenv("DATABASE_URL", "postgresql://tutor:s%40cret@db.example:5433/tutorial")
    app = step.module.create_app(base_config)
    assert issubclass(engine(app), peewee.PostgresqlDatabase)
    assert issubclass(engine(app), PooledDatabase)
    database = app.config["DATABASE"]
    assert (database["name"], database["user"], database["password"]) == ("tutorial", "tutor", "s@cret")
    assert (database["host"], database["port"]) == ("db.example", 5433)


@pytest.mark.section("PostgreSQL, and why a pool", "never the password")
@pytest.mark.requirement("8.6")
def test_a_database_url_of_another_kind_is_refused_without_showing_it(
    step, monkeypatch, base_config
):
    monkeypatch.setenv("DATABASE_URL", "mysql://tutor:hunter22@db.example/tutorial")
    with pytest.raises(Exception) as refused:
        step.module.create_app(base_config)
    assert "DATABASE_URL" in str(refused.value)
    assert "hunter22" not in str(refused.value)


@pytest.mark.postgresql_only
@pytest.mark.section("PostgreSQL, and why a pool")
def test_a_connection_the_server_ended_is_replaced_before_a_request_uses_it(auth):
    """The pool checks each connection before it lends it (a round trip, SELECT 1). The server
    ends every connection of the app, as a restart or a failover does: alice's next page gets
    a new connection, not an error."""
    auth.login()
    assert "Hello, alice!" in words(auth.client.get("/").text)
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as administrator:
        ended = administrator.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    assert ended, "the pool kept no connection to end"
    page = auth.client.get("/")
    assert page.status_code == 200 and "Hello, alice!" in words(page.text)


@pytest.mark.section("PostgreSQL, and why a pool", "finding out takes a connection")
@pytest.mark.requirement("8.6")
def test_a_request_that_finds_no_free_connection_in_time_gets_a_503(step, make_app):
    """A pool of one connection, taken by alice's page, paused while it renders: the next
    requests that need the database, sent together, wait the pool's tenth of a second (10 s in
    the step), then get a 503 that says to come back, JSON under /api/."""
    # The tests' database (SQLite) and the step's (PostgreSQL) are both pools: this one is smaller.
    app = make_app(DATABASE={**make_app().config["DATABASE"], "max_connections": 1, "timeout": 0.1})
    alice, bob = FormClient(app.test_client()), FormClient(app.test_client())
    assert alice.login().status_code == bob.login("bob", "bobthebuilder").status_code == 302
    token = bobs_token(app)
    close(database_of(step))  # the connection init-db left to this thread, on PostgreSQL
    holder, paused, resume, answers = [], threading.Event(), threading.Event(), {}

    def pause_the_first_page(sender, **extra):
        holder[:] = holder or [threading.current_thread()]
        if holder[0] is threading.current_thread():
            paused.set()
            resume.wait(timeout=30)

    def visit(name, client, path, headers=None):
        try:
            answers[name] = client.get(path, headers=headers)
        except Exception as error:  # what a server would answer with a 500
            answers[name] = error

    with template_rendered.connected_to(pause_the_first_page, app):
        first = threading.Thread(target=visit, args=("first", alice.client, "/"))
        first.start()
        assert paused.wait(timeout=30)
        waiting = [threading.Thread(target=visit, args=("page", bob.client, "/")),
                   threading.Thread(target=visit, args=("api", app.test_client(), "/api/me", bearer(token)))]
        for thread in waiting:
            thread.start()
        for thread in waiting:
            thread.join(timeout=30)
        resume.set()
        first.join(timeout=30)
    page, api = answers["page"], answers["api"]
    assert not isinstance(page, Exception), f"bob's page, logged in, was answered with {page!r}"
    assert not isinstance(api, Exception), f"the token call was answered with {api!r}"
    assert page.status_code == 503 and "Traceback" not in page.text
    assert api.status_code == 503 and api.is_json and api.json.get("error")
    assert all(0 < int(answer.headers["Retry-After"]) <= 60 for answer in (page, api))
    assert answers["first"].status_code == 200


def bobs_token(app):
    """A token for bob, issued with the step's command; what it printed last."""
    return run_command(app, "issue-token", "bob", "--name", "laptop").split()[-1]


def through_a_relay(settings, silent=False):
    """A relay in front of the PostgreSQL server of settings (the tests' DATABASE), started, and
    the settings that reach the server through it."""
    relay = Relay(settings.get("host", "127.0.0.1"), int(settings.get("port", 5432)), silent).start()
    return relay, {**settings, "host": "127.0.0.1", "port": relay.port}


def assert_try_again(page, api):
    """The database unavailable: 503, come back soon; JSON under /api/; never a traceback."""
    assert page.status_code == 503 and "Traceback" not in page.text
    assert api.status_code == 503 and api.is_json and api.json.get("error")
    assert all(0 < int(answer.headers["Retry-After"]) <= 60 for answer in (page, api))


@pytest.mark.sqlite_only
@pytest.mark.section("PostgreSQL, and why a pool", "out of reach")
@pytest.mark.requirement("8.6")
def test_a_database_file_that_cannot_be_opened_is_a_503_until_it_can(make_app, tmp_path):
    """SQLite: the database's folder goes away (a disk unmounted, a path renamed). A new
    process, which must open the file, answers 503; when the folder is back, so is the site."""
    folder = tmp_path / "data"
    folder.mkdir()
    database = sqlite_config(folder / "users.db")
    init_db(make_app(DATABASE=database))
    alice = FormClient(make_app(DATABASE=database).test_client())
    alice.login()
    token = bobs_token(alice.client.application)
    folder.rename(tmp_path / "away")
    restarted = make_app(DATABASE=database)
    alice.client.application = restarted
    api = restarted.test_client()
    assert_try_again(alice.client.get("/"), api.get("/api/me", headers=bearer(token)))
    (tmp_path / "away").rename(folder)
    page = alice.client.get("/")
    assert page.status_code == 200 and "Hello, alice!" in words(page.text)
    assert api.get("/api/me", headers=bearer(token)).status_code == 200


@pytest.mark.postgresql_only
@pytest.mark.section("PostgreSQL, and why a pool", "out of reach")
@pytest.mark.requirement("8.6")
def test_a_database_server_that_went_down_is_a_503_until_it_is_back(step, make_app):
    """PostgreSQL, reached through a relay that the test takes down (every connection ended,
    the port closed) and brings back: 503 while it is down, then the same app recovers."""
    relay, relayed = through_a_relay(make_app().config["DATABASE"])
    app = make_app(DATABASE=relayed)
    alice = FormClient(app.test_client())
    alice.login()
    token = bobs_token(app)
    close(database_of(step))  # the connection issue-token left to this thread
    relay.stop()
    api = app.test_client()
    assert_try_again(alice.client.get("/"), api.get("/api/me", headers=bearer(token)))
    relay.start()
    page = alice.client.get("/")
    assert page.status_code == 200 and "Hello, alice!" in words(page.text)
    assert api.get("/api/me", headers=bearer(token)).status_code == 200
    relay.stop()


@pytest.mark.postgresql_only
@pytest.mark.section("PostgreSQL, and why a pool", "out of reach")
@pytest.mark.requirement("8.6")
def test_a_database_server_that_never_answers_is_a_503_within_seconds(step, make_app, base_config):
    """A server that accepts connections and says nothing (hung, or the network cut behind a
    proxy): a request that needs a new connection gives up after seconds, not minutes."""
    relay, relayed = through_a_relay(make_app().config["DATABASE"], silent=True)
    app = step.module.create_app({**base_config, "DATABASE": relayed})
    started = time.monotonic()
    answer = app.test_client().get("/api/me", headers=bearer("x" * 43))
    relay.stop()
    assert time.monotonic() - started < 30, "a hung database held the request for half a minute"
    assert_json_error(answer, 503)
    assert 0 < int(answer.headers["Retry-After"]) <= 60
