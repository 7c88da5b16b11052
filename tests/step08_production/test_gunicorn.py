"""Beyond one laptop: a step served by gunicorn, as the README's production recipe says.

The app runs in worker processes of its own, with SECRET_KEY (and, on
PostgreSQL, DATABASE_URL) from the environment and debug off. The client
talks plain HTTP on 127.0.0.1 but sends the header a TLS proxy would, so the
app sees HTTPS and sets Secure cookies, as in production.
"""

import os
import secrets

import pytest

from kit.forms import FormClient
from kit.http import HttpClient
from kit.serving import Deployment, passwords_at_once, wrong_passwords_at_once
from kit.pytest_steps import not_installed

pytestmark = pytest.mark.slow


def browser_at(base, address=None):
    """A browser behind the TLS proxy, at an address of its own (X-Forwarded-For), if given."""
    return FormClient(HttpClient(base, address))


@pytest.fixture
def deployment(step, tmp_path, database_url):
    deployment = Deployment(step.name, tmp_path, database_url=database_url)
    result = deployment.flask("init-db")
    assert result.returncode == 0, result.stderr
    yield deployment
    deployment.stop()


def test_gunicorn_serves_logins_with_production_cookies(deployment):
    browser = browser_at(deployment.serve(workers=2))
    response = browser.login("alice", "wonderland")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    session_cookie = next(
        header for header in response.headers.get_all("Set-Cookie") if header.startswith("session=")
    )
    assert "; Secure" in session_cookie
    assert "; HttpOnly" in session_cookie
    assert "; SameSite=Lax" in session_cookie
    assert "Hello, alice!" in browser.client.get("/").text
    assert browser.client.get("/profile").status_code == 200


def test_a_user_added_on_the_command_line_logs_in_through_the_server(deployment):
    base = deployment.serve(workers=2)
    added = deployment.flask("add-user", "dora", "--password", "explorer-map")
    assert added.returncode == 0, added.stderr
    browser = browser_at(base)
    browser.login("dora", "explorer-map")
    assert "Hello, dora!" in browser.client.get("/").text


def test_without_a_secret_key_the_server_refuses_to_start(deployment):
    del deployment.env["FLASK_SECRET_KEY"]
    with pytest.raises(RuntimeError, match="No SECRET_KEY is set"):
        deployment.serve(workers=1)


def test_flask_debug_left_set_under_gunicorn_keeps_the_production_checks(deployment):
    """FLASK_DEBUG=1 turns app.debug on under gunicorn too: cookies stay Secure, a key is needed."""
    deployment.env["FLASK_DEBUG"] = "1"
    response = browser_at(deployment.serve(workers=1)).login("alice", "wonderland", remember="on")
    cookies = response.headers.get_all("Set-Cookie")
    assert {cookie.partition("=")[0] for cookie in cookies} >= {"session", "remember_token"}
    assert all("; Secure" in cookie for cookie in cookies), cookies
    deployment.stop()
    del deployment.env["FLASK_SECRET_KEY"]
    with pytest.raises(RuntimeError, match="No SECRET_KEY is set"):
        deployment.serve(workers=1)


def test_any_server_process_can_serve_any_user(deployment):
    """Stateless scale-out: the session is in the cookie, so no sticky sessions are needed.

    Two servers share what they must (the secret key and the database) and
    nothing else.
    """
    first, second = deployment.serve(workers=1), deployment.serve(workers=1)
    browser = browser_at(first)
    browser.login("bob", "bobthebuilder")
    browser.client.use(second)
    assert "Hello, bob!" in browser.client.get("/").text
    browser.logout()
    browser.client.use(first)
    assert "Hello, visitor!" in browser.client.get("/").text


def test_a_server_with_another_secret_key_does_not_know_the_session(deployment):
    first = deployment.serve(workers=1)
    other = deployment.serve(workers=1, secret_key=secrets.token_hex(32))
    browser = browser_at(first)
    browser.login("bob", "bobthebuilder")
    stranger = browser_at(other)
    stranger.client.cookies = dict(browser.client.cookies)
    assert "Hello, visitor!" in stranger.client.get("/").text


