"""What a visitor and a logged-in user see of a page behind @login_required."""


def test_a_visitor_is_sent_to_the_login_page(client):
    response = client.get("/profile")
    assert response.status_code == 302
    # The login page, with the page the visitor asked for in `next`.
    assert response.headers["Location"] == "/login?next=%2Fprofile"


def test_the_login_page_says_why_the_visitor_is_there(client):
    response = client.get("/profile", follow_redirects=True)
    assert response.request.path == "/login"
    assert "Please log in to see this page." in response.text


def test_after_logging_in_the_visitor_is_back_on_the_page_asked_for(client):
    login_page = client.get("/profile").headers["Location"]
    # The form posts to the address it was shown at, `next` included.
    response = client.post(login_page, data={"username": "alice", "password": "wonderland"})
    assert response.headers["Location"] == "/profile"
    assert "alice's profile" in client.get("/profile").text
