"""What the tests may assume of a token a step makes (an API token, a login's token).

Whatever alphabet the step chose (`secrets.token_urlsafe`, `token_hex`, ...):
one word of printable ASCII, long enough to hold 128 random bits or more.
Whether a token works is checked by using it, never by its shape.
"""

import re

# 128 bits are 22 characters of base64url, 32 of hex.
TOKEN_SHAPE = re.compile(r"[!-~]{22,}")


def looks_like_a_token(text):
    return isinstance(text, str) and TOKEN_SHAPE.fullmatch(text) is not None
