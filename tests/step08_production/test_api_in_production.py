"""Step 8: API tokens in production: bad tokens throttled, one query per call, no cookie."""

import pytest
from flask import session
from playhouse.test_utils import count_queries

from tests.tokens import assert_json_error, bearer

pytestmark = [pytest.mark.concept("API tokens in production"),
              pytest.mark.section("API tokens in production")]


@pytest.mark.section("API tokens in production", "A limit on bad tokens")
@pytest.mark.requirement("8.8")
def test_a_flood_of_bad_tokens_gets_429_in_json_with_retry_after(client, issue):
    good = issue()
    statuses = [client.get("/api/me", headers=bearer("A" * 43)).status_code for _ in range(60)]
    assert statuses == [401] * 60
    response = client.get("/api/me", headers=bearer("A" * 43))
    assert_json_error(response, 429)
    # The rest of the minute (a second more, as Flask-Limiter's reset_at rounds up).
    assert 0 < int(response.headers["Retry-After"]) <= 61
    # The limit counts by address: this address must wait, good token or not.
    assert client.get("/api/me", headers=bearer(good)).status_code == 429


@pytest.mark.section("API tokens in production", "A limit on bad tokens")
@pytest.mark.requirement("8.8")
def test_good_tokens_are_not_counted(client, issue):
    token = issue()
    statuses = [client.get("/api/me", headers=bearer(token)).status_code for _ in range(70)]
    assert statuses == [200] * 70, f"a valid token was refused at call {statuses.index(429) + 1}"


@pytest.mark.requirement("8.8")
@pytest.mark.section("API tokens in production", "No session cookie")
def test_a_token_response_sets_no_cookie_even_when_the_session_was_written(make_app, issue):
    """With REMEMBER_COOKIE_REFRESH_EACH_REQUEST, Flask-Login writes to the session on every request."""
    app = make_app(REMEMBER_COOKIE_REFRESH_EACH_REQUEST=True)
    response = app.test_client().get("/api/me", headers=bearer(issue()))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


@pytest.mark.requirement("8.8")
@pytest.mark.own_app
@pytest.mark.section("API tokens in production", "No session cookie")
def test_a_token_response_sets_no_cookie_even_when_the_app_wrote_to_the_session(app, client, issue):
    """The guard itself, whichever Flask-Login writes what: here the app writes, every request."""
    @app.before_request
    def remember_the_last_visit():
        session["last_visit"] = "now"

    response = client.get("/api/me", headers=bearer(issue()))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert client.get("/").headers.get("Set-Cookie", "").startswith("session="), (
        "the app's hook wrote nothing to a page's session either")


@pytest.mark.requirement("8.8")
@pytest.mark.section("API tokens in production", "A limit on bad tokens")
def test_a_token_call_is_one_query(client, issue):
    """The lookup of the token and its user, and nothing else: a call writes nothing."""
    token = issue()
    for _ in range(3):
        with count_queries() as counter:
            response = client.get("/api/me", headers=bearer(token))
        assert response.status_code == 200
        assert counter.count == 1
