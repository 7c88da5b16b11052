"""Step 2: the user loader, when it runs, what it receives, and what it returns."""

import pytest
from flask import g
from flask_login import UserMixin, current_user, login_user
from hypothesis import given
from hypothesis import strategies as st

from tests.sessions import stored_id
from kit.pages import words
from tests.fuzzing import FUZZ

pytestmark = [pytest.mark.concept("The user loader: lazy, once per request, never raising"), pytest.mark.section("What it returns: a user or `None`, never an exception")]


@pytest.mark.requirement("2.1", "2.3")
@pytest.mark.section("What it receives: the stored id, a string")
def test_the_loader_receives_the_id_as_the_string_get_id_returned(client, auth, loader_calls):
    auth.login("bob", "bobthebuilder")
    client.get("/")
    assert loader_calls == [stored_id(client)]
    assert isinstance(loader_calls[0], str)


@pytest.mark.requirement("2.2")
@pytest.mark.section("When it runs: lazily, the first time `current_user` is read")
def test_a_visitor_without_a_session_never_reaches_the_loader(client, loader_calls):
    assert "Hello, visitor!" in words(client.get("/").text)
    assert loader_calls == []


@pytest.mark.requirement("2.2")
@pytest.mark.section("When it runs: lazily, the first time `current_user` is read")
@pytest.mark.own_app
def test_the_loader_runs_once_however_often_current_user_is_read(app, client, auth, loader_calls):
    @app.get("/ten-reads")
    def ten_reads():
        return " ".join(str(current_user.is_anonymous) for _ in range(10))

    auth.login()
    assert client.get("/ten-reads").text == " ".join(["False"] * 10)
    assert len(loader_calls) == 1


@pytest.mark.requirement("2.2")
@pytest.mark.section("When it runs: lazily, the first time `current_user` is read")
@pytest.mark.own_app
def test_the_loader_runs_only_when_current_user_is_read(app, client, auth, loader_calls):
    """It is not a before_request hook: a view that never reads current_user never loads the user."""

    @app.get("/no-user")
    def no_user():
        return "nothing about the user here"

    auth.login()
    assert client.get("/no-user").status_code == 200
    with client.get("/static/style.css") as stylesheet:
        assert stylesheet.status_code == 200
    assert loader_calls == []


@pytest.mark.requirement("2.2")
@pytest.mark.section("When it runs: lazily, the first time `current_user` is read")
@pytest.mark.own_app
def test_the_loader_has_not_run_when_before_request_hooks_run(app, client, auth, loader_calls):
    seen_by_hook = []

    @app.before_request
    def look_before_the_view():
        seen_by_hook.append(("_login_user" in g, len(loader_calls)))

    auth.login()
    seen_by_hook.clear()
    client.get("/")
    assert seen_by_hook == [(False, 0)]
    assert len(loader_calls) == 1


BAD_IDS = {
    "unknown id": "999",
    "not a number": "abc",
    "decimal": "1.5",
    "huge number": "9" * 5000,
    "too big for a database integer": "9" * 30,
    "negative": "-1",
    "empty": "",
    "whitespace": " 1 ",
    "int instead of str": 1,
    "float": 1.0,
    "list": ["1"],
    "dict": {"id": "1"},
    "null": None,
    "bool": True,
}


@pytest.mark.requirement("2.4")
@pytest.mark.parametrize("user_id", BAD_IDS.values(), ids=BAD_IDS)
def test_an_id_the_loader_cannot_use_is_an_anonymous_visitor(client, user_id):
    with client.session_transaction() as session:
        session["_user_id"] = user_id
    response = client.get("/")
    assert response.status_code == 200
    assert "Hello, visitor!" in words(response.text)


@pytest.mark.requirement("2.5")
def test_a_deleted_user_is_logged_out(client, auth, users):
    auth.login("bob", "bobthebuilder")
    users.delete("bob")
    response = client.get("/")
    assert response.status_code == 200
    assert "Hello, visitor!" in words(response.text)


@pytest.mark.requirement("2.5")
@pytest.mark.section("Active and inactive users")
def test_a_user_switched_off_mid_session_is_logged_out(client, auth, users):
    auth.login("alice")
    assert "Hello, alice!" in words(client.get("/").text)
    users.deactivate("alice")
    assert "Hello, visitor!" in words(client.get("/").text)


@pytest.mark.requirement("2.5")
@pytest.mark.section("Active and inactive users")
def test_the_other_users_stay_logged_in_when_one_is_switched_off(new_visitor, users):
    alice, bob = new_visitor(), new_visitor()
    alice.login("alice", "wonderland")
    bob.login("bob", "bobthebuilder")
    users.deactivate("alice")
    assert "Hello, bob!" in words(bob.client.get("/").text)


@pytest.mark.section("Active and inactive users")
def test_is_active_as_a_method_lets_inactive_users_log_in(app):
    """The pitfall of old tutorials: since Flask-Login 0.3 is_active is a property.

    Defined as a method, `user.is_active` is a bound method, which is always
    truthy, so login_user() lets a switched-off account in.
    """

    class OldStyleUser(UserMixin):
        id = 99

        def is_active(self):  # the old way: a method
            return False

    class CorrectUser(UserMixin):
        id = 98

        @property
        def is_active(self):
            return False

    with app.test_request_context():
        assert login_user(OldStyleUser()) is True  # logged in, though inactive
        assert login_user(CorrectUser()) is False


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


@pytest.mark.requirement("2.4")
@pytest.mark.section("What it returns: a user or `None`, never an exception")
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
    assert f"Hello, {expected}!" in words(response.text)
