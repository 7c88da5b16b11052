"""Step 5: API tokens through request_loader, and JSON 401s and errors for the API."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kit.databases import snapshot, text_in_tables
from tests.fuzzing import FUZZ
from tests.tokens import assert_json_error, bearer, iso_8601_time, looks_like_a_token, tokens_of

pytestmark = [pytest.mark.concept("The request loader and the API's JSON 401s"),
              pytest.mark.section("The request loader")]


def assert_refused(response, *challenges):
    """The API's answer to a call without valid credentials: its challenge one of those given
    (`Bearer` when none is given)."""
    assert response.status_code == 401
    assert response.is_json
    assert response.json == {"error": "Send a valid API token: Authorization: Bearer <token>."}
    assert response.headers.get("WWW-Authenticate") in (challenges or ("Bearer",))
    assert "Location" not in response.headers
    assert "Set-Cookie" not in response.headers


@pytest.mark.concept("Issuing tokens, stored only as hashes")
@pytest.mark.section("Tokens: random, shown once, stored as a hash")
@pytest.mark.requirement("5.1")
class TestIssuingTokens:
    def test_the_token_is_printed_alone_on_the_last_line(self, runner, client):
        result = runner.invoke(args=["issue-token", "alice", "--name", "laptop"])
        assert result.exit_code == 0
        token = result.output.splitlines()[-1]
        assert looks_like_a_token(token), result.output
        assert client.get("/api/me", headers=bearer(token)).status_code == 200

    def test_tokens_are_random(self, issue):
        assert len({issue() for _ in range(5)}) == 5

    def test_no_usable_token_is_stored(self, step, issue):
        """Only a hash: a copy of the database opens nothing."""
        token = issue()
        assert not any(token in value for value in text_in_tables(step))

    def test_an_unknown_user_gets_no_token(self, step, runner):
        before = snapshot(step)
        result = runner.invoke(args=["issue-token", "mallory"])
        assert result.exit_code == 1
        assert "mallory" in result.output
        assert snapshot(step) == before

    # Control characters beyond the first 32: DEL, and U+0085, which some readers take for a line break.
    @pytest.mark.parametrize("name", ["", "x" * 65, "tab\tname", "laptop\n", "del\x7fname", "next\x85line"])
    def test_a_bad_token_name_is_refused(self, step, runner, name):
        """1 to 64 printable characters; the words of the refusal are the step's."""
        before = snapshot(step)
        result = runner.invoke(args=["issue-token", "alice", "--name", name])
        assert result.exit_code != 0
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert snapshot(step) == before


