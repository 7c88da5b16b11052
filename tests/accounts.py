"""The demo accounts, and changing users behind an app's back as an administrator would.

What differs between steps lives here and nowhere else. Steps 1 to 3 keep
their users in ``USERS``, a dictionary the step package offers, from each
user's ``get_id()`` to a user with ``name``, ``password_hash`` and ``active``.
Steps 4 and 5 keep them in a database, through the ``User`` model the package
offers.
"""

import copy

from werkzeug.security import generate_password_hash

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
    """Steps 4 and 5: rows of the package's User model."""

    def __init__(self, module):
        self.User = module.User

    def name_of_active(self, user_id):
        """None: from step 4 the session holds a login's random token, never a guessable id."""
        return None

    def deactivate(self, name):
        self._update(name, active=False)

    def reactivate(self, name):
        self._update(name, active=True)

    def delete(self, name):
        assert self.User.delete().where(self.User.name == name).execute() == 1

    def set_password_hash(self, name, password_hash):
        self._update(name, password_hash=password_hash)

    def _update(self, name, **values):
        assert self.User.update(**values).where(self.User.name == name).execute() == 1
