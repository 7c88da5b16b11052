"""The demo accounts, and changing users behind an app's back as an administrator would.

What differs between steps lives here and nowhere else. Steps 1 to 3 keep
their users in ``USERS``, a dictionary the step package offers, from each
user's ``get_id()`` to a user with ``name``, ``password_hash`` and ``active``.
Steps 4 and 5 keep them in a database: they are switched off and on with the
step's own commands, and otherwise found by what their row holds (the name,
a password hash), never by a model's or a column's name.
"""

import copy

from werkzeug.security import generate_password_hash

from tests.databases import models_of, run_command

# The same in every step (README.md); carol's account is switched off.
DEMO_PASSWORDS = {"alice": "wonderland", "bob": "bobthebuilder", "carol": "looking-glass"}

_original_users = {}


def original_users(module):
    """A step's USERS as its code defines them, before any test changed them."""
    if module.__name__ not in _original_users:
        _original_users[module.__name__] = copy.deepcopy(module.USERS)
    return _original_users[module.__name__]


def reset_memory_users(module, hash_method):
    """Put back a step's USERS as the code has them, with cheaply hashed passwords.

    USERS is module-level data that lives as long as the test process, so
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
        user.password_hash = cheap[user.name]
        users[user_id] = user
    module.USERS.clear()
    module.USERS.update(users)


class MemoryUsers:
    """Steps 1 to 3: the users of the package's USERS dictionary."""

    def __init__(self, module):
        self.store = module.USERS

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


class DatabaseUsers:
    """Steps 4 and 5: rows of a table of the step's database."""

    def __init__(self, app, step):
        self.app = app
        self.step = step

    def name_of_active(self, user_id):
        """None: from step 4 the session holds a login's random token, never a guessable id."""
        return None

    def deactivate(self, name):
        run_command(self.app, "deactivate-user", name)

    def reactivate(self, name):
        run_command(self.app, "activate-user", name)

    def delete(self, name):
        """Delete the user's row, and the rows that depend on it (logins, tokens)."""
        self.row_of(name).delete_instance(recursive=True)

    def password_hash_of(self, name):
        row = self.row_of(name)
        return row.__data__[self._hash_field(row)]

    def set_password_hash(self, name, password_hash):
        row = self.row_of(name)
        model, primary_key = type(row), type(row)._meta.primary_key
        updated = (
            model.update({self._hash_field(row): password_hash})
            .where(primary_key == getattr(row, primary_key.name))
            .execute()
        )
        assert updated == 1

    def row_of(self, name):
        """The row of the user called name: the one that holds the name and a password hash."""
        for model in models_of(self.step):
            for row in model.select():
                values = row.__data__.values()
                if name in values and any(map(is_password_hash, values)):
                    return row
        raise AssertionError(f"no row holds the user {name!r}")

    def _hash_field(self, row):
        return next(field for field, value in row.__data__.items() if is_password_hash(value))


def is_password_hash(value):
    """Whether value reads like a Werkzeug password hash: `method$salt$hash`."""
    return isinstance(value, str) and value.startswith(("scrypt:", "pbkdf2:")) and value.count("$") == 2