class TestCallingTheApi:
    @pytest.mark.requirement("5.2")
    def test_a_valid_token_authenticates(self, client, issue):
        response = client.get("/api/me", headers=bearer(issue()))
        assert response.status_code == 200
        me = response.json
        assert (me["username"], me["authenticated_by"], me["token"]["name"]) == ("alice", "token", "laptop")

    def test_a_token_call_writes_nothing(self, step, client, issue):
        """A call reads its token and its user, and writes nothing: no commit on every call."""
        token = issue()
        before = snapshot(step)
        for _ in range(3):
            assert client.get("/api/me", headers=bearer(token)).status_code == 200
        assert snapshot(step) == before

    @pytest.mark.requirement("5.2")
    def test_the_scheme_name_is_case_insensitive(self, client, issue):
        response = client.get("/api/me", headers={"Authorization": f"bearer {issue()}"})
        assert response.status_code == 200

    @pytest.mark.requirement("5.2")
    @pytest.mark.section("No session cookie for token requests")
    @pytest.mark.parametrize("path", ["/api/me", "/api/tokens"])
    def test_a_token_response_sets_no_cookie(self, client, issue, path):
        response = client.get(path, headers=bearer(issue()))
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert client.get_cookie("session") is None

    @pytest.mark.requirement("5.3")
    @pytest.mark.section("The API, and its 401s")
    def test_no_call_without_a_token_gets_through(self, client):
        assert_refused(client.get("/api/me"))
        assert_refused(client.get("/api/tokens"))
        assert_refused(client.delete("/api/tokens/1"))

    @pytest.mark.parametrize(
        "header",
        [
            "Bearer", "Bearer ", "Bearer {token} extra", "Bearer {token}x",
            "Bearer " + "x" * 5000, "Bearer {token}\x7f", "Bearer \u00e9" * 43,
            "Basic YWxpY2U6d29uZGVybGFuZA==", "Token {token}", "{token}", "Bearer=({token})",
            "Bearer " + "A" * 43,
        ],
        ids=[
            "scheme only", "empty token", "extra word", "one character too many",
            "huge", "control character", "not ASCII", "Basic", "other scheme", "no scheme",
            "garbled", "well formed but unknown",
        ],
    )
    @pytest.mark.requirement("5.3")
    @pytest.mark.section("The API, and its 401s", "No token, another scheme")
    def test_a_malformed_or_unknown_token_is_refused(self, client, issue, header):
        """A Bearer token sent, and refused, is an invalid_token. Another scheme sends no Bearer
        token: RFC 6750 lets the answer name the error or not."""
        token = issue()
        response = client.get("/api/me", headers={"Authorization": header.format(token=token)})
        scheme, _, sent = header.format(token=token).partition(" ")
        if scheme.lower() == "bearer" and sent.strip():
            assert_refused(response, 'Bearer error="invalid_token"')
        else:
            assert_refused(response, "Bearer", 'Bearer error="invalid_token"')

    @pytest.mark.section("The API, and its 401s", "No token, another scheme")
    @pytest.mark.parametrize("header", ["Basic YWxpY2U6d29uZGVybGFuZA==", "Token abc", "Bearer", "Bearer "])
    def test_a_call_that_sent_no_bearer_token_is_not_told_its_token_is_invalid(self, client, header):
        """RFC 6750, 3.1: a request with no token to judge (another scheme, none at all) gets the
        challenge without an error code. (Not graded: the RFC says should not, not must not.)"""
        assert_refused(client.get("/api/me", headers={"Authorization": header}), "Bearer")

    @pytest.mark.requirement("5.2")
    @pytest.mark.section("Tokens: random, shown once, stored as a hash", "`?api_key=`")
    @pytest.mark.parametrize("parameter", ["api_key", "token", "access_token"])
    def test_a_token_in_the_query_string_is_ignored(self, client, issue, parameter):
        assert_refused(client.get(f"/api/me?{parameter}={issue()}"))

    @pytest.mark.requirement("5.2")
    @pytest.mark.section("CSRF: checked for cookies, not for tokens", "a token kept in a cookie")
    @pytest.mark.parametrize("cookie", ["api_token", "token", "access_token", "Authorization"])
    def test_a_token_in_a_cookie_is_ignored(self, client, issue, cookie):
        """A browser sends a cookie on its own, to any request another site makes it send."""
        client.set_cookie(cookie, issue())
        assert_refused(client.get("/api/me"))

    @pytest.mark.requirement("5.2")
    @pytest.mark.section("The request loader", "Tokens are for the API only")
    def test_a_token_does_not_open_the_pages(self, client, issue):
        response = client.get("/profile", headers=bearer(issue()))
        assert response.status_code == 302, "a valid API token opened a page"
        assert response.headers["Location"] == "/login?next=%2Fprofile"

    @pytest.mark.requirement("5.2")
    def test_a_browser_session_works_on_the_api_too(self, client, auth):
        auth.login()
        me = client.get("/api/me").json
        assert (me["username"], me["authenticated_by"]) == ("alice", "session")

    @pytest.mark.requirement("5.2")
    def test_the_session_comes_before_the_token(self, client, auth, issue):
        """Flask-Login asks the request loader only when the session has no user."""
        auth.login("bob", "bobthebuilder")
        response = client.get("/api/me", headers=bearer(issue("alice")))
        assert response.json["username"] == "bob"

    @pytest.mark.requirement("5.3")
    def test_pages_still_redirect_browsers(self, client):
        assert client.get("/profile").status_code == 302


# The paragraphs of "Revoking tokens": what stops a token, and the administrator's commands.
WHAT_STOPS_A_TOKEN = pytest.mark.section("Revoking tokens", "A token works until it is revoked")
REVOKE_TOKENS = pytest.mark.section("Revoking tokens", "An administrator switches a user off")


