"""The one form client: a visitor who logs in, posts and logs out through a step's forms.

It works over any client that speaks like Flask's test client (`get`,
`post`, responses with `status_code`, `headers` and `text`): Flask's own,
for the tests, the diagrams and the bench, or kit/http.py's, for a step
served by a real server. Every POST carries the CSRF token of a form, as a
browser sends it.
"""

import re

# The hidden field every POST form carries (Flask-WTF's CSRF token).
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token_of(page):
    """The CSRF token of the forms on a page (its HTML)."""
    match = CSRF_FIELD.search(page)
    assert match, "no csrf_token field on the page"
    return match.group(1)


class FormClient:
    """A visitor with a cookie jar of their own: the client it uses."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self, path="/login"):
        """The CSRF token from the form on the page at path (or where it redirects)."""
        return csrf_token_of(self.client.get(path, follow_redirects=True).text)

    def login(self, username="alice", password="wonderland", path="/login", **fields):
        """Open the login form (at path) and send it with the fields given."""
        form = {"csrf_token": self.csrf_token(path), "username": username, "password": password,
                **fields}
        return self.client.post(path, data=form)

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
        """Send the settings form: the current password, then the new one."""
        return self.post("/settings", current_password=current_password, new_password=new_password)

    def logout(self):
        return self.post("/logout")
