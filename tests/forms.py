"""Logging in and out through the forms, as a browser would."""

import re

# The hidden field every POST form carries (Flask-WTF's CSRF token).
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class AuthActions:
    """A visitor with a cookie jar of their own: a Flask test client."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self, path="/login"):
        """The CSRF token from the form on the page at path (or where it redirects)."""
        match = CSRF_FIELD.search(self.client.get(path, follow_redirects=True).text)
        assert match, f"no csrf_token field on {path}"
        return match.group(1)

    def login(self, username="alice", password="wonderland", **fields):
        form = {
            "csrf_token": self.csrf_token(),
            "username": username,
            "password": password,
            **fields,
        }
        return self.client.post("/login", data=form)

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.csrf_token("/")})
