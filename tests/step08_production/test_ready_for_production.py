"""Step 8: ready for production: the secret key, security headers, body limits, PostgreSQL."""

import logging
import os
import threading

import peewee
import psycopg
import pytest
from flask import template_rendered
from flask_peewee.utils import load_class
from playhouse.pool import PooledDatabase

from kit.databases import close, database_of
from kit.forms import FormClient
from kit.pages import words
from tests.tokens import assert_json_error, bearer, tokens_of

pytestmark = [pytest.mark.concept("Ready for production: secret key, headers, body limits, PostgreSQL"), pytest.mark.section("Ready for production")]


@pytest.mark.section("Ready for production")
@pytest.mark.requirement("8.4")
class TestSecretKey:
    """SECRET_KEY comes from the environment or the instance folder, never the repository.

    The development key and the words of the warning and of the refusal are
    the step's own: the tests ask the app which key it fell back to.
    """

    def test_production_without_a_key_refuses_to_start(self, step, monkeypatch):
        monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
        with pytest.raises(RuntimeError):
            step.module.create_app({"TESTING": False})

    def test_production_with_the_repository_key_refuses_to_start(self, step, monkeypatch):
        monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
        development_key = step.module.create_app({"TESTING": True}).secret_key
        with pytest.raises(RuntimeError):
            step.module.create_app({"TESTING": False, "SECRET_KEY": development_key})

    def test_production_takes_the_key_from_the_environment(self, step, monkeypatch):
        monkeypatch.setenv("FLASK_SECRET_KEY", "k" * 64)
        app = step.module.create_app(
            {"TESTING": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"}
        )
        assert app.secret_key == "k" * 64

    def test_tests_without_a_key_use_the_development_key_and_say_so(
        self, step, monkeypatch, caplog
    ):
        monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
        caplog.set_level(logging.WARNING)
        app = step.module.create_app(
            {"TESTING": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"}
        )
        assert app.secret_key
        assert any(record.levelno >= logging.WARNING for record in caplog.records), (
            "create_app logged no warning about the development key"
        )


@pytest.mark.section("Security headers")
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


@pytest.mark.section("Ready for production")
@pytest.mark.requirement("8.5")
def test_an_oversized_body_gets_413(client, auth):
    response = client.post(
        "/login",
        data={"csrf_token": auth.csrf_token(), "username": "a" * 20_000, "password": "x"},
    )
    assert response.status_code == 413


@pytest.mark.section("Ready for production")
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


@pytest.mark.section("PostgreSQL, and why a pool")
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


@pytest.mark.section("PostgreSQL, and why a pool")
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
    token = app.test_cli_runner().invoke(args=["issue-token", "bob", "--name", "laptop"]).output.split()[-1]
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
