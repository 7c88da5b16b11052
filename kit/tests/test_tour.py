"""`make tour STEP=N`: a step's walk, recorded in Chromium, kept as one page that opens from disk.

Each step's tour is recorded once per test process (kit/scenes/tour.py walks the
step in the tests' Chromium) and written to a temporary folder; the tests
open it from file://, as a reader or a facilitator would, with no server.
"""

import copy
import re

import pytest
from markupsafe import escape
from playwright.sync_api import expect

from kit.doc_output import matches
from kit.scenes import tour as tours
from kit.scenes import compare as tour_compare

# What each step's walk asks (kit/steps.py), as the tour lists it:
# the stylesheets left out, whose answers (200 or 304) depend on the cache.
# "..." stands for anything: where a step sends you after logging out
# everywhere, or to type your password again, is its own choice.
REQUESTS_SHOWN = {
    1: ["GET /login → 200", "POST /login → 302 to /", "GET / → 200",
        "POST /logout → 302 to /", "GET / → 200"],
    2: ["GET /login → 200", "POST /login → 302 to /", "GET / → 200", "GET / → 200",
        "GET / → 200"],
    3: ["GET /profile → 302 to /login?next=%2Fprofile", "GET /login?next=%2Fprofile → 200",
        "POST /login?next=%2Fprofile → 302 to /profile", "GET /profile → 200",
        "POST /logout → 302 to /", "GET / → 200",
        "GET /profile → 302 to /login?next=%2Fprofile", "GET /login?next=%2Fprofile → 200"],
    4: ["GET /login → 200", "POST /login → 302 to /", "GET / → 200", "GET /profile → 200",
        "GET / → 200",
        "GET /profile → 302 to /login?next=%2Fprofile", "GET /login?next=%2Fprofile → 200"],
    5: ["GET /api/me → 200", "GET /api/me → 401"],
    6: ["GET /login → 200", "POST /login → 302 to /", "GET / → 200", "GET /profile → 200",
        "GET /settings → 302 to ...", "GET ... → 200"],
    7: ["GET /login → 200", "POST /login → 302 to /", "GET / → 200",
        "GET /login → 200", "POST /login → 302 to /", "GET / → 200", "GET /profile → 200",
        "POST /logout-everywhere → 302 to ...", "GET ... → 200", "GET / → 200"],
    8: ["GET /login → 200", *["POST /login → 200"] * 10, "POST /login → 429",
        "GET /login → 200", "POST /login → 302 to /", "GET / → 200"],
}
# Anything a page could load from elsewhere, or run.
LOADS_SOMETHING = re.compile(r"<script|<link|<img|<iframe|\b(?:src|href)=|url\(|@import", re.I)


@pytest.fixture(scope="session")
def recorded_tours():
    return {}


@pytest.fixture
def tour_of_step(step, make_app, browser, playwright, recorded_tours, tmp_path_factory):
    """The step's tour, and the page it was written to (make_app put the demo users back)."""
    if step.path not in recorded_tours:
        tour = tours.record(step.path, browser, playwright)
        recorded_tours[step.path] = tour, tours.write(tour, tmp_path_factory.mktemp("tours"))
    return recorded_tours[step.path]


def without_numbers(lines):
    return [re.sub(r"^\d+\. ", "", line).split(" · ")[0] for line in lines]


@pytest.mark.since(1)
@pytest.mark.sqlite_only
def test_a_tour_opens_from_disk_shows_the_walk_and_opens_a_request_with_a_click(
    page, step, tour_of_step
):
    _, path = tour_of_step
    asked = []

    def note(request):
        asked.append(request.url)

    page.on("request", note)
    try:
        page.goto(path.as_uri())
        lines = without_numbers(page.locator(".tour-request .tour-line").all_inner_texts())
        shown = [line for line in lines if "/static/" not in line]
        expected = REQUESTS_SHOWN[step.number]
        assert len(shown) == len(expected), shown
        assert all(matches(each, line) for each, line in zip(expected, shown)), shown

        # Every step's walk has a request where a loader ran: its arrow, then its record.
        request = page.locator(".tour-request").filter(
            has=page.locator("svg text", has_text=re.compile(r"^(user|request)_loader\("))
        ).first
        expect(request.locator("svg text", has_text=re.compile(r"^→ "))).not_to_have_count(0)
        record = request.locator(".xray-facts")
        expect(record).to_be_hidden()
        request.locator("summary").click()
        expect(record).to_be_visible()
        expect(record).to_contain_text("The session, before and after this request")
        expect(record.locator("li", has_text=re.compile(r"(user|request)_loader\("))).not_to_have_count(0)
        expect(record).to_contain_text("Flask-Login's signals")
        expect(record).to_contain_text("Cookies")
    finally:
        page.remove_listener("request", note)
    # The page itself, and nothing else: no stylesheet, script, font or image.
    assert asked == [path.as_uri()]
    assert not LOADS_SOMETHING.search(path.read_text(encoding="utf-8"))


