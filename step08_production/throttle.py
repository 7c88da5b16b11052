"""Password guessing that stops: each attempt is counted before its password is
checked, so requests sent at once cannot slip by. PASSWORD_LIMITS holds the three
counts (per account and address, per account, per address); the chapter says
why each limit is where it is. Past one, the answer is 429 with Retry-After, no
password is checked, and no count grows. The counts are in this process's memory,
or in Redis (RATELIMIT_STORAGE_URI) for every process; without Redis, 503.
"""

import ipaddress
import time

from flask import current_app, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse

# Created without an app, like the database; create_app() calls init_app.
limiter = Limiter(get_remote_address)

# Each count: its limit, what it is kept for (from the account and the
# address), and what the refusal says. The keys say what they count: a
# username typed as "203.0.113.77" must not add to that address's count.
PASSWORD_LIMITS = [
    (parse("10 per 15 minutes"),
     lambda account, address: f"account and address:{account}|{address}",
     "Too many wrong passwords for this account from your address."),
    (parse("100 per 15 minutes"), lambda account, address: f"account:{account}",
     "Too many wrong passwords for this account."),
    (parse("100 per 15 minutes"), lambda account, address: f"address:{address}",
     "Too many passwords tried from your address."),
]


def count_password_attempt(account):
    """Count an attempt at account's password: a 429 answer if a limit is reached, else None."""
    if not limiter.enabled:
        return None
    address = counted_address()
    counts = [(limit, counted_for(account, address), message)
              for limit, counted_for, message in PASSWORD_LIMITS]
    # First refuse if any count is full, adding to none: guesses refused at
    # alice's ten must not fill her hundred and the address's. Then add the
    # attempt to each: `hit` adds and tests in one step (one script, in
    # Redis), so of guesses sent at once, no more than a limit pass.
    for limit, key, message in counts:
        if not limiter.limiter.test(limit, "password", key):
            return too_many_attempts(limit, key, message)
    for limit, key, message in counts:
        if not limiter.limiter.hit(limit, "password", key):
            return too_many_attempts(limit, key, message)
    return None


def counted_address():
    """The client's address, or for IPv6 its /64: one subscriber holds a whole /64."""
    address = get_remote_address()
    if ":" not in address:
        return address
    try:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    except ValueError:  # a scoped address (fe80::1%eth0), say
        return address


def password_accepted(account):
    """The right password: the account's failures count no more (its address's still do)."""
    if limiter.enabled:
        for limit, counted_for, _ in PASSWORD_LIMITS[:2]:
            limiter.limiter.clear(limit, "password", counted_for(account, counted_address()))


def too_many_attempts(limit, key, message):
    """The page for a refused attempt: 429, and when to try again."""
    reset_at, _ = limiter.limiter.get_window_stats(limit, "password", key)
    seconds = max(1, int(reset_at - time.time()))
    page = render_template("too_many_attempts.html", message=message, minutes=-(-seconds // 60))
    return page, 429, {"Retry-After": str(seconds)}


def counts_unavailable(error):
    """The page (JSON under /api/) for a request whose count Redis could not keep: 503."""
    current_app.logger.error("The rate limit's storage is unreachable: %s", error)
    # Redis is usually back within seconds; redis-py reconnects on its own.
    headers = {"Retry-After": "30"}
    if request.path.startswith("/api/"):
        return {"error": "The service is unavailable for a moment. Try again later."}, 503, headers
    return render_template("unavailable.html", trouble="Logging in is unavailable"), 503, headers
