"""Step 4's user loader, with Flask-SQLAlchemy instead of Flask-Peewee (docs/sqlalchemy.md).

A small complete app: a User table with an `active` column, Flask-Login with
its loader, and one page for logged-in users. It has no login form: the
loader is the point, and kit/tests/test_sqlalchemy_loader.py logs users in
with Flask-Login's test client.

    .venv/bin/flask --app docs/examples/sqlalchemy/app.py run
"""

import os
import re

from flask import Flask
from flask_login import LoginManager, UserMixin, current_user, login_required
from flask_sqlalchemy import SQLAlchemy
from markupsafe import escape
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """SQLAlchemy 2's declarative base: the models' columns are typed with Mapped[...]."""


# Created without an app, like step 4's Database(): create_app() tells them which app.
db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()


class User(UserMixin, db.Model):
    """A user as Flask-Login needs it. UserMixin's get_id() returns str(self.id)."""

    # Not "user": that is a reserved word in PostgreSQL.
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def is_active(self):
        return self.active


@login_manager.user_loader
def load_user(user_id):
    """Turn the id stored in the session back into a user, or None.

    Returning None makes the visitor anonymous; raising would be a 500.
    """
    # The id arrives as it was stored: the string get_id() returned at login,
    # digits. Anything else can only come from a tampered session, and is not
    # worth a query (int() raises on "abc"; 19 digits can overflow SQLite's integer).
    if not (isinstance(user_id, str) and re.fullmatch(r"[0-9]{1,18}", user_id)):
        return None
    # get() answers None when no row has this key: there is nothing to catch. What
    # it does raise is a failing database, which must be an error page, not a logout.
    user = db.session.get(User, int(user_id))
    # A user switched off after logging in is logged out on the next request.
    if user is None or not user.is_active:
        return None
    return user


def create_app(test_config=None):
    """Create and configure the app (the application factory)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        # Signs the session cookie, which holds the user's id: never in the code.
        SECRET_KEY=os.environ.get("FLASK_SECRET_KEY"),
        # A relative SQLite path is a file in the instance folder.
        SQLALCHEMY_DATABASE_URI="sqlite:///sqlalchemy-example.db",
    )
    if test_config is not None:
        app.config.update(test_config)

    db.init_app(app)
    # Without a login_view (this app has no login page), @login_required answers 401.
    login_manager.init_app(app)
    with app.app_context():
        # Creates the table if it is missing; leaves an existing one alone.
        db.create_all()

    @app.get("/profile")
    @login_required
    def profile():
        """A page for logged-in users only."""
        return f"Hello, {escape(current_user.name)}!"

    return app