@pytest.mark.concept("Revoked tokens and switched-off users stop at once")
@pytest.mark.requirement("5.6")
@REVOKE_TOKENS
class TestStoppingTokens:
    def test_revoke_tokens_stops_them_at_once(self, client, runner, issue):
        laptop, script = issue(name="laptop"), issue(name="script")
        assert client.get("/api/me", headers=bearer(laptop)).status_code == 200
        result = runner.invoke(args=["revoke-tokens", "alice"])
        assert result.exit_code == 0
        for token in (laptop, script):
            assert_refused(client.get("/api/me", headers=bearer(token)), 'Bearer error="invalid_token"')

    def test_revoking_leaves_other_users_tokens_alone(self, client, runner, issue):
        bobs = issue("bob")
        runner.invoke(args=["revoke-tokens", "alice"])
        response = client.get("/api/me", headers=bearer(bobs))
        assert response.status_code == 200, f"revoke-tokens alice stopped bob's token: {response.status_code}"
        assert response.json["username"] == "bob"

    @WHAT_STOPS_A_TOKEN
    def test_a_switched_off_users_tokens_stop_at_once(self, client, runner, issue):
        token = issue()
        runner.invoke(args=["deactivate-user", "alice"])
        assert_refused(client.get("/api/me", headers=bearer(token)), 'Bearer error="invalid_token"')

    @WHAT_STOPS_A_TOKEN
    def test_a_deleted_users_tokens_stop(self, client, users, issue):
        token = issue("bob")
        users.delete("bob")
        assert_refused(client.get("/api/me", headers=bearer(token)), 'Bearer error="invalid_token"')

    def test_revoke_tokens_for_an_unknown_user_is_a_clear_error(self, runner):
        result = runner.invoke(args=["revoke-tokens", "mallory"])
        assert result.exit_code == 1
        assert "mallory" in result.output


@pytest.mark.concept("Revoked tokens and switched-off users stop at once")
@pytest.mark.section("Revoking tokens")
@pytest.mark.requirement("5.4")
class TestTokensEndpoints:
    @pytest.mark.concept("Issuing tokens, stored only as hashes")
    @pytest.mark.section("The API, and its 401s")
    def test_lists_the_callers_tokens_without_the_secrets(self, client, issue):
        token = issue(name="laptop")
        issue("bob", name="bobs")
        body = client.get("/api/tokens", headers=bearer(token)).json
        assert [row["name"] for row in body["tokens"]] == ["laptop"]
        assert {"id", "name", "created", "revoked"} <= set(body["tokens"][0])
        created = iso_8601_time(body["tokens"][0]["created"])
        assert abs(created - datetime.now(timezone.utc)) < timedelta(minutes=1), created
        assert token not in str(body)

    @pytest.mark.section("CSRF: checked for cookies, not for tokens")
    def test_a_token_can_revoke_a_token_without_a_csrf_token(self, client, issue):
        token, other = issue(name="laptop"), issue(name="old")
        other_id = tokens_of(client, token)["old"]["id"]
        response = client.delete(f"/api/tokens/{other_id}", headers=bearer(token))
        assert response.status_code == 204
        assert "Set-Cookie" not in response.headers
        assert_refused(client.get("/api/me", headers=bearer(other)), 'Bearer error="invalid_token"')

    def test_a_revoked_token_is_listed_as_revoked(self, client, issue):
        token = issue(name="laptop")
        issue(name="old")
        assert client.delete(f"/api/tokens/{tokens_of(client, token)['old']['id']}",
                             headers=bearer(token)).status_code == 204
        listed = tokens_of(client, token)
        assert (listed["old"]["revoked"], listed["laptop"]["revoked"]) == (True, False)

    @pytest.mark.section("CSRF: checked for cookies, not for tokens")
    def test_a_browser_session_needs_the_csrf_token_to_revoke(self, client, auth, issue, new_visitor):
        token = issue()
        program = new_visitor().client
        token_id = tokens_of(program, token)["laptop"]["id"]
        auth.login()
        refused = client.delete(f"/api/tokens/{token_id}")
        assert refused.status_code == 400
        assert program.get("/api/me", headers=bearer(token)).status_code == 200
        accepted = client.delete(
            f"/api/tokens/{token_id}", headers={"X-CSRFToken": auth.csrf_token("/")}
        )
        assert accepted.status_code == 204
        assert program.get("/api/me", headers=bearer(token)).status_code == 401

    @pytest.mark.parametrize("whose", ["bob's", "unknown"])
    def test_another_users_or_an_unknown_token_is_not_found(self, client, issue, whose):
        token = issue()
        known = tokens_of(client, token)["laptop"]["id"]
        # Ids are the folder's: numbers, or strings (a UUID, a random handle).
        target = known + 100 if isinstance(known, int) else "0" * len(known)
        if whose == "bob's":
            target = tokens_of(client, issue("bob", name="bobs"))["bobs"]["id"]
        response = client.delete(f"/api/tokens/{target}", headers=bearer(token))
        assert response.status_code == 404, f"alice deleted {whose} token: {response.status_code}"
        assert_json_error(response, 404)


