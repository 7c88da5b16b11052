"""The demo users, kept in memory.

Steps 1 to 3 keep users in a dictionary so that Flask-Login is the only new
thing to learn. Step 4 moves them into a database.
"""

from flask import current_app
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

# ASVS 6.2.1: at least 8 characters. Longer passphrases are always welcome.
MIN_PASSWORD_LENGTH = 8

# Name, password, active. carol's account is switched off: she cannot log in.
DEMO_ACCOUNTS = [
    ("alice", "wonderland", True),
    ("bob", "bobthebuilder", True),
    ("carol", "looking-glass", False),
]


class User(UserMixin):
    """A user as Flask-Login needs it.

    UserMixin provides get_id() (the id as a string, stored in the session)
    and is_authenticated; we provide is_active.
    """

    def __init__(self, id, name, password_hash, active=True):
        self.id = id
        self.name = name
        self.password_hash = password_hash
        self.active = active

    @property
    def is_active(self):
        # A property, as Flask-Login reads it: `if not user.is_active`.
        return self.active

    def check_password(self, password):
        return password_matches(self.password_hash, password)


def init_app(app):
    """Give the app its own user store holding the demo accounts."""
    app.extensions["users"] = {}
    with app.app_context():
        for name, password, active in DEMO_ACCOUNTS:
            add_user(name, password, active)


def add_user(name, password, active=True):
    """Store a new user; only a hash of the password is kept."""
    store = current_app.extensions["users"]
    user = User(len(store) + 1, name, hash_password(password), active)
    store[user.get_id()] = user
    return user


def get_user(user_id):
    """The user whose get_id() is user_id, or None."""
    return current_app.extensions["users"].get(user_id)


def find_user(name):
    """The user called name, or None."""
    for user in current_app.extensions["users"].values():
        if user.name == name:
            return user
    return None


def password_problem(password):
    """Why password cannot be a new password, or None if it can."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    return None


def change_password(user, password):
    user.password_hash = hash_password(password)


def hash_password(password):
    method = current_app.config["PASSWORD_HASH_METHOD"]
    return generate_password_hash(password, method=method)


def password_matches(password_hash, password):
    """Check a password against a stored hash. A malformed hash never matches."""
    try:
        return check_password_hash(password_hash, password)
    except ValueError:
        # Werkzeug raises on a hash it cannot read (unknown method, bad
        # parameters): that is a failed login, not a crash.
        return False
