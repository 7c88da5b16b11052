"""A small JSON API, for programs that send an API token (or for a browser session).

Every answer under /api/ is JSON, errors included.
"""

import time

from flask import Blueprint, current_app, g, json, make_response, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException

from .throttle import counted_address, limiter
from .tokens import ApiToken

bp = Blueprint("api", __name__, url_prefix="/api")


class NoCookieForApiTokens(SecureCookieSessionInterface):
    """Flask's session cookie, except for requests an API token authenticated.

    Code that writes to the session during a token call (a flash message, or Flask-Login
    with REMEMBER_COOKIE_REFRESH_EACH_REQUEST) would make Flask answer with a cookie.
    """

    def save_session(self, app, session, response):
        if g.get("api_token") is None:
            super().save_session(app, session, response)


def init_app(app):
    app.session_interface = NoCookieForApiTokens()
    # The API checks CSRF itself (check_csrf, below), to let API tokens through.
    app.extensions["csrf"].exempt(bp)
    app.register_blueprint(bp)
    # For the whole app: an unknown path or a wrong method under /api/ never
    # reaches the blueprint, yet must be answered in JSON too.
    app.register_error_handler(HTTPException, errors_in_json)


def errors_in_json(error):
    """Any error under /api/ as JSON, with its status and headers; other pages keep theirs."""
    if not (request.path == "/api" or request.path.startswith("/api/")):
        return error
    response = error.get_response()  # keeps Allow (405), Retry-After (429) and the like
    if not response.is_json:
        response.set_data(json.dumps({"error": error.description}))
        response.mimetype = "application/json"
    return response


def too_many_bad_tokens(limit):
    seconds = max(1, int(limit.reset_at - time.time()))
    body = {"error": "Too many invalid API tokens from your address. Try again later."}
    return make_response(body, 429, {"Retry-After": str(seconds)})


# A token has 256 random bits, so guessing is hopeless; but each wrong one
# costs a query. After 60 in a minute from one address (an IPv6 /64), the
# API answers 429.
# (Unlike the password counts, a decorator lets a few calls sent at once past it: harmless here.)
limiter.limit(
    "60 per minute",
    key_func=counted_address,
    deduct_when=lambda response: response.status_code == 401 and "Authorization" in request.headers,
    on_breach=too_many_bad_tokens,
)(bp)


@bp.before_request
def check_csrf():
    """Refuse a state-changing call that the session cookie authenticated, without a CSRF token.

    A forged request works because browsers add cookies to requests that
    other sites make them send. They never add an Authorization header, so
    a call authenticated by an API token cannot have been forged that way,
    and an anonymous call gets its 401 from @login_required.
    """
    # Reading current_user loads the user; the request loader marks token logins.
    if current_user.is_authenticated and g.get("api_token") is None:
        # Lets GET, HEAD and OPTIONS through; others need the X-CSRFToken header.
        current_app.extensions["csrf"].protect()


@bp.get("/me")
@login_required
def me():
    """Who is calling, and how they proved it."""
    api_token = g.get("api_token")
    if api_token is None:
        return {"username": current_user.name, "authenticated_by": "session"}
    return {
        "username": current_user.name,
        "authenticated_by": "token",
        "token": {"name": api_token.name},
    }


@bp.get("/tokens")
@login_required
def list_my_tokens():
    """The caller's tokens: names and dates, never the tokens themselves."""
    rows = ApiToken.select().where(ApiToken.user == current_user.id).order_by(ApiToken.id)
    return {"tokens": [
        # Stored in UTC without a zone: "Z" says so.
        {"id": row.id, "name": row.name, "created": row.created.isoformat() + "Z",
         "revoked": row.revoked}
        for row in rows
    ]}


@bp.delete("/tokens/<row_id:token_id>")
@login_required
def revoke_my_token(token_id):
    """Revoke one of the caller's tokens; it stops working at once."""
    mine = (ApiToken.id == token_id) & (ApiToken.user == current_user.id) & ~ApiToken.revoked
    if not ApiToken.update(revoked=True).where(mine).execute():
        return {"error": f"You have no token {token_id} to revoke."}, 404
    return "", 204
