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

    def can_log_in(self, username, password):
        """Log in through the form: whether the home page then greets username."""
        self.login(username, password)
        home = self.client.get("/")
        assert home.status_code == 200
        return f"Hello, {username}!" in home.text

    def post(self, path, **fields):
        """Send a form as a logged-in visitor, with the CSRF token of the home page's forms."""
        return self.client.post(path, data={"csrf_token": self.csrf_token("/"), **fields})

    def change_password(self, new_password, current_password="wonderland"):
        """Send the settings form (from step 3): the current password, then the new one."""
        return self.post("/settings", current_password=current_password, new_password=new_password)

    def logout(self):
        return self.post("/logout")
