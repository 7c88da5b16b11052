"""Fuzzing the edges with Hypothesis: never a 5xx, never a login without the right password.

(The `next` parameter has its own property test, in test_next.py.) Each test
reuses its app across examples on purpose, and derandomize=True makes every
run try the same inputs, so a failure is reproducible.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kit.forms import FormClient

FUZZ = settings(
    deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
ACCOUNTS = {("alice", "wonderland"), ("bob", "bobthebuilder")}

USERNAMES = st.one_of(st.sampled_from(["alice", "bob", "carol", "mallory", "alice "]), st.text(max_size=40))
PASSWORDS = st.one_of(
    st.sampled_from(["wonderland", "bobthebuilder", "looking-glass", "Wonderland", ""]),
    st.text(max_size=40),
)
EXTRA_FIELDS = st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=20), max_size=3)


@pytest.fixture
def unthrottled(make_app):
    """An app without the failed-login limit (step 7 on): each example is a new visitor,
    but all of them share one address, and the limit would stop them."""
    app = make_app(RATELIMIT_ENABLED=False)
    return lambda: FormClient(app.test_client())


@pytest.mark.section("Logging in")
@pytest.mark.since(1)
@FUZZ
@given(username=USERNAMES, password=PASSWORDS, extra=EXTRA_FIELDS)
def test_the_login_form_logs_in_only_with_the_right_password(
    unthrottled, username, password, extra
):
    visitor = unthrottled()
    form = {**extra, "csrf_token": visitor.csrf_token(), "username": username, "password": password}
    response = visitor.client.post("/login", data=form)
    assert response.status_code < 500
    home = visitor.client.get("/").text
    if (username, password) in ACCOUNTS:
        assert f"Hello, {username}!" in home
    else:
        assert "Hello, visitor!" in home


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)
# The keys Flask-Login reads from the session, with any value, and others.
SESSIONS = st.fixed_dictionaries(
    {},
    optional={
        "_user_id": st.one_of(st.sampled_from(["1", "2", "3", "999", "0"]), JSON_VALUES),
        "_fresh": JSON_VALUES,
        "_id": JSON_VALUES,
        "_remember": st.one_of(st.sampled_from(["set", "clear"]), JSON_VALUES),
        "anything": JSON_VALUES,
    },
)


@pytest.mark.section("What it returns: a user or `None`, never an exception")
@pytest.mark.since(2)
@FUZZ
@given(contents=SESSIONS)
def test_any_session_contents_give_a_page_never_a_500(new_visitor, users, contents):
    visitor = new_visitor()
    with visitor.client.session_transaction() as session:
        session.update(contents)
    response = visitor.client.get("/")
    assert response.status_code == 200
    user_id = contents.get("_user_id")
    expected = users.name_of_active(user_id) or "visitor"
    assert f"Hello, {expected}!" in response.text


@pytest.fixture
def api_client(make_app):
    """A client of an app without the limit on bad tokens: nearly every example sends one."""
    return make_app(RATELIMIT_ENABLED=False).test_client()


@pytest.fixture
def token(api_client, runner):
    result = runner.invoke(args=["issue-token", "alice"])
    return result.output.splitlines()[-1]


HEADER_TEXT = st.from_regex(r"[\x20-\x7e]{0,60}", fullmatch=True)


@pytest.mark.section("The request loader")
@pytest.mark.since(5)
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
