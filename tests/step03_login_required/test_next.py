"""Step 3: `next` is followed only to a path on this site (no open redirects).

Every hostile value is tried wherever a login takes `next` from: the login
page's query string (a logged-in user is sent on at once), the login form's
hidden field, and the query string the form is posted to. A failure lists
every value that got through.
"""

from urllib.parse import parse_qs, quote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kit.forms import FormClient
from kit.pages import parse
from tests.redirects import refused, stays_on_site
from tests.fuzzing import FUZZ

pytestmark = [pytest.mark.concept("Validating next"), pytest.mark.section("Validating `next`")]


HOSTILE = [
    # Absolute URLs and other schemes.
    "http://evil.example", "https://evil.example", "HTTPS://evil.example",
    "https://evil.example/profile", "ftp://evil.example", "mailto:x@evil.example",
    "javascript:alert(1)", "JavaScript:alert(1)", "javascript://%0aalert(1)",
    "data:text/html,<script>alert(1)</script>", "http://localhost/profile",
    # Scheme without slashes, or with one: browsers still read a host.
    "https:evil.example", "http:/evil.example", "https:/\\evil.example", "http:\\\\evil.example",
    # Scheme-relative.
    "//evil.example", "///evil.example", "////evil.example", "//evil.example/profile",
    "//evil.example:443", "//localhost@evil.example", "//evil%2Eexample",
    # Backslashes, which browsers read as slashes.
    "\\\\evil.example", "/\\evil.example", "\\/evil.example", "/\\/evil.example",
    "\\\\\\evil.example", "/profile\\..\\..\\\\evil.example",
    # Whitespace and control characters that browsers drop or trim.
    "\t//evil.example", "/\t/evil.example", "/\n/evil.example", "/\r/evil.example",
    "/\r\n/evil.example", "\x00//evil.example", "/\x08/evil.example", "/\x7f/evil.example",
    " //evil.example", "//evil.example ", "/ /evil.example", "\n/profile",
    "/\u00a0/evil.example", "/\u3000/evil.example", "/\u2028/evil.example",
    "\ufeff//evil.example", "\u200b//evil.example",
    # Userinfo tricks and malformed hosts.
    "http://ok\\@evil.example", "http://ok@evil.example", "https://localhost@evil.example",
    "http://[::1]:80@evil.example", "http://evil.example%2F@localhost", "http://[evil.example",
    "http://evil.example:99999", "https://evil.example%00.localhost",
    # Look-alike slashes, and relative paths that resolve against /login.
    "\uff0f\uff0fevil.example", "/\uff0fevil.example", "evil.example", "profile", "./profile",
    "%2F%2Fevil.example", "",
    # Header injection.
    "/profile\r\nSet-Cookie: planted=1",
]

SAFE = [
    "/", "/profile", "/profile?tab=security", "/settings", "/a?u=http://x",
    "/profile?next=//evil.example", "/profile#top", "/%2F%2Fevil.example", "/%5Cevil.example",
    "/caf%C3%A9", "/..//evil.example", "/.//evil.example",
]


ALICE = {"username": "alice", "password": "wonderland"}


# Where a login can take `next` from. Each gives the Location the app answers.
def query_string_when_logged_in(visitor, target):
    """/login?next=... for a user who is logged in already: sent on at once."""
    return visitor.client.get(f"/login?next={quote(target, safe='')}").headers.get("Location")


def form_field(visitor, target):
    """The login form's hidden `next` field."""
    return visitor.client.post("/login", data={**ALICE, "next": target}).headers.get("Location")


def query_string_of_the_post(visitor, target):
    """The login form posted to /login?next=..., where Flask-Login's login_url sends visitors."""
    return visitor.client.post(f"/login?next={quote(target, safe='')}", data=ALICE).headers.get("Location")


CHANNELS = {
    "query string, logged in": query_string_when_logged_in,
    "form field": form_field,
    "query string of the POST": query_string_of_the_post,
}


