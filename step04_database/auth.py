"""Logging in and out with Flask-Login."""

import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user

from .redirects import is_safe_redirect
from .users import User, check_no_password, find_user

login_manager = LoginManager()
# Where @login_required sends visitors, and what it tells them there.
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see this page."
login_manager.login_message_category = "info"
bp = Blueprint("auth", __name__)


@bp.after_app_request
def keep_users_data_out_of_caches(response):
    # A logged-in user's pages show their data: no cache may keep a copy.
    if "_user_id" in session:
        response.headers["Cache-Control"] = "no-store"
    return response


@login_manager.user_loader
def load_user(user_id):
    """Turn the id stored in the session back into a user, or None.

    Flask-Login calls this lazily: the first time a request reads
    current_user. It keeps the answer on g for the rest of the request.
    Returning None makes the visitor anonymous; raising would be a 500.
    """
    # Watch the terminal (`flask run --debug`) to see when this runs.
    current_app.logger.debug("load_user(%r)", user_id)
    # The id arrives as it was stored: the string get_id() returned at login,
    # digits. Anything else can only come from a tampered session, and is not
    # worth a query (19 digits or more could even overflow the database's integer).
    if not (isinstance(user_id, str) and re.fullmatch(r"[0-9]{1,18}", user_id)):
        return None
    try:
        user = User.get_by_id(int(user_id))
    except User.DoesNotExist:
        # No such row (a deleted user, say): an anonymous visitor. Catch exactly this,
        # never every exception: a database that is down must be an error page, not a logout.
        return None
    # A user switched off after logging in is logged out on the next request.
    if not user.is_active:
        return None
    return user


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
            # Start from an empty session: nothing put into it before the
            # login (by an attacker, say) carries over into the logged-in one.
            session.clear()
            login_user(user)
            flash(f"Welcome, {user.name}!")
            return redirect(requested_next() or url_for("index"))
    return render_template("login.html", error=error, next=requested_next())


@bp.post("/logout")
def logout():
    """Log out. POST only, with a CSRF token: another site cannot log you out."""
    logout_user()
    flash("You have been logged out.")
    response = redirect(url_for("index"))
    # Pages for logged-in users are now behind a login: the answer that
    # ends one must not be kept by a cache and replayed.
    response.headers["Cache-Control"] = "no-store"
    return response
