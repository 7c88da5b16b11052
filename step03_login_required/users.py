"""The users, kept in memory until step 4 moves them into a database."""

from flask_login import UserMixin
from werkzeug.security import check_password_hash


class User(UserMixin):
    """A user as Flask-Login needs it: UserMixin adds get_id() and is_authenticated."""

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
        return check_password_hash(self.password_hash, password)


# Only a hash of each password is kept, made with scrypt at the OWASP minimum (Werkzeug's
# default is weaker): "wonderland" for alice, "bobthebuilder" for bob, "looking-glass" for carol.
USERS = {user.get_id(): user for user in [
    User(1, "alice", "scrypt:131072:8:1$GdMYyi5eHcERuOZz$e42b3335c9705b3778959753c8cf45714e437100a329db765fc07254932cce38285bb5ba66fcf0cc9fb48e0cc7f4f2fe422d398fb7cf6e3209362bcda8bd78ab"),
    User(2, "bob", "scrypt:131072:8:1$BIcBVHwGcI6er7rh$df438ef423a4f82b9d86dc0e78931bbe159e1aa0d1e2cc8563f190b825d01a49e535cea0a8d23f66bb5a98eb695a6cb1620abbdf25b9833bd42ae312c553b08c"),
    User(3, "carol", "scrypt:131072:8:1$fbPLiVDeNGBabWSP$62193d2bee32435a7bc72daa5b3575b9f3a45ac8463df99cc6015bcb7ac86aeda6981d254a7b585a353ba78573ef27f14793d876adf9f35efc7e0dc6da4379a3", active=False),
]}  # Keyed by get_id(): what the session holds and the loader receives.


def find_user(name):
    return next((user for user in USERS.values() if user.name == name), None)
