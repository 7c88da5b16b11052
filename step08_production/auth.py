"""Logging in and out with Flask-Login."""

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import (
    LoginManager,
    current_user,
    login_required,
    login_url,
    login_user,
    logout_user,
)

from . import logins, tokens
from .logins import Login
from .redirects import is_safe_redirect
from .throttle import count_password_attempt, password_accepted
from .users import User, check_no_password, find_user, upgrade_password_hash

login_manager = LoginManager()
# Where @login_required sends visitors, and what it tells them there.
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see this page."
login_manager.login_message_category = "info"
# Where @fresh_login_required sends users whom the remember cookie logged in.
login_manager.refresh_view = "auth.reauthenticate"
login_manager.needs_refresh_message = "Please enter your password again to continue."
login_manager.needs_refresh_message_category = "info"
# Flask-Login's default, said out loud: a session cookie that comes back from
# another address or browser (its hash in the session's _id no longer matches)
# is marked not fresh; "strong" would log it out.
login_manager.session_protection = "basic"
bp = Blueprint("auth", __name__)


@bp.before_app_request
def ignore_unreadable_remember_cookie():
    # Flask-Login 0.6.3 fails (a 500) on a planted non-ASCII remember cookie: have it cleared.
    if not request.cookies.get("remember_token", "").isascii():
        session["_remember"] = "clear"


@bp.after_app_request
def keep_users_data_out_of_caches(response):
    # A logged-in user's pages and the API's answers show a user's data: no cache may keep them.
    if "_user_id" in session or request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
    return response


@login_manager.user_loader
def load_user(token):
    """Turn the login token in the session (or remember cookie) into its user, or None.

    Flask-Login calls this lazily: the first time a request reads
    current_user. get_id() returned one login's token (logins.py): this finds
    that login and its user, in one query.
    Returning None makes the visitor anonymous; raising would be a 500.
    """
    # Watch the terminal (`flask run --debug`) to see when this runs.
    # Only the token's start: a log is no place for a live token.
    current_app.logger.debug("load_user(%.8r…)", token)
    # Only a token can be one; anything else is not worth a query.
    if not (isinstance(token, str) and logins.TOKEN.fullmatch(token)):
        return None
    try:
        login = (
            Login.select(Login, User)
            .join(User)
            .where(
                (Login.token_hash == logins.hash_login_token(token))
                & (Login.created > logins.oldest_allowed())
            )
            .get()
        )
    except Login.DoesNotExist:
        # An unknown token, a login that was ended, or one past its lifetime.
        return None
    user = login.user
    # A user switched off after logging in is logged out on the next request.
    if not user.is_active:
        return None
    user.login, user.login_token = login, token
    # Freshness expires on the server: a password typed more than
    # FRESH_LOGIN_LIFETIME ago no longer counts, whatever the session says.
    if session.get("_fresh") and not logins.password_typed_recently(login):
        session["_fresh"] = False
    return user


@login_manager.request_loader
def load_user_from_request(request):
    """Log an API call in by its `Authorization: Bearer <token>` header, or None.

    Flask-Login 0.6.3 asks this only when the session gave it no user and
    the request has no remember-me cookie: a remember cookie that is there
    but invalid skips the request loader too.
    """
    # Tokens are for the API only: a stolen token does not open the pages.
    if request.blueprint != "api":
        return None
    token = tokens.bearer_token(request)
    if token is None:
        return None
    api_token = tokens.find_token(token)
    # Revoked tokens and switched-off users stop working at once.
    if api_token is None or not api_token.user.is_active:
        return None
    # Marks the request as token-authenticated: api.py skips its CSRF check for it.
    g.api_token = api_token
    return api_token.user


