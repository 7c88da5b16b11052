"""Tokens and the API: what the tests may assume of a token a step makes, and how they call.

Whatever alphabet the step chose (`secrets.token_urlsafe`, `token_hex`, ...):
one word of printable ASCII, long enough to hold 128 random bits or more.
Whether a token works is checked by using it, never by its shape.
"""

import re
from datetime import datetime, timezone

# 128 bits are 22 characters of base64url, 32 of hex.
TOKEN_SHAPE = re.compile(r"[!-~]{22,}")


def looks_like_a_token(text):
    return isinstance(text, str) and TOKEN_SHAPE.fullmatch(text) is not None


# Each character's neighbour in its own class: a token of hex stays hex, a UUID a UUID.
NEIGHBOURS = {}
for characters in ["0123456789", "abcdef", "ghijklmnopqrstuvwxyz",
                   "ABCDEF", "GHIJKLMNOPQRSTUVWXYZ"]:
    NEIGHBOURS.update(zip(characters, characters[1:] + characters[0]))


def another_of_the_same_shape(token):
    """A token that no check of shape tells from this one, and that differs in every letter
    and digit: whatever alphabet and length the step chose, one it never issued."""
    return "".join(NEIGHBOURS.get(character, character) for character in token)


def tokens_of(client, token):
    """The caller's tokens, as GET /api/tokens lists them: {name: row}."""
    return {row["name"]: row for row in client.get("/api/tokens", headers=bearer(token)).json["tokens"]}


def iso_8601_time(text):
    """A time as the API writes it, in any ISO 8601 form (UTC when it names no zone)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def assert_json_error(response, status):
    """An error of the API: its status, in JSON, one message, no HTML."""
    assert response.status_code == status, f"expected {status} in JSON, got {response.status_code}"
    assert response.is_json, f"a {status} that is not JSON: {response.content_type}"
    assert response.json.get("error"), f"a {status} without an error message: {response.json}"
    assert "<html" not in response.text.lower()
