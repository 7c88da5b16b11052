"""The users: rows of a table, through a peewee model (steps 1 to 3 had a dictionary)."""

from flask import current_app
from flask_login import UserMixin
from peewee import BooleanField, CharField
from werkzeug.security import check_password_hash, generate_password_hash

from .db import db

# ASVS 6.2.1: at least 8 characters. Longer passphrases are always welcome.
MIN_PASSWORD_LENGTH = 8

# Name, password, active: the accounts `flask init-db` creates.
DEMO_ACCOUNTS = [("alice", "wonderland", True), ("bob", "bobthebuilder", True),
                 ("carol", "looking-glass", False)]


class User(UserMixin, db.Model):
    """A user as Flask-Login needs it, stored as a row of the users table."""

    name = CharField(max_length=64, unique=True)
    password_hash = CharField()
    active = BooleanField(default=True)

    class Meta:
        # Not "user": that is a reserved word in PostgreSQL.
        table_name = "users"

    # The login this user object came with, and its token (logins.py).
    login = None
    login_token = None

    def get_id(self):
        # What Flask-Login keeps in the session and the remember cookie: the
        # token of this login, not the user's id, so that it can be ended.
        return self.login_token

    @property
    def is_active(self):
        # A property, as Flask-Login reads it: `if not user.is_active`.
        return self.active

    def check_password(self, password):
        # A hash Werkzeug cannot read (a row edited by hand) raises ValueError, or
        # OverflowError for a number too big to use: either is a failed login.
        try:
            return check_password_hash(self.password_hash, password)
        except (ValueError, OverflowError):
            return False


def add_user(name, password, active=True):
    """Store a new user; only a hash of the password is kept."""
    return User.create(name=name, password_hash=hash_password(password), active=active)


def find_user(name):
    return User.get_or_none(User.name == name)


def password_problem(password):
    """Why password cannot be a new password, or None if it can."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    return None


def change_password(user, password):
    user.password_hash = hash_password(password)
    user.save(only=[User.password_hash])


def hash_password(password):
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_no_password(password):
    """As much work as checking a real password, and never a match: a missing user,
    answered at once, would show in the time a failed login takes. This hash names
    today's method, so checking it costs the same; it cannot match (`method$salt$hash`)."""
    check_password_hash(current_app.config["PASSWORD_HASH_METHOD"] + "$salt$no-hash", password)
