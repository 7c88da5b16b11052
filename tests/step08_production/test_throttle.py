"""Step 8: password guessing stops.

After 10 failed password checks for one account from one address in 15
minutes, further attempts from that address get 429 with Retry-After, and no
password is checked. Other accounts, and other addresses, are not affected.
The limit is on in every configuration, tests included.
"""

import shutil
import signal
import socket
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from kit.forms import REDIRECTS, FormClient
from kit.fresh_clone import free_port
from kit.pages import words
from kit.pytest_steps import not_installed
from tests.interleaving import Rendezvous, hold_password_hashing

pytestmark = [pytest.mark.concept("Password guessing that stops"),
              pytest.mark.section("Password guessing that stops"), pytest.mark.requirement("8.1")]


LIMIT = 10
START = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
# The hundred-attempt counts of 8.2 are a concept of their own: a learner who
# has built the limit of ten sees it graded first, while the wider counts,
# the slowest tests of the step, still run.
WIDER_COUNTS = pytest.mark.concept("Counts per account and per address, each its own")


def paragraph(words):
    """The paragraph of "Password guessing that stops" that a test's hint shows."""
    return pytest.mark.section("Password guessing that stops", words)


# The paragraphs that several tests' hints show.
TEN_PER_ACCOUNT_AND_ADDRESS = paragraph("10 for one account from one address")
COUNTED_BEFORE_THE_CHECK = paragraph("Counting *before* the check")
A_SUCCESS = paragraph("A successful login clears")
EVERY_FORM = paragraph("Every form that checks a password")
WHAT_ELSE_THE_COUNTS_GUARD = paragraph("usernames that read like addresses")
THE_FIRST_LOOP = paragraph("The first loop refuses if any count is full")
REDIS_DOWN = paragraph("Redis down")
# Eleven addresses of the /64 2001:db8::/64, shortened, in full, in capitals: only a parsed
# address tells they are one subscriber's.
ONE_64_WRITTEN_ELEVEN_WAYS = [
    "2001:db8::1", "2001:db8:0:0::2", "2001:0db8:0000:0000:0000:0000:0000:0003", "2001:DB8::4",
    "2001:db8:0::5", "2001:db8::6:6", "2001:db8::7", "2001:db8::8", "2001:db8::9", "2001:db8::a",
    "2001:db8::b",
]


