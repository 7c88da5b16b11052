"""Logins that can end: each login is a row, with a random token that get_id() returns
(Flask-Login's "alternative token"). Deleting the row ends it, copied cookies included.
"""

import hashlib
import re
import secrets

from flask import current_app
from peewee import CharField, DateTimeField, ForeignKeyField

from .db import db, utc_now
from .tokens import revoke_tokens_of
from .users import User, change_password

# secrets.token_urlsafe(32): 32 random bytes (256 bits), in 43 base64url characters.
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


class Login(db.Model):
    user = ForeignKeyField(User, backref="logins", on_delete="CASCADE")
    # SHA-256 of the token: a leaked table lets nobody in. A fast hash is
    # enough for 256 random bits, and it can be looked up directly.
    token_hash = CharField(max_length=64, unique=True)
    created = DateTimeField(default=utc_now)
    # When the password was last typed for this login: freshness counts from here.
    password_typed = DateTimeField(default=utc_now)
    # Which browser, so that the user can tell their logins apart.
    user_agent = CharField(max_length=200)

    class Meta:
        table_name = "logins"


def hash_login_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start_login(user, user_agent):
    """Record a new login for user; give user its token, for get_id()."""
    token = secrets.token_urlsafe(32)
    # Printable characters only, and a bounded length: the browser writes the header.
    user_agent = "".join(c for c in user_agent if c.isprintable())[:200]
    user.login = Login.create(user=user, token_hash=hash_login_token(token), user_agent=user_agent)
    user.login_token = token
    # Logins past their lifetime can no longer be used; clear them away.
    Login.delete().where((Login.user == user) & (Login.created <= oldest_allowed())).execute()


def oldest_allowed():
    """Logins created at or before this moment are over (LOGIN_LIFETIME)."""
    return utc_now() - current_app.config["LOGIN_LIFETIME"]


def password_typed_recently(login):
    """Whether the password was typed for this login within FRESH_LOGIN_LIFETIME."""
    return login.password_typed > utc_now() - current_app.config["FRESH_LOGIN_LIFETIME"]


def password_typed_again(user):
    """The password was typed again: this login is fresh, with a new token (ASVS 7.2.4:
    cookies copied before carry the old one, and stop working)."""
    token = secrets.token_urlsafe(32)
    fresh = {Login.token_hash: hash_login_token(token), Login.password_typed: utc_now()}
    Login.update(fresh).where(Login.id == user.login.id).execute()
    user.login_token = token


def end_one_login(login):
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


def change_password_and_end_other_logins(user, password, revoke_tokens):
    """Give user a new password, end their other logins (this one stays, fresh),
    and revoke their API tokens if asked.

    False, changing nothing, if this login has ended meanwhile. One transaction,
    which writes the user's row first: two changes at once wait for each other,
    and none holds a login's row while waiting (a deadlock, on PostgreSQL).
    """
    with db.database.atomic() as transaction:
        change_password(user, password)
        if not Login.select().where(Login.id == user.login.id).exists():
            transaction.rollback()
            return False
        end_logins(user, keep=user.login)
        if revoke_tokens:
            revoke_tokens_of(user)
    password_typed_again(user)
    return True
