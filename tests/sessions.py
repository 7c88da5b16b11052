"""What more than one step's tests do with a browser's session and cookies."""

import re

from kit.pages import parse


def stored_id(client):
    """What login_user stored in the session: the string get_id() returned."""
    with client.session_transaction() as session:
        return session["_user_id"]


def restart_browser(client, new_visitor):
    """A new browser session that kept only the persistent remember-me cookie."""
    browser = new_visitor()
    browser.client.set_cookie("remember_token", client.get_cookie("remember_token").value)
    return browser


LOGIN_COOKIES = ("session", "remember_token")


def cookies_of(visitor):
    """A copy of the visitor's login cookies, as a thief would take them."""
    return {
        name: visitor.client.get_cookie(name).value
        for name in LOGIN_COOKIES
        if visitor.client.get_cookie(name) is not None
    }


def thief(new_visitor, cookies):
    """Another browser, with copied cookies."""
    visitor = new_visitor()
    for name, value in cookies.items():
        visitor.client.set_cookie(name, value)
    return visitor


def greeted(visitor):
    """Who the home page greets: a name, or "visitor"."""
    response = visitor.client.get("/")
    assert response.status_code == 200
    greeting = re.search(r"Hello, ([^!]+)!", parse(response.text).text)
    assert greeting, "the home page says no \"Hello, ...!\""
    return greeting.group(1)


def session_token(visitor):
    with visitor.client.session_transaction() as session:
        return session.get("_user_id")