@pytest.mark.requirement("5.5")
@pytest.mark.section("The API, and its 401s")
@pytest.mark.parametrize("path, status", [("/api/me", 200), ("/api/tokens", 200), ("/api/nothing", 404)])
def test_no_api_answer_is_cacheable(client, issue, path, status):
    """A token's answers show a user's data too, and a token call has no session to go by."""
    response = client.get(path, headers=bearer(issue()))
    assert response.status_code == status
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.concept("An API that always answers in JSON")
@pytest.mark.section("Errors in JSON, always", "One handler does it for the whole app")
@pytest.mark.requirement("5.5")
class TestAlwaysJson:
    """Every answer under /api/ is JSON, errors included; the pages keep their HTML."""

    HOSTILE = [
        # Ids that are no token's: too big for the database, negative, not a number.
        *[("DELETE", f"/api/tokens/{token_id}", 404)
          for token_id in ("9" * 30, "9223372036854775808", "-1", "abc", "1.5")],
        # Paths the API does not have.
        *[("GET", path, 404)
          for path in ("/api/nothing-here", "/api", "/api/", "/api/%FF%FE", "/api/me/../../etc/passwd")],
        # Methods an endpoint does not take.
        ("POST", "/api/me", 405), ("PUT", "/api/tokens", 405), ("DELETE", "/api/me", 405),
        ("PATCH", "/api/tokens/1", 405),
    ]

    @pytest.mark.parametrize("method, path, status", HOSTILE,
                             ids=[f"{method} {path[:40]}" for method, path, _ in HOSTILE])
    def test_a_hostile_request_with_a_valid_token_gets_a_4xx_in_json(
        self, client, issue, method, path, status
    ):
        response = client.open(path, method=method, headers=bearer(issue()))
        assert_json_error(response, status)
        if status == 405:
            assert response.headers["Allow"]

    def test_a_browser_session_without_the_csrf_token_gets_400_in_json(self, client, auth, issue, new_visitor):
        token = issue()
        program = new_visitor().client
        auth.login()
        response = client.delete(f"/api/tokens/{tokens_of(program, token)['laptop']['id']}")
        assert_json_error(response, 400)
        assert program.get("/api/me", headers=bearer(token)).status_code == 200

    def test_an_error_in_the_api_is_a_500_in_json_without_a_traceback(self, make_app):
        app = make_app(PROPAGATE_EXCEPTIONS=False)

        @app.get("/api/broken")
        def broken():
            raise RuntimeError("a bug, with secrets in its message")

        response = app.test_client().get("/api/broken")
        assert_json_error(response, 500)
        assert "secrets" not in response.text
        assert "Traceback" not in response.text

    def test_pages_keep_their_html_errors(self, client):
        response = client.get("/nothing-here")
        assert response.status_code == 404
        assert not response.is_json
        assert client.post("/profile").status_code == 405


@pytest.fixture
def api_client(make_app):
    """A client of an app without the limit on bad tokens: nearly every example sends one."""
    return make_app(RATELIMIT_ENABLED=False).test_client()


@pytest.fixture
def token(api_client, runner):
    result = runner.invoke(args=["issue-token", "alice"])
    return result.output.splitlines()[-1]


HEADER_TEXT = st.from_regex(r"[\x20-\x7e]{0,60}", fullmatch=True)


@pytest.mark.requirement("5.2", "5.3")
@pytest.mark.section("The request loader")
@FUZZ
@given(data=st.data())
def test_only_a_valid_bearer_token_opens_the_api(api_client, token, data):
    header = data.draw(st.one_of(
        HEADER_TEXT,
        HEADER_TEXT.map(lambda text: "Bearer " + text),
        st.sampled_from([token[:-1], token + "x", token.upper(), token.lower()]).map(
            lambda text: "Bearer " + text
        ),
        st.sampled_from(["Bearer ", "bearer ", "BEARER ", "Token ", "Basic "]).map(lambda scheme: scheme + token),
    ))
    response = api_client.get("/api/me", headers={"Authorization": header})
    valid = header.split(" ", 1)[0].lower() == "bearer" and header.split(" ", 1)[1:] == [token]
    assert response.status_code == (200 if valid else 401)
    assert "Set-Cookie" not in response.headers
