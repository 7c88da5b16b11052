"""Step 1: logging in and out with Flask-Login."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kit.forms import FormClient
from kit.pages import form_on, forms, hidden_fields, links, words
from tests.fuzzing import FUZZ

pytestmark = [pytest.mark.concept("Logging in and out"), pytest.mark.section("Logging in")]

# What "Logging in" shows for each test: the view, or one of the three details after it.
THE_LOGIN_VIEW = pytest.mark.section("Logging in", "def login():")
ONE_MESSAGE = pytest.mark.section("Logging in", "One message for every failure")


@pytest.mark.requirement("1.1", "1.2")
@THE_LOGIN_VIEW
def test_visitor_sees_a_login_link(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Hello, visitor!" in words(response.text)
    assert "/login" in links(response.text)
    assert not any(action.endswith("/logout") for action, _, _ in forms(response.text))


@pytest.mark.requirement("1.3")
@THE_LOGIN_VIEW
def test_login_form_has_the_fields_of_the_contract(client):
    form = form_on(client.get("/login").text)
    fields = {field.attrs.get("name"): field.attrs.get("type") for field in form.find_all("input")}
    assert {"username", "password", "csrf_token"} <= fields.keys()
    assert fields["password"] == "password"
    assert "csrf_token" in hidden_fields(form)


@pytest.mark.requirement("1.2", "1.3")
@pytest.mark.section("Logging in", "Redirect after a successful POST")
def test_login_redirects_home_and_greets_the_user(client, auth):
    response = auth.login("alice", "wonderland")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    home = words(client.get("/").text)
    assert "Welcome, alice!" in home  # flashed once ...
    assert "Hello, alice!" in home
    assert "Logged in as alice" in home
    assert "Welcome, alice!" not in words(client.get("/").text)  # ... and gone


@pytest.mark.requirement("1.6")
@THE_LOGIN_VIEW
def test_every_active_demo_account_can_log_in(client, auth):
    auth.login("bob", "bobthebuilder")
    assert "Hello, bob!" in words(client.get("/").text)


@pytest.mark.requirement("1.2")
@pytest.mark.section("Logging out")
def test_logged_in_home_page_has_a_logout_form_not_a_link(client, auth):
    auth.login()
    page = client.get("/").text
    assert any(action.endswith("/logout") and method == "post" for action, method, _ in forms(page))
    assert not any(link and link.endswith("/logout") for link in links(page))


@pytest.mark.requirement("1.4")
@pytest.mark.section("Logging out")
def test_logout_logs_out_and_says_so(client, auth):
    auth.login()
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    home = words(client.get("/").text)
    assert "You have been logged out." in home
    assert "Hello, visitor!" in home


FAILED_LOGINS = {
    "unknown user": ("mallory", "wonderland"),
    "wrong password": ("alice", "looking-glass"),
    "inactive account": ("carol", "looking-glass"),
}


@pytest.mark.requirement("1.3", "1.6")
@pytest.mark.parametrize("username, password", [
    pytest.param(*FAILED_LOGINS["unknown user"], id="unknown user", marks=ONE_MESSAGE),
    pytest.param(*FAILED_LOGINS["wrong password"], id="wrong password", marks=ONE_MESSAGE),
    # carol gets in when is_active is not the property Flask-Login reads.
    pytest.param(*FAILED_LOGINS["inactive account"], id="inactive account",
                 marks=pytest.mark.section("2. A `User` class", "@property")),
])
def test_failed_login_shows_the_form_again_with_the_generic_message(
    client, auth, username, password
):
    response = auth.login(username, password)
    assert response.status_code == 200
    assert "Invalid username or password." in words(response.text)
    assert "password" in forms(response.text)[-1][2]
    assert "Hello, visitor!" in words(client.get("/").text)


@pytest.mark.requirement("1.3")
@ONE_MESSAGE
def test_failed_logins_cannot_be_told_apart(new_visitor):
    """Unknown user, wrong password and inactive account answer identically."""

    def answer(username, password):
        response = new_visitor().login(username, password)
        # Cookie names and attributes; their values are signed, so always new.
        cookies = sorted(
            re.sub(r"=[^;]*", "", header, count=1)
            for header in response.headers.getlist("Set-Cookie")
        )
        # The page's CSRF token is new for each visitor: the rest must be the same.
        token = hidden_fields(form_on(response.text)).get("csrf_token", "")
        return response.status_code, response.text.replace(token, ""), cookies

    answers = [answer(*credentials) for credentials in FAILED_LOGINS.values()]
    assert answers[0] == answers[1] == answers[2]


@pytest.mark.requirement("1.8")
@pytest.mark.parametrize(
    "form",
    [
        {"username": "", "password": ""},
        {"username": "alice", "password": ""},
        {"username": "", "password": "wonderland"},
        {"password": "wonderland"},
        {"username": "alice"},
        {},
    ],
    ids=["both empty", "empty password", "empty username", "no username field",
         "no password field", "no fields"],
)
@ONE_MESSAGE
def test_empty_or_missing_fields_show_the_form_again(client, auth, form):
    form["csrf_token"] = auth.csrf_token()
    response = client.post("/login", data=form)
    assert response.status_code == 200
    assert "Invalid username or password." in words(response.text)
    assert "Hello, visitor!" in words(client.get("/").text)


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


@pytest.mark.requirement("1.3", "1.7", "1.8")
@THE_LOGIN_VIEW
@FUZZ
@given(username=USERNAMES, password=PASSWORDS, extra=EXTRA_FIELDS)
def test_the_login_form_logs_in_only_with_the_right_password(
    unthrottled, username, password, extra
):
    visitor = unthrottled()
    form = {**extra, "csrf_token": visitor.csrf_token(), "username": username, "password": password}
    response = visitor.client.post("/login", data=form)
    assert response.status_code < 500
    home = words(visitor.client.get("/").text)
    if (username, password) in ACCOUNTS:
        assert f"Hello, {username}!" in home
    else:
        assert "Hello, visitor!" in home
