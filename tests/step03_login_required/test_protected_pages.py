"""Step 3: pages for logged-in users only, the way back to them after login, and no caching."""

import pytest

from kit.forms import page_at
from kit.pages import flashed, form_on, hidden_fields, words

pytestmark = [pytest.mark.concept("Protected pages and the next round trip"), pytest.mark.section("Protecting a page")]


@pytest.mark.requirement("3.1")
def test_a_visitor_is_sent_to_the_login_page_with_next(client):
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fprofile"


@pytest.mark.requirement("3.1")
def test_the_login_page_says_why_the_visitor_is_there(client):
    page = page_at(client, "/profile").text
    assert "Please log in to see this page." in flashed(page, "info")


@pytest.mark.requirement("3.3")
@pytest.mark.section("The `next` round trip")
def test_the_login_form_carries_next_through_the_post(client):
    page = client.get("/login?next=%2Fprofile").text
    assert hidden_fields(form_on(page)).get("next") == "/profile"


@pytest.mark.requirement("3.2")
def test_the_login_page_itself_is_open_to_visitors(client):
    """Protecting the login view would send visitors round in a loop."""
    assert client.get("/login").status_code == 200


@pytest.mark.requirement("3.1", "3.4")
@pytest.mark.section("The `next` round trip")
def test_after_login_the_user_lands_on_the_page_they_asked_for(client, auth):
    client.get("/profile")
    response = auth.login(next="/profile")
    assert response.headers["Location"] == "/profile"
    page = client.get("/profile")
    assert page.status_code == 200
    assert "alice's profile" in words(page.text)


@pytest.mark.requirement("3.4")
@pytest.mark.section("The `next` round trip")
def test_the_query_string_of_the_page_survives_the_round_trip(client, auth):
    login_page = client.get("/profile?tab=security").headers["Location"]
    assert login_page == "/login?next=%2Fprofile%3Ftab%3Dsecurity"
    assert auth.login(next="/profile?tab=security").headers["Location"] == "/profile?tab=security"


@pytest.mark.requirement("3.4")
@pytest.mark.section("The `next` round trip")
def test_without_next_the_user_lands_on_the_home_page(auth):
    assert auth.login().headers["Location"] == "/"


@pytest.mark.requirement("3.1")
def test_a_logged_in_user_sees_protected_pages(client, auth):
    auth.login()
    assert client.get("/profile").status_code == 200


@pytest.mark.requirement("3.2")
@pytest.mark.parametrize(
    "query, location", [("", "/"), ("?next=%2Fprofile", "/profile")], ids=["no next", "next"]
)
@pytest.mark.section("The `next` round trip")
def test_a_logged_in_user_who_opens_the_login_page_is_sent_on(client, auth, query, location):
    auth.login()
    response = client.get(f"/login{query}")
    assert response.status_code == 302
    assert response.headers["Location"] == location


@pytest.mark.requirement("3.6")
def test_after_logout_protected_pages_are_closed_again(client, auth):
    auth.login()
    auth.logout()
    assert client.get("/profile").status_code == 302


@pytest.mark.requirement("3.1")
@pytest.mark.parametrize(
    "accept",
    ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "*/*", None],
    ids=["browser", "curl", "no Accept header"],
)
def test_browsers_and_other_clients_are_redirected(client, accept):
    headers = {"Accept": accept} if accept else {}
    assert client.get("/profile", headers=headers).status_code == 302


@pytest.mark.requirement("3.6")
@pytest.mark.section("Keeping a user's pages out of caches")
def test_logout_response_is_not_cacheable(client, auth):
    auth.login()
    response = auth.logout()
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.requirement("3.6")
@pytest.mark.section("Keeping a user's pages out of caches")
@pytest.mark.parametrize("path", ["/", "/profile", "/login?next=/profile"])
def test_no_answer_to_a_logged_in_user_is_cacheable(client, auth, path):
    """A shared cache, or the back button on a shared computer, must not replay a user's page."""
    auth.login()
    response = client.get(path)
    assert response.status_code in (200, 302)
    assert response.headers["Cache-Control"] == "no-store"
