"""Logins: one row for each browser that logged in, until it logs out.

Flask-Login keeps whatever get_id() returns in the session cookie and in
the remember-me cookie. Until step 3 that was the user's id, which no
logout can take back. Here it is the random token of one login (the
"alternative tokens" of Flask-Login's documentation, per login instead of
per user), and only its hash is stored: deleting the row ends the login,
and every copy of its cookies with it.
"""

import hashlib
import re
import secrets

from flask import current_app
from peewee import CharField, DateTimeField, ForeignKeyField

from .db import db
from .users import User, set_password, utc_now

# What secrets.token_urlsafe(32) produces: 32 random bytes (256 bits),
# base64url-encoded into 43 characters.
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


class Login(db.Model):
    user = ForeignKeyField(User, backref="logins", on_delete="CASCADE")
    # SHA-256 of the token: a leaked table lets nobody in. A fast hash is
    # enough for 256 random bits, and it can be looked up directly.
    token_hash = CharField(max_length=64, unique=True)
    created = DateTimeField(default=utc_now)
    # When the password was last typed for this login: at login, or to
    # confirm it. Freshness is measured from here.
    password_typed = DateTimeField(default=utc_now)
    # Which browser, so that the user can tell their logins apart.
    user_agent = CharField(max_length=200)

    class Meta:
        table_name = "logins"


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start_login(user, user_agent):
    """Record a new login for user; give user its token, for get_id()."""
    token = secrets.token_urlsafe(32)
    # Printable characters only, and a bounded length: the header is the
    # browser's to write (PostgreSQL refuses a NUL byte in text).
    user_agent = "".join(c for c in user_agent if c.isprintable())[:200]
    user.login = Login.create(user=user, token_hash=hash_token(token), user_agent=user_agent)
    user.login_token = token
    # Logins past their lifetime can no longer be used; clear them away.
    Login.delete().where((Login.user == user) & (Login.created <= oldest_allowed())).execute()


# The loader's one query, written out. peewee would build this SQL text
# again on every request, and building it takes twenty times as long as the
# database takes to answer; the loader runs on nearly every request (see
# make bench). `{0}` is the database's placeholder: `?` or `%s`.
FIND_LOGIN = """
    SELECT logins.id, logins.password_typed, users.id, users.name, users.password_hash
    FROM logins JOIN users ON users.id = logins.user_id
    WHERE logins.token_hash = {0} AND logins.created > {0} AND users.active
"""


def find_user(token):
    """The active user of the live login with this token, or None: one query.

    The user comes back with its login attached, and the token for get_id().
    """
    if not (isinstance(token, str) and TOKEN.fullmatch(token)):
        return None
    query = FIND_LOGIN.format(db.database.param)
    row = db.database.execute_sql(query, (hash_token(token), oldest_allowed())).fetchone()
    if row is None:
        return None
    login_id, password_typed, user_id, name, password_hash = row
    user = User(id=user_id, name=name, password_hash=password_hash, active=True)
    password_typed = Login.password_typed.python_value(password_typed)
    user.login = Login(id=login_id, user=user, password_typed=password_typed)
    user.login_token = token
    return user


def oldest_allowed():
    """Logins created at or before this moment are over (LOGIN_LIFETIME)."""
    return utc_now() - current_app.config["LOGIN_LIFETIME"]


def password_typed_recently(login):
    """Whether the password was typed for this login within FRESH_LOGIN_LIFETIME."""
    return login.password_typed > utc_now() - current_app.config["FRESH_LOGIN_LIFETIME"]


def confirm_password_typed(login):
    """The user typed the password again for this login: it is fresh from now."""
    return Login.update(password_typed=utc_now()).where(Login.id == login.id).execute()


def end_login(login):
    Login.delete().where(Login.id == login.id).execute()


def end_logins(user, keep=None):
    """End every login of user, or every one but keep."""
    query = Login.delete().where(Login.user == user)
    if keep is not None:
        query = query.where(Login.id != keep.id)
    return query.execute()


def live_logins(user):
    """The user's logins that can still be used, the newest first."""
    return (
        Login.select()
        .where((Login.user == user) & (Login.created > oldest_allowed()))
        .order_by(Login.created.desc(), Login.id.desc())
    )


def change_password(user, password):
    """Give user a new password and end their other logins; this one stays, fresh.

    Returns False, changing nothing, if this login has ended meanwhile (a
    password change on another browser, say). One transaction, which writes
    the user's row first: two changes at once wait for each other, and none
    holds one login's row while waiting for another's (on PostgreSQL, that
    could deadlock with "log out everywhere").
    """
    with db.database.atomic() as transaction:
        set_password(user, password)
        if not Login.select().where(Login.id == user.login.id).exists():
            transaction.rollback()
            return False
        end_logins(user, keep=user.login)
    confirm_password_typed(user.login)
    return True
