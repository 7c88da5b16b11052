"""The users, in a database table.

Steps 1 to 3 kept users in a dictionary. Here they are rows of the users
table, through a peewee model, and finding a user by name is a query.
"""

import re

from flask import current_app
from flask_login import UserMixin
from peewee import BooleanField, CharField
from werkzeug.security import check_password_hash, generate_password_hash

from .db import db

# ASVS 6.2.1: at least 8 characters. Longer passphrases are always welcome.
MIN_PASSWORD_LENGTH = 8

# Letters, digits, ".", "_" and "-": no spaces, no control characters.
NAME = re.compile(r"[\w.-]{1,64}")

# Name, password, active. `flask init-db` creates these accounts.
DEMO_ACCOUNTS = [
    ("alice", "wonderland", True),
    ("bob", "bobthebuilder", True),
    ("carol", "looking-glass", False),
]


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
        return password_matches(self.password_hash, password)


def authenticate(name, password):
    """Return the active user with this name and password, or None."""
    user = find_user(name)
    if user is None:
        # Finding a user is a query now, and a missing one would be answered
        # at once. Do the work of a wrong password instead, so that timing
        # does not tell which names exist.
        check_no_password(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def add_user(name, password, active=True):
    """Store a new user; only a hash of the password is kept."""
    return User.create(name=name, password_hash=hash_password(password), active=active)


def find_user(name):
    """The user called name, or None."""
    # A name no account could have is not worth a query.
    if name_problem(name):
        return None
    return User.get_or_none(User.name == name)


def name_problem(name):
    """Why name cannot be a username, or None if it can."""
    if not NAME.fullmatch(name):
        return "A username is 1 to 64 letters, digits, '.', '_' or '-'."
    return None


def password_problem(password):
    """Why password cannot be a new password, or None if it can."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    return None


def change_password(user, password):
    user.password_hash = hash_password(password)
    user.save(only=[User.password_hash])


def hash_password(password):
    method = current_app.config["PASSWORD_HASH_METHOD"]
    return generate_password_hash(password, method=method)


def password_matches(password_hash, password):
    """Check a password against a stored hash. A malformed hash never matches."""
    try:
        return check_password_hash(password_hash, password)
    except ValueError:
        # Werkzeug raises for a hash whose method it does not know, or whose
        # parameters are wrong, as a row edited by hand might hold: that is a
        # failed login, not a crash. (A hash without "$" is simply False.)
        return False


def check_no_password(password):
    """As much work as checking a real password, and never a match."""
    # Werkzeug's hashes read `method$salt$hash`. Checking this one runs
    # today's method in full, and then cannot match.
    password_matches(current_app.config["PASSWORD_HASH_METHOD"] + "$salt$no-hash", password)