@pytest.fixture
def redis_url():
    """A database of TEST_REDIS_URL's server, emptied: one per pytest-xdist worker."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        not_installed(
            "no Redis for the shared limit. To run it: apt-get install redis-server;"
            ' eval "$(kit/bin/throwaway-redis start)"; make test FULL=1'
        )
    import redis

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    url = url.rsplit("/", 1)[0] + f"/{1 + int(worker.removeprefix('gw'))}"
    redis.Redis.from_url(url).flushdb()
    return url


def fail_logins(servers, address, times):
    """Wrong passwords for alice from one address, round robin over the servers; the statuses."""
    clients = [browser_at(base, address) for base in servers]
    statuses = []
    for number in range(times):
        client = clients[number % len(clients)]
        statuses.append(client.login("alice", "guess").status_code)
    return statuses


@pytest.mark.sqlite_only
def test_two_servers_share_one_limit_through_redis(deployment, redis_url):
    """Four processes, one count: the eleventh guess is refused wherever it lands."""
    deployment.env.update(RATELIMIT_STORAGE_URI=redis_url, TRUSTED_PROXIES="1")
    servers = [deployment.serve(workers=2), deployment.serve(workers=2)]
    assert fail_logins(servers, "203.0.113.9", 10) == [200] * 10
    for base in servers:
        attacker = browser_at(base, "203.0.113.9")
        refused = attacker.login("alice", "wonderland")
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        assert attacker.login("bob", "bobthebuilder").status_code == 302
        assert browser_at(base, "198.51.100.7").login("alice", "wonderland").status_code == 302


@pytest.mark.sqlite_only
def test_guesses_sent_at_once_to_two_servers_get_at_most_ten_checks(deployment, redis_url):
    """Counted before the password is checked, in Redis: no race between processes lets one by."""
    deployment.env.update(RATELIMIT_STORAGE_URI=redis_url, TRUSTED_PROXIES="1")
    servers = [deployment.serve(workers=2), deployment.serve(workers=2)]
    assert wrong_passwords_at_once(servers, 16, "203.0.113.9") == [200] * 10 + [429] * 6


@pytest.mark.sqlite_only
def test_without_a_shared_store_each_process_counts_alone(deployment):
    """Why production names Redis: with memory storage, two servers allow twice the guesses."""
    deployment.env.update(RATELIMIT_STORAGE_URI="memory://", TRUSTED_PROXIES="1")
    servers = [deployment.serve(workers=1), deployment.serve(workers=1)]
    assert fail_logins(servers, "203.0.113.9", 20) == [200] * 20
    assert fail_logins(servers, "203.0.113.9", 2) == [429, 429]


@pytest.mark.sqlite_only
def test_behind_a_proxy_the_limit_counts_by_the_forwarded_address(deployment):
    """With TRUSTED_PROXIES=1 the proxy's X-Forwarded-For is the address: one attacker
    behind the proxy cannot lock alice out for everybody else behind it."""
    deployment.env.update(TRUSTED_PROXIES="1")
    servers = [deployment.serve(workers=1)]
    assert fail_logins(servers, "203.0.113.9", 11)[-1] == 429
    assert browser_at(servers[0], "198.51.100.7").login("alice", "wonderland").status_code == 302


@pytest.mark.section("PostgreSQL, and why a pool")
def test_thirty_logins_at_once_on_the_development_server_wait_for_each_other(deployment):
    """Werkzeug's server runs every request at once, each holding a database connection through
    its password check. On SQLite the pool has no cap and all get in; on PostgreSQL, past the
    pool's wait, the answer is a 503, never a 500. Each login comes from an address of its own,
    so that the throttle stays out of the way."""
    deployment.env.update(TRUSTED_PROXIES="1")
    base = deployment.serve_for_development()
    statuses = passwords_at_once([base], ["wonderland"] * 30, [f"203.0.113.{n}" for n in range(30)])
    if "DATABASE_URL" in deployment.env:
        assert set(statuses) <= {302, 503} and statuses.count(302) >= 8, statuses
    else:
        assert statuses == [302] * 30
