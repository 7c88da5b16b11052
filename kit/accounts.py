"""The demo accounts, and changing users behind an app's back as an administrator would.

What differs between steps lives here and nowhere else. Steps 1 to 3 keep
their users in memory: a dictionary at the top level of one of the step's
modules, from each user's ``get_id()`` to a Flask-Login user with ``name``,
``password_hash`` and ``active`` (found by what it holds, not by its name).
From step 4 they are rows of a database: switched off and on with the
step's own commands, and otherwise found by what their row holds (the name,
a password hash), never by a model's or a column's name.
"""

import copy
import sys

from flask_login import UserMixin
from werkzeug.security import generate_password_hash

from kit.databases import init_db, is_password_hash, models_of, queries_from_outside, run_command

# The same in every step (README.md); carol's account is switched off.
DEMO_PASSWORDS = {"alice": "wonderland", "bob": "bobthebuilder", "carol": "looking-glass"}

_original_users = {}
_found_users = {}


def users_of(module):
    """The dictionary of users that the step's code keeps, wherever it keeps it.

    Looked for once per module: the tests change it in place, never replace it.
    """
    if _found_users.get(module.__name__, (None,))[0] is not module:
        _found_users[module.__name__] = module, find_users(module)
    return _found_users[module.__name__][1]


def find_users(module):
    for name, each in list(sys.modules.items()):
        if name == module.__name__ or name.startswith(module.__name__ + "."):
            for value in vars(each).values():
                if (isinstance(value, dict) and value
                        and all(isinstance(user, UserMixin) for user in value.values())):
                    return value
    raise AssertionError(f"{module.__name__} keeps no dictionary of users in memory")


def original_users(module):
    """A step's users as its code defines them, before any test changed them."""
    if module.__name__ not in _original_users:
        _original_users[module.__name__] = copy.deepcopy(users_of(module))
    return _original_users[module.__name__]


def reset_memory_users(module, hash_method):
    """Put back a step's users as the code has them, with cheaply hashed passwords.

    They are module-level data that lives as long as the test process, so
    every test starts from the demo accounts again. The step's own hashes are
    scrypt at full strength, slow on purpose: tests use a cheap method.
    """
    cheap = {
        name: generate_password_hash(password, hash_method)
        for name, password in DEMO_PASSWORDS.items()
    }
    users = {}
    for user_id, original in original_users(module).items():
        user = copy.copy(original)
        # A user of the reader's own (an exercise's) keeps the hash the code gives.
        user.password_hash = cheap.get(user.name, user.password_hash)
        users[user_id] = user
    store = users_of(module)
    store.clear()
    store.update(users)


class MemoryUsers:
    """Steps 1 to 3: the users of the step's dictionary."""

    def __init__(self, module):
        self.store = users_of(module)

    def id_of(self, name):
        return next(key for key, user in self.store.items() if user.name == name)

    def deactivate(self, name):
        self.store[self.id_of(name)].active = False

    def delete(self, name):
        del self.store[self.id_of(name)]

    def name_of_active(self, user_id):
        """The name of the active user whose get_id() is user_id, or None."""
        user = self.store.get(user_id) if isinstance(user_id, str) else None
        return user.name if user is not None and user.active else None


def init_demo_database(app, step):
    """The step's own `init-db`, then the demo passwords hashed with the app's method (the
    tests' cheap one).

    A folder's init-db may store hashes made ahead of time at full strength
    (the task leaves that open), half a second a check. The tests log in
    thousands of times: they set those passwords again with the folder's own
    `set-password`, which hashes with the app's PASSWORD_HASH_METHOD.
    """
    init_db(app)
    users = DatabaseUsers(app, step)
    for name, password in DEMO_PASSWORDS.items():
        if not users.password_hash_of(name).startswith(app.config["PASSWORD_HASH_METHOD"] + "$"):
            run_command(app, "set-password", name, "--password", password)


class DatabaseUsers:
    """From step 4: rows of a table of the step's database.

    Each query is made as an administrator's would be, from outside a
    request, and its connection closed after.
    """

    def __init__(self, app, step):
        self.app = app
        self.step = step

    def id_of(self, name):
        """What get_id() returns in steps 4 to 6: the user's row id, as a string."""
        with queries_from_outside(self.step):
            row = self.row_of(name)
            return str(getattr(row, type(row)._meta.primary_key.name))

    def name_of_active(self, user_id):
        """The name of the active user whose get_id() is user_id, or None.

        Asked of the folder's own users, not of its step number: a workshop's
        step 7 starts as a copy of step 6, whose get_id() is still the row's id.
        """
        if not isinstance(user_id, str):
            return None
        with queries_from_outside(self.step):
            for name in DEMO_PASSWORDS:
                row = self.row_of(name, missing_ok=True)
                if row is not None and id_given_by(row) == user_id and is_active(row):
                    return name
        return None

    def deactivate(self, name):
        run_command(self.app, "deactivate-user", name)

    def reactivate(self, name):
        run_command(self.app, "activate-user", name)

    def delete(self, name):
        """Delete the user's row, and the rows that depend on it (logins, tokens)."""
        with queries_from_outside(self.step):
            self.row_of(name).delete_instance(recursive=True)

    def password_hash_of(self, name):
        with queries_from_outside(self.step):
            row = self.row_of(name)
        return row.__data__[self._hash_field(row)]

    def set_password_hash(self, name, password_hash):
        with queries_from_outside(self.step):
            row = self.row_of(name)
            model, primary_key = type(row), type(row)._meta.primary_key
            updated = (
                model.update({self._hash_field(row): password_hash})
                .where(primary_key == getattr(row, primary_key.name))
                .execute()
            )
        assert updated == 1

    def row_of(self, name, missing_ok=False):
        """The row of the user called name: the one that holds the name and a password hash."""
        for model in models_of(self.step):
            for row in model.select():
                values = row.__data__.values()
                if name in values and any(map(is_password_hash, values)):
                    return row
        if missing_ok:
            return None
        raise AssertionError(f"no row holds the user {name!r}")

    def _hash_field(self, row):
        return next(field for field, value in row.__data__.items() if is_password_hash(value))


def id_given_by(row):
    """What get_id() returns for a user's row loaded on its own.

    The row's id in steps 4 to 6; from step 7, the token of a login, which a
    row loaded without one does not have (None, or an error from a get_id()
    that needs a login, of whatever kind the folder raises).
    """
    try:
        return row.get_id()
    except Exception:
        return None


def is_active(row):
    """Whether a user's row says the account is on: its one boolean column."""
    flags = [value for value in row.__data__.values() if isinstance(value, bool)]
    return flags == [True]
