"""The one form client: a visitor who logs in, posts and logs out through a step's forms.

It works over any client that speaks like Flask's test client (`get`,
`post`, responses with `status_code`, `headers` and `text`): Flask's own,
for the tests, the diagrams and the bench, or kit/http.py's, for a step
served by a real server. A form is sent as a browser sends it: with what the
page's form carries on its own (its hidden CSRF token, a `next`), and the
fields filled in; whatever the markup around them.
"""

import re
from urllib.parse import urljoin

from kit.pages import form_on, hidden_fields, ticked, words

# Flask-WTF's CSRF token, as the steps write its hidden field: for a test that
# takes a token out of a page to compare the rest.
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


# Redirects a page may take before it shows: a learner's folder may send a
# visitor round in a loop (a login page behind @login_required), which must
# fail a test, not hang it.
MOST_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)


def page_at(client, path):
    """GET path and follow its redirects as a browser would; a loop fails with where it went."""
    visited = [path]
    response = client.get(path)
    while response.status_code in REDIRECTS:
        assert len(visited) <= MOST_REDIRECTS, f"a loop of redirects: {' -> '.join(visited)}"
        path = urljoin(path, response.headers["Location"])
        visited.append(path)
        response = client.get(path)
    return response


def page_shown(client, response):
    """The page a visitor sees after a form's answer: that answer, or where it redirects (a
    folder may answer a failed form with the form again, or with a redirect to it)."""
    if response.status_code in REDIRECTS:
        return page_at(client, response.headers["Location"])
    return response


class FormClient:
    """A visitor with a cookie jar of their own: the client it uses."""

    def __init__(self, client):
        self.client = client

    def send(self, page, url, posting_to=None, **fields):
        """Send the form on page (the HTML found at url), with the fields filled in."""
        form = form_on(page, posting_to)
        action = urljoin(url, form.attrs.get("action") or url)
        return self.client.post(action, data={**hidden_fields(form), **ticked(form, fields)})

    def csrf_token(self, path="/login"):
        """The CSRF token of the form on the page at path (or where it redirects)."""
        page = page_at(self.client, path).text
        return hidden_fields(form_on(page))["csrf_token"]

    def login(self, username="alice", password="wonderland", path="/login", **fields):
        """Open the login form at path and send it there, with the fields given.

        Sent to path even when the page sent a logged-in user on (a second
        tab's form, say), with the CSRF token of the page it led to.
        """
        form = form_on(page_at(self.client, path).text)
        filled = {**hidden_fields(form), "username": username, "password": password}
        return self.client.post(path, data={**filled, **ticked(form, fields)})

    def can_log_in(self, username, password):
        """Log in through the form: whether the home page then greets username."""
        self.login(username, password)
        home = self.client.get("/")
        assert home.status_code == 200
        return f"Hello, {username}!" in words(home.text)

    def post(self, path, **fields):
        """Send a form as a logged-in visitor, with the CSRF token of the home page's forms."""
        return self.client.post(path, data={"csrf_token": self.csrf_token("/"), **fields})

    def change_password(self, new_password, current_password="wonderland"):
        """Send the settings form: the current password, then the new one."""
        return self.post("/settings", current_password=current_password, new_password=new_password)

    def logout(self):
        return self.post("/logout")