def logged_in_alice(app):
    """alice, logged in to app, which takes forms without a CSRF token (WTF_CSRF_ENABLED=False).

    Each value of `next` is a login of its own, and a login clears the
    session: each would need a page for a new token first, three requests
    instead of one. test_forms.py tests the tokens.
    """
    visitor = FormClient(app.test_client())
    assert visitor.client.post("/login", data=ALICE).status_code == 302
    return visitor


@pytest.fixture
def alice(make_app):
    return logged_in_alice(make_app(WTF_CSRF_ENABLED=False))


@pytest.mark.requirement("3.5")
@pytest.mark.parametrize("channel", CHANNELS.values(), ids=CHANNELS)
def test_no_hostile_next_is_followed(alice, channel):
    """Every hostile value sends the user to a page of this site (home, say), not to the value.

    The message lists every value that was followed, or that crashed the
    app: one crash does not hide the others.
    """
    followed = {}
    for target in HOSTILE:
        try:
            location = channel(alice, target)
        except Exception as error:  # listed with the rest, not alone
            followed[target] = f"raised {type(error).__name__}: {error}"[:200]
            continue
        if not refused(target, location):
            followed[target] = location
    assert followed == {}, "these values of next were followed (or raised)"


def next_sent_back_by_the_form(page):
    """Every next the login page's form would send: its fields named next, and its action's."""
    document = parse(page)
    fields = [field.attrs.get("value") or "" for field in document.find_all("input")
              if field.attrs.get("name") == "next"]
    actions = [value for form in document.find_all("form")
               for value in parse_qs(urlsplit(form.attrs.get("action") or "").query).get("next", [])]
    return fields + actions


@pytest.mark.requirement("3.5")
def test_no_hostile_next_is_copied_into_the_login_form(client):
    """The form may carry next on, or a page of this site in its place, never the hostile value."""
    copied = {}
    for target in HOSTILE:
        sent = next_sent_back_by_the_form(client.get(f"/login?next={quote(target, safe='')}").text)
        if any(value == target or (value and not stays_on_site(value)) for value in sent):
            copied[target] = sent
    assert copied == {}, "the login form would send these values of next back"


@pytest.mark.requirement("3.4")
@pytest.mark.parametrize("channel", CHANNELS.values(), ids=CHANNELS)
def test_every_path_on_this_site_is_honoured(alice, channel):
    """Same-site paths, query strings and all, are kept exactly."""
    lost = {target: location for target in SAFE if (location := channel(alice, target)) != target}
    assert lost == {}, "these paths on this site were not honoured"


@pytest.mark.requirement("3.4", "3.5")
@pytest.mark.section("The `next` round trip")
def test_the_form_field_comes_before_the_query_string(client, auth):
    def post(query, **fields):
        form = {"csrf_token": auth.csrf_token(), "username": "alice", "password": "wonderland",
                **fields}
        return client.post(f"/login?next={quote(query, safe='')}", data=form).headers["Location"]

    assert post("/settings", next="/profile") == "/profile"
    assert refused("//evil.example", post("/settings", next="//evil.example"))


# Characters that make URLs interesting, and anything else now and then.
URL_PIECES = st.sampled_from(
    ["/", "//", "\\", ":", "@", ".", "?", "#", "%2F", "%5C", "%09", "\t", "\n", " ", "\x00",
     "http", "https:", "javascript:", "evil.example", "localhost", "profile", "\u3000", "\uff0f"]
)
NEXT_VALUES = st.one_of(
    st.lists(URL_PIECES, max_size=8).map("".join),
    st.text(max_size=30),
)


@pytest.fixture
def unthrottled_alice(make_app):
    """alice, logged in to an app without the login limit (step 7 on): every example logs in
    again from one address, hundreds of times in all."""
    return logged_in_alice(make_app(RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False))


@pytest.mark.requirement("3.5")
@FUZZ
@given(target=NEXT_VALUES)
def test_no_next_value_ever_leads_off_the_site(unthrottled_alice, target):
    alice = unthrottled_alice
    from_query = alice.client.get(f"/login?next={quote(target, safe='')}").headers["Location"]
    from_form = form_field(alice, target)
    for location in (from_query, from_form):
        # The value kept exactly, or another page of this site.
        assert stays_on_site(location)