@login_manager.unauthorized_handler
def unauthorized():
    """A visitor asked for a @login_required page or API call.

    Flask-Login's own answer, a redirect to the login page, is for browsers:
    a program calling the API gets a 401, in JSON, that says what to send.
    """
    if request.blueprint == "api":
        # RFC 6750: name the scheme, and name the error only if a Bearer token was
        # sent. Another scheme (Basic, say) sent no token to call invalid.
        scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
        challenge = "Bearer"
        if scheme.lower() == "bearer" and sent.strip():
            challenge = 'Bearer error="invalid_token"'
        error = {"error": "Send a valid API token: Authorization: Bearer <token>."}
        return error, 401, {"WWW-Authenticate": challenge}
    # As Flask-Login does without a handler: the login page, and back here after it.
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def requested_next():
    """The page to go to after login, if safe: from the form's hidden field, or else the
    query string, where Flask-Login's login_url puts it (also when a form is posted there)."""
    target = request.form.get("next") or request.args.get("next")
    return target if is_safe_redirect(target) else None


@bp.route("/login", methods=("GET", "POST"))
def login():
    """Show the login form; on POST, log the user in and send them on."""
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(requested_next() or url_for("index"))

    error = None
    if request.method == "POST":
        # Counted before the password is checked (throttle.py).
        refused = count_password_attempt(request.form.get("username", ""))
        if refused:
            return refused
        # Taken exactly as typed: no stripping, no truncating.
        user = find_user(request.form.get("username", ""))
        password = request.form.get("password", "")
        if user is None:
            # The same work as for a wrong password (see users.py).
            check_no_password(password)
        if user is None or not user.check_password(password) or not user.is_active:
            # One message for every failure: the page never tells an attacker
            # which names exist, or which accounts are switched off.
            error = "Invalid username or password."
        else:
            password_accepted(user.name)
            upgrade_password_hash(user, password)
            # Start from an empty session: nothing put into it before the
            # login (by an attacker, say) carries over into the logged-in one.
            session.clear()
            # A new login, with a token of its own for get_id() to return.
            logins.start_login(user, request.headers.get("User-Agent", ""))
            # Remember me: a second cookie that outlives the browser session.
            login_user(user, remember=bool(request.form.get("remember")))
            flash(f"Welcome, {user.name}!")
            return redirect(requested_next() or url_for("index"))
    return render_template("login.html", error=error, next=requested_next())


@bp.route("/reauthenticate", methods=("GET", "POST"))
@login_required
def reauthenticate():
    """Ask for the password again, to make a remembered login fresh."""
    error = None
    if request.method == "POST":
        refused = count_password_attempt(current_user.name)
        if refused:
            return refused
        if current_user.check_password(request.form.get("password", "")):
            password_accepted(current_user.name)
            # Fresh again, with a new token; login_user (given the user, not the
            # current_user proxy) puts it in the session and any remember cookie.
            logins.password_typed_again(current_user)
            login_user(current_user._get_current_object(),
                       remember="remember_token" in request.cookies)
            return redirect(requested_next() or url_for("index"))
        error = "That is not your password."
    return render_template("reauthenticate.html", error=error, next=requested_next())


@bp.post("/logout")
def logout():
    """Log out. POST only, with a CSRF token: another site cannot log you out."""
    # The login ends on the server: a copy of its cookies no longer works.
    if current_user.is_authenticated:
        logins.end_one_login(current_user.login)
    return logged_out("You have been logged out.")


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    """End every login of this user, on every browser, this one included."""
    logins.end_logins(current_user)
    return logged_out("You have been logged out everywhere.")


@bp.post("/logins/<row_id:login_id>/end")
@login_required
def end_login(login_id):
    """End one of this user's logins, from the list on the profile page."""
    ended = Login.delete().where((Login.id == login_id) & (Login.user == current_user)).execute()
    if login_id == current_user.login.id:
        return logged_out("You have been logged out.")
    flash("That login has ended." if ended else "You have no such login.")
    return redirect(url_for("pages.profile"))


def logged_out(message):
    logout_user()
    flash(message)
    response = redirect(url_for("index"))
    # Pages for logged-in users are now behind a login: the answer that
    # ends one must not be kept by a cache and replayed.
    response.headers["Cache-Control"] = "no-store"
    return response
