"""API tokens: long random secrets that programs send instead of a password.

A token is shown once, when it is issued, and only its SHA-256 hash is
stored. A fast hash is enough here, unlike for passwords: a token has 256
random bits, far too many to guess, so there is nothing for a slow hash to
slow down. And an unsalted hash can be looked up directly.
"""

import hashlib
import re
import secrets

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField

from .db import db, utc_now
from .users import User

# What secrets.token_urlsafe(32) produces: 32 random bytes (256 bits),
# base64url-encoded into 43 characters.
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


class ApiToken(db.Model):
    user = ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    name = CharField(max_length=64)
    token_hash = CharField(max_length=64, unique=True)
    created = DateTimeField(default=utc_now)
    revoked = BooleanField(default=False)

    class Meta:
        table_name = "api_tokens"


def new_token(user, name):
    """Store a new token for user and return it: the only time it is seen."""
    token = secrets.token_urlsafe(32)
    ApiToken.create(user=user, name=name, token_hash=hash_token(token))
    return token


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token(request):
    """The token of an `Authorization: Bearer <token>` header, or None.

    Only the header: a token in the query string would end up in server
    logs, browser history and Referer headers.
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not TOKEN.fullmatch(token):
        return None
    return token


def find_token(token):
    """The unrevoked ApiToken with this value, with its user, or None."""
    # Looked up by its hash: the token itself is not in the database.
    return (
        ApiToken.select(ApiToken, User)
        .join(User)
        .where((ApiToken.token_hash == hash_token(token)) & ~ApiToken.revoked)
        .get_or_none()
    )