@pytest.mark.since(1)
@pytest.mark.sqlite_only
def test_a_tour_shows_cookies_and_tokens_by_their_start_never_a_secret(tour_of_step):
    tour, path = tour_of_step
    written = path.read_text(encoding="utf-8")
    long_ones = {secret for secret in tour.secrets if len(secret) > 12}
    # The walk handled the key and a cookie or a token at least, and typed passwords.
    assert len(long_ones) >= 2, tour.secrets
    for secret in tour.secrets:
        assert secret not in written, f"the tour shows {secret[:4]}… whole"
    # They are there, shortened as the X-ray panel shortens them: start and length.
    assert any(re.search(re.escape(secret[:6]) + r"[^ ]*… \(\d+ characters\)", written)
               for secret in long_ones), "the tour names no cookie or token"


@pytest.mark.since(1)
@pytest.mark.until(1)
@pytest.mark.sqlite_only
def test_what_a_tour_shows_is_escaped(tour_of_step, tmp_path):
    tour = copy.deepcopy(tour_of_step[0])
    tour.scenes[0].records[0].cookies_received["note"] = "<b>hi</b>"
    tour.scenes[0].title = "<i>planted</i>"
    page = tours.write(tour, tmp_path).read_text(encoding="utf-8")
    assert "&lt;b&gt;hi&lt;/b&gt;" in page
    assert "&lt;i&gt;planted&lt;/i&gt;" in page
    assert "<b>hi</b>" not in page and "<i>planted</i>" not in page


@pytest.mark.since(3)
@pytest.mark.until(3)  # later steps' walks show what those steps add
@pytest.mark.sqlite_only
def test_the_tour_draws_the_round_trip(tour_of_step):
    _, path = tour_of_step
    assert "@login_required → unauthorized(): redirect" in path.read_text(encoding="utf-8")


@pytest.mark.since(6)
@pytest.mark.until(6)
@pytest.mark.sqlite_only
def test_the_tour_draws_the_remember_cookie(tour_of_step):
    _, path = tour_of_step
    written = path.read_text(encoding="utf-8")
    assert re.search(r"Set-Cookie: remember_token \(14 days; HttpOnly", written)
    assert "signal user_loaded_from_cookie" in written


@pytest.mark.since(4)
@pytest.mark.sqlite_only
def test_the_tour_draws_the_loader_query(tour_of_step):
    _, path = tour_of_step
    assert re.search(r"<text [^>]*>SELECT … FROM &#34;\w+&#34;", path.read_text(encoding="utf-8"))


@pytest.mark.since(6)
@pytest.mark.until(6)
@pytest.mark.sqlite_only
def test_a_comparison_says_where_a_loader_ran_twice_and_a_cookie_is_missing(tour_of_step, tmp_path):
    reference, _ = tour_of_step
    assert tour_compare.all_notes(copy.deepcopy(reference), reference) == []
    # A learner's walk: the same, but their login set no remember cookie, and
    # their loader ran twice on the remembered /profile.
    yours = copy.deepcopy(reference)
    requests = [each for scene in yours.scenes for each in scene.records]
    login = next(each for each in requests if each.method == "POST")
    login.cookies_set = [cookie for cookie in login.cookies_set if cookie.name != "remember_token"]
    remembered = yours.scenes[1].records[0]
    remembered.loader_calls.append(copy.deepcopy(remembered.loader_calls[0]))

    notes = tour_compare.all_notes(yours, reference)
    assert len(notes) == 3, notes
    assert re.fullmatch(r"your app set no remember_token cookie on POST /login;"
                        r" the reference's: Set-Cookie: remember_token \(14 days; HttpOnly.*\)",
                        notes[0])
    assert notes[1] == "your user_loader ran twice on GET /profile, the reference's once"
    assert notes[2] == "your loaders made 2 queries on GET /profile, the reference's 1"
    page = tour_compare.write(yours, reference, tmp_path).read_text(encoding="utf-8")
    assert all(escape(note) in page for note in notes)
    # Both requests outlined, on each side.
    assert page.count('class="tour-request tour-differs"') == 4