def visitor_from(app, address):
    """A browser of its own, at another address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return FormClient(client)


def fail(visitor, times, username="alice", forwarded_for=None):
    """Log in with a wrong password, `times` times; the statuses of the answers.

    forwarded_for(n), if given, is the X-Forwarded-For header of the nth guess (from 1).
    """
    token = visitor.csrf_token()
    form = {"csrf_token": token, "username": username, "password": "not the password"}
    return [visitor.client.post("/login", data=form, headers={
                "X-Forwarded-For": forwarded_for(number)} if forwarded_for else {}).status_code
            for number in range(1, times + 1)]


@TEN_PER_ACCOUNT_AND_ADDRESS
def test_ten_failures_are_answered_and_the_eleventh_is_refused(auth):
    assert fail(auth, LIMIT) == [200] * LIMIT
    response = auth.login("alice", "still not the password")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60 + 1  # a second more: reset_at rounds up


@COUNTED_BEFORE_THE_CHECK
def test_a_throttled_attempt_checks_no_password(auth, hash_checks):
    fail(auth, LIMIT)
    token = auth.csrf_token()
    hash_checks.clear()
    form = {"csrf_token": token, "username": "alice", "password": "wonderland"}
    assert auth.client.post("/login", data=form).status_code == 429
    assert hash_checks == []


@A_SUCCESS
def test_the_right_password_is_refused_while_throttled(auth):
    fail(auth, LIMIT)
    assert auth.login().status_code == 429
    assert "Hello, visitor!" in words(auth.client.get("/").text)


@TEN_PER_ACCOUNT_AND_ADDRESS
def test_other_accounts_from_the_same_address_are_not_affected(auth):
    fail(auth, LIMIT)
    assert auth.login("bob", "bobthebuilder").status_code == 302


@TEN_PER_ACCOUNT_AND_ADDRESS
def test_the_same_account_from_another_address_is_not_affected(app, auth):
    """Nobody can lock alice out: the attacker's failures count against the attacker's address."""
    fail(auth, LIMIT)
    alice = visitor_from(app, "198.51.100.7")
    assert alice.login().status_code == 302
    assert "Hello, alice!" in words(alice.client.get("/").text)


@A_SUCCESS
def test_successful_logins_are_not_counted(auth):
    for _ in range(LIMIT + 2):
        assert auth.login().status_code == 302
        auth.logout()


@EVERY_FORM
def test_the_login_page_itself_is_never_refused(auth):
    fail(auth, LIMIT)
    assert auth.client.get("/login").status_code == 200


@COUNTED_BEFORE_THE_CHECK
def test_the_window_passes(make_app):
    with time_machine.travel(START, tick=False) as traveller:
        visitor = FormClient(make_app().test_client())
        fail(visitor, LIMIT)
        traveller.shift(timedelta(minutes=14))
        response = visitor.login()
        assert response.status_code == 429
        assert 59 <= int(response.headers["Retry-After"]) <= 61  # the oldest failure, 15 minutes on
        traveller.shift(timedelta(minutes=1, seconds=1))
        assert visitor.login().status_code == 302


@COUNTED_BEFORE_THE_CHECK
def test_the_fifteen_minutes_are_any_fifteen_minutes(make_app):
    """The window moves: one failure, nine more ten seconds before the quarter hour ends, and
    just after it only one more guess is answered. A fixed window (Flask-Limiter's default)
    starts again at each quarter hour: ten guesses before, ten after."""
    with time_machine.travel(START, tick=False) as traveller:
        visitor = FormClient(make_app().test_client())
        assert fail(visitor, 1) == [200]
        traveller.shift(timedelta(minutes=14, seconds=50))
        assert fail(visitor, LIMIT - 1) == [200] * (LIMIT - 1)
        traveller.shift(timedelta(seconds=11))  # the first failure has left the window
        assert fail(visitor, 2) == [200, 429]


@EVERY_FORM
def test_confirming_the_password_counts_too(auth):
    """The reauthentication form checks a password: its failures share the limit."""
    auth.login()
    token = auth.csrf_token("/")
    for _ in range(LIMIT):
        wrong = auth.client.post("/reauthenticate", data={"csrf_token": token, "password": "nope"})
        assert wrong.status_code in (200, *REDIRECTS)  # the form again, or a redirect to it
    right = auth.client.post("/reauthenticate", data={"csrf_token": token, "password": "wonderland"})
    assert right.status_code == 429
    assert auth.login().status_code == 429


@EVERY_FORM
def test_the_current_password_on_the_settings_page_counts_too(auth):
    auth.login()
    wrong = [auth.change_password("a long new one", current_password="nope") for _ in range(LIMIT)]
    assert [response.status_code for response in wrong] == [200] * LIMIT
    assert auth.change_password("a long new one").status_code == 429


@EVERY_FORM
def test_failures_of_several_forms_add_up(auth):
    fail(auth, LIMIT - 1)
    auth.login("alice", "not the password either")
    assert auth.login().status_code == 429


@paragraph("The limit is on in every configuration")
def test_the_limit_is_on_in_a_fresh_app_after_one_that_turned_it_off(make_app):
    """Flask-Limiter's Limiter keeps the state of its last init_app: a fresh app must say it."""
    unthrottled = FormClient(make_app(RATELIMIT_ENABLED=False).test_client())
    assert fail(unthrottled, LIMIT + 2) == [200] * (LIMIT + 2)
    throttled = FormClient(make_app().test_client())
    fail(throttled, LIMIT)
    assert throttled.login().status_code == 429


@pytest.mark.sqlite_only  # eleven requests held at once would need more than the pool's connections
@COUNTED_BEFORE_THE_CHECK
def test_guesses_sent_at_once_get_at_most_ten_password_checks(app, monkeypatch):
    """Each attempt is counted before its password is checked: none slips by in flight.

    Eleven guesses at once, each password check held until every guess has begun one or been
    answered. Counted before its check, the eleventh is refused while ten checks wait;
    counted after, all eleven are checked, every time.
    """
    visitors = [FormClient(app.test_client()) for _ in range(LIMIT + 1)]
    forms = [{"csrf_token": visitor.csrf_token(), "username": "alice", "password": "a guess"}
             for visitor in visitors]
    together = Rendezvous(LIMIT + 1)
    checks = hold_password_hashing(monkeypatch, together)
    statuses = together.run([
        lambda visitor=visitor, form=form: visitor.client.post("/login", data=form).status_code
        for visitor, form in zip(visitors, forms)
    ])
    assert len(checks) == LIMIT
    assert sorted(statuses) == [200] * LIMIT + [429]


@WIDER_COUNTS
@pytest.mark.requirement("8.2")
@paragraph("100 for one address, any account")
def test_one_address_trying_many_accounts_is_stopped_at_100(app, auth):
    """Spraying: one password on many names. A login that succeeds is one of the hundred, and
    clears nothing: or an attacker with an account of their own would spray, log in, and spray
    again. The owner, from elsewhere, still logs in."""
    token = auth.csrf_token()
    sprayed = [auth.client.post("/login", data={"csrf_token": token, "username": f"user{number}",
                                                "password": "Winter2026!"}).status_code
               for number in range(99)]
    assert sprayed == [200] * 99
    assert auth.login("bob", "bobthebuilder").status_code == 302  # the hundredth
    auth.logout()
    refused = auth.login("alice", "wonderland")
    assert refused.status_code == 429
    assert visitor_from(app, "198.51.100.7").login().status_code == 302


@WIDER_COUNTS
@pytest.mark.requirement("8.2")
@paragraph("100 for one account, from any address")
def test_one_account_guessed_from_many_addresses_is_stopped_at_100(app):
    """Ten addresses, ten guesses each: the account's own count then refuses every address.

    That is the lock-out the chapter weighs: the owner waits too. Other accounts do not.
    """
    for number in range(1, 11):
        assert fail(visitor_from(app, f"203.0.113.{number}"), LIMIT) == [200] * LIMIT
    late = visitor_from(app, "203.0.113.99")
    refused = late.login("alice", "wonderland")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60 + 1  # a second more: reset_at rounds up
    assert late.login("bob", "bobthebuilder").status_code == 302


@WIDER_COUNTS
@pytest.mark.requirement("8.2")
@WHAT_ELSE_THE_COUNTS_GUARD
def test_a_username_that_reads_like_an_address_adds_nothing_to_that_addresss_count(app):
    """The counts of accounts and of addresses are kept apart. Otherwise a hundred failures for
    the "account" 203.0.113.77, from anywhere, would lock every login from that address out: an
    office behind one address, refused alice's right password."""
    for number in range(1, 11):
        guesser = visitor_from(app, f"198.51.100.{number}")
        assert fail(guesser, LIMIT, username="203.0.113.77") == [200] * LIMIT
    assert visitor_from(app, "203.0.113.77").login().status_code == 302


@pytest.mark.requirement("8.1")
@WHAT_ELSE_THE_COUNTS_GUARD
def test_the_addresses_of_one_ipv6_64_are_counted_as_one(app):
    """An IPv6 subscriber is given a /64: a guesser who takes a new address from it for every
    guess is still one address to the counts, however the address is written."""
    statuses = [visitor_from(app, address).login("alice", "a guess").status_code
                for address in ONE_64_WRITTEN_ELEVEN_WAYS]
    assert statuses == [200] * LIMIT + [429]
    assert visitor_from(app, "2001:db8:0:1::1").login().status_code == 302  # the next /64


@WIDER_COUNTS
@pytest.mark.requirement("8.1", "8.2")
@THE_FIRST_LOOP
def test_an_attempt_refused_by_one_count_adds_to_no_other(make_app):
    """From an address at its cap, attempts for bob are refused, and cost bob nothing: once the
    address's count has moved on, bob still has his ten tries from it."""
    with time_machine.travel(START, tick=False) as traveller:
        app = make_app()
        sprayer = visitor_from(app, "203.0.113.5")
        token = sprayer.csrf_token()
        for number in range(100):
            sprayer.client.post("/login", data={"csrf_token": token, "username": f"user{number}",
                                                "password": "Winter2026!"})
        traveller.shift(timedelta(minutes=10))
        assert fail(sprayer, LIMIT, username="bob") == [429] * LIMIT
        # The spraying leaves the window; the refused attempts at bob were never counted.
        traveller.shift(timedelta(minutes=5, seconds=1))
        assert sprayer.login("bob", "bobthebuilder").status_code == 302


@WIDER_COUNTS
@pytest.mark.requirement("8.1", "8.2")
@THE_FIRST_LOOP
def test_attempts_refused_at_ten_add_nothing_to_the_counts_of_a_hundred(app):
    """Ten failures for alice from one address, then ninety more, all refused. Counted, they would
    have filled that address's hundred (bob refused there) and alice's (alice refused from
    anywhere): a guesser would lock everybody out without one password being checked."""
    guesser = visitor_from(app, "203.0.113.5")
    assert fail(guesser, LIMIT) == [200] * LIMIT
    assert fail(guesser, 100 - LIMIT) == [429] * (100 - LIMIT)
    assert guesser.login("bob", "bobthebuilder").status_code == 302
    assert visitor_from(app, "198.51.100.7").login().status_code == 302


@WIDER_COUNTS
@pytest.mark.requirement("8.2")
@pytest.mark.section("Behind a proxy")
def test_a_forwarded_address_is_not_believed_without_trusted_proxies(app):
    """Without TRUSTED_PROXIES the app trusts no proxy: a guesser who names a new address in
    X-Forwarded-For with every guess is counted at the address the request came from."""
    visitor = FormClient(app.test_client())
    statuses = fail(visitor, LIMIT + 1, forwarded_for=lambda number: f"198.51.100.{number}")
    assert statuses == [200] * LIMIT + [429]


@WIDER_COUNTS
@pytest.mark.requirement("8.2")
@pytest.mark.section("Behind a proxy")
def test_behind_a_proxy_the_address_is_the_entry_the_proxy_wrote(make_app, monkeypatch):
    """With TRUSTED_PROXIES=1, the proxy appends the address it saw to X-Forwarded-For: the last
    entry is the client's. What the client wrote before it, a new address with every guess,
    is not; another client behind the same proxy is another address."""
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = make_app()
    guesser = FormClient(app.test_client())
    statuses = fail(guesser, LIMIT + 1,
                    forwarded_for=lambda number: f"198.51.100.{number}, 203.0.113.9")
    assert statuses == [200] * LIMIT + [429]
    alice = FormClient(app.test_client())
    alice.client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.10"
    assert alice.login().status_code == 302


def redis_url_on(port):
    return f"redis://127.0.0.1:{port}/0"


def unreachable_redis_url():
    """A Redis URL on a loopback port where nothing listens: the store is down."""
    return redis_url_on(free_port())


@pytest.mark.requirement("8.3")
@REDIS_DOWN
def test_with_its_store_down_the_limit_answers_503_and_checks_no_password(make_app, hash_checks):
    """Failing closed: no password is checked uncounted, and the answer says to come back."""
    visitor = FormClient(make_app(RATELIMIT_STORAGE_URI=unreachable_redis_url()).test_client())
    token = visitor.csrf_token()
    hash_checks.clear()
    response = visitor.client.post(
        "/login", data={"csrf_token": token, "username": "alice", "password": "wonderland"}
    )
    assert response.status_code == 503
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert "Traceback" not in response.text
    assert hash_checks == []
    assert "Hello, visitor!" in words(visitor.client.get("/").text)


@pytest.mark.requirement("8.3")
@REDIS_DOWN
def test_with_its_store_down_the_api_answers_503_in_json(make_app):
    app = make_app(RATELIMIT_STORAGE_URI=unreachable_redis_url())
    token = app.test_cli_runner().invoke(args=["issue-token", "alice"]).output.splitlines()[-1]
    response = app.test_client().get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.is_json and response.json.get("error")
    assert 0 < int(response.headers["Retry-After"]) <= 60


class RedisOfTheTestsOwn:
    """A redis-server on a free loopback port, for one test: started, stopped, paused."""

    def __init__(self, folder):
        self.server = shutil.which("redis-server")
        if self.server is None:
            not_installed("redis-server is not installed: apt-get install redis-server")
        self.folder, self.port, self.process = folder, str(free_port()), None
        self.url = redis_url_on(self.port)

    def start(self):
        self.process = subprocess.Popen(
            [self.server, "--port", self.port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", int(self.port))) == 0:
                    return
            time.sleep(0.05)
        self.stop()
        raise AssertionError("redis-server did not start")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused server cannot end
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    redis_server = RedisOfTheTestsOwn(tmp_path)
    redis_server.start()
    yield redis_server
    redis_server.stop()


@pytest.mark.slow
@pytest.mark.section("Password guessing that stops")
def test_the_limit_comes_back_by_itself_when_redis_does(make_app, own_redis):
    """A Redis of the test's own, stopped and started again under a running app."""
    visitor = FormClient(make_app(RATELIMIT_STORAGE_URI=own_redis.url).test_client())
    assert fail(visitor, 1) == [200]
    own_redis.stop()
    assert fail(visitor, 1) == [503]
    own_redis.start()
    assert fail(visitor, 1) == [200]
    assert visitor.login("alice", "wonderland").status_code == 302


@pytest.mark.slow
@REDIS_DOWN
def test_a_redis_that_stops_answering_is_a_503_not_a_login_that_hangs(make_app, own_redis):
    """A paused Redis accepts connections and never answers: without a timeout on every call,
    a login would wait for it forever (and hold a server's worker)."""
    app = make_app(RATELIMIT_STORAGE_URI=own_redis.url)
    visitor = FormClient(app.test_client())
    assert fail(visitor, 1) == [200]
    own_redis.process.send_signal(signal.SIGSTOP)
    answers = []
    guess = threading.Thread(target=lambda: answers.append(visitor.login("alice", "a guess")), daemon=True)
    guess.start()
    guess.join(timeout=30)
    assert answers, "the login was still waiting for Redis after 30 s"
    assert answers[0].status_code == 503
    assert 0 < int(answers[0].headers["Retry-After"]) <= 60
    assert "Hello, visitor!" in words(FormClient(app.test_client()).client.get("/").text)  # needs no Redis
    own_redis.process.send_signal(signal.SIGCONT)
    assert visitor.login().status_code == 302
