"""docs/sqlalchemy.md: step 4's user loader written for Flask-SQLAlchemy, run.

The example app (docs/examples/sqlalchemy/app.py) answers its one page,
/profile, to a logged-in user, and 401 to anyone else (it has no login
page to redirect to). Whoever the loader does not accept must be an
anonymous visitor, never a 500. The last tests run the loader most
tutorials show, to keep what the page says of it true.
"""

import importlib

import pytest
from flask_login import FlaskLoginClient, current_user


@pytest.fixture(scope="module")
def example():
    """The example module, imported when its first test runs rather than when pytest collects
    this file: a run without FULL=1 deselects these tests, and need not load SQLAlchemy."""
    return importlib.import_module("docs.examples.sqlalchemy.app")


@pytest.fixture
def example_app(example, tmp_path):
    """The example app on a SQLite file of its own; its test clients can log a user in."""
    app = example.create_app({
        "TESTING": True,
        "SECRET_KEY": "testing",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'users.db'}",
        # An exception is the 500 page a visitor would get, not an error in the test.
        "PROPAGATE_EXCEPTIONS": False,
    })
    # app.test_client(user=...) starts with that user logged in.
    app.test_client_class = FlaskLoginClient
    return app


class UsersTable:
    """The example's users, changed behind the app's back, as another process would."""

    def __init__(self, example, app):
        self.db, self.User, self.app = example.db, example.User, app

    def logged_in(self, name):
        """A new user: a client whose session holds their id, as after their login, and the id."""
        with self.app.app_context():
            user = self.User(name=name)
            self.db.session.add(user)
            self.db.session.commit()
            return self.app.test_client(user=user), user.id

    def delete(self, user_id):
        self.change(self.db.delete(self.User).where(self.User.id == user_id))

    def switch_off(self, user_id):
        self.change(self.db.update(self.User).where(self.User.id == user_id).values(active=False))

    def rename_away(self):
        """As a migration gone wrong might leave it: every query for a user now fails."""
        self.change(self.db.text('ALTER TABLE "users" RENAME TO "users_gone"'))

    def change(self, statement):
        with self.app.app_context():
            self.db.session.execute(statement)
            self.db.session.commit()


@pytest.fixture
def table(example, example_app):
    return UsersTable(example, example_app)


def visit_profile(client):
    """The profile page's answer, and whether current_user was anonymous while it was made."""
    # `with client` keeps the request's context after the response, so current_user is
    # what the request saw, not a new load.
    with client:
        response = client.get("/profile")
        return response, current_user.is_anonymous


def test_a_user_whose_row_exists_sees_the_page(table):
    alice, _ = table.logged_in("alice")
    response, anonymous = visit_profile(alice)
    assert response.status_code == 200
    assert response.text == "Hello, alice!"
    assert not anonymous


def test_a_user_whose_row_was_deleted_is_anonymous(table):
    """db.session.get() answers None for the missing row: a 401, not a 500."""
    bob, bob_id = table.logged_in("bob")
    table.delete(bob_id)
    response, anonymous = visit_profile(bob)
    assert response.status_code == 401
    assert anonymous


def test_a_switched_off_user_is_anonymous(table):
    """Not only refused by @login_required: current_user is no longer the user."""
    carol, carol_id = table.logged_in("carol")
    table.switch_off(carol_id)
    response, anonymous = visit_profile(carol)
    assert response.status_code == 401
    assert anonymous


def test_a_database_that_fails_is_an_error_page_not_a_logout(table):
    """The loader catches nothing: a query that fails is a 500, not every user logged out."""
    alice, _ = table.logged_in("alice")
    table.rename_away()
    assert alice.get("/profile").status_code == 500


# What a tampered session may hold instead of the digits get_id() wrote. alice,
# whose id is 1, exists: int() reads " 1 ", "١" (an Arabic-Indic one) and 1.0 as 1.
UNUSABLE_IDS = {
    "not a number": "abc",
    "empty": "",
    "decimal": "1.5",
    "whitespace": " 1 ",
    "non-ASCII digit": "\u0661",
    "too big for SQLite": "9" * 30,
    "too long for int()": "9" * 5000,
    "int instead of str": 1,
    "float": 1.0,
    "list": ["1"],
}


def a_session_holding(app, user_id):
    """A client whose session holds user_id where Flask-Login keeps the logged-in user's id."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
    return client


@pytest.mark.parametrize("kind", UNUSABLE_IDS)
def test_a_session_holding_an_unusable_id_is_an_anonymous_visitor(example_app, table, kind):
    table.logged_in("alice")
    response, anonymous = visit_profile(a_session_holding(example_app, UNUSABLE_IDS[kind]))
    assert response.status_code == 401
    assert anonymous


@pytest.fixture
def the_loader_most_tutorials_show(example, monkeypatch):
    """The example with the Mega-Tutorial's loader in place of its own (kit/measure/peer.py's)."""

    def load_user(user_id):
        return example.db.session.get(example.User, int(user_id))

    monkeypatch.setattr(example.login_manager, "_user_callback", load_user)


# What the page says that loader does with some of those ids: a 500 where int() or
# SQLite's driver raises, alice's page where int() reads the id as 1.
WHAT_IT_ANSWERS = {"not a number": 500, "too big for SQLite": 500, "too long for int()": 500,
                   "list": 500, "whitespace": 200, "non-ASCII digit": 200}


@pytest.mark.usefixtures("the_loader_most_tutorials_show")
@pytest.mark.parametrize("kind", WHAT_IT_ANSWERS)
def test_the_loader_most_tutorials_show_mishandles_ids_this_one_refuses(example_app, table, kind):
    table.logged_in("alice")
    client = a_session_holding(example_app, UNUSABLE_IDS[kind])
    assert client.get("/profile").status_code == WHAT_IT_ANSWERS[kind]


@pytest.mark.usefixtures("the_loader_most_tutorials_show")
def test_the_loader_most_tutorials_show_keeps_a_switched_off_user_as_current_user(table):
    """@login_required refuses them (UserMixin.is_authenticated is is_active since 0.6),
    but current_user is still that user, not an anonymous one."""
    carol, carol_id = table.logged_in("carol")
    table.switch_off(carol_id)
    response, anonymous = visit_profile(carol)
    assert response.status_code == 401
    assert not anonymous
