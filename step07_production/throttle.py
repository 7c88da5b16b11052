"""Password guessing that stops: Flask-Limiter counts failed password checks.

Every form that checks a password (login, the password confirmation, the
current password on the settings page) shares one limit: 10 failures for
one account from one address in 15 minutes. The next attempt gets 429, with
Retry-After, before any password is checked, so guessing then costs no CPU.
Other accounts, and the same account from other addresses, are not counted
with it: nobody can lock another user out.

The counts live in this process's memory, or in Redis, shared by every
process of every server, when RATELIMIT_STORAGE_URI names one. While Redis
cannot be reached, what it limits answers 503: checking passwords uncounted
would let guessing through.
"""

import time

from flask import current_app, g, make_response, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user

# Created without an app, like the database; create_app() calls init_app.
limiter = Limiter(get_remote_address)


def account_and_address():
    """Whose password a request tries, and from which address."""
    if request.endpoint == "auth.login":
        account = request.form.get("username", "")
    else:
        account = current_user.name if current_user.is_authenticated else ""
    return f"{account}|{get_remote_address()}"


def password_failed():
    """Count this request against its account and address (see the limit below)."""
    g.password_failed = True


def counts_unavailable(error):
    """The page (JSON under /api/) for a request whose count Redis could not keep: 503."""
    current_app.logger.error("The rate limit's storage is unreachable: %s", error)
    # Redis is usually back within seconds; Flask-Limiter reconnects on its own.
    headers = {"Retry-After": "30"}
    if request.path.startswith("/api/"):
        return {"error": "The service is unavailable for a moment. Try again later."}, 503, headers
    return render_template("unavailable.html"), 503, headers


def too_many_attempts(limit):
    """The page for a throttled attempt: 429, and when to try again."""
    seconds = max(1, int(limit.reset_at - time.time()))
    page = render_template("too_many_attempts.html", minutes=-(-seconds // 60))
    return make_response(page, 429, {"Retry-After": str(seconds)})


# For every view that checks a password: @limit_password_guesses. Only
# requests that called password_failed() count; the limit is checked before
# the view runs.
limit_password_guesses = limiter.shared_limit(
    "10 per 15 minutes",
    scope="password-guesses",
    key_func=account_and_address,
    methods=["POST"],
    deduct_when=lambda response: g.get("password_failed", False),
    on_breach=too_many_attempts,
)
