"""Logging in and out with Flask-Login."""

import secrets

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, login_user, logout_user

from . import users

login_manager = LoginManager()
bp = Blueprint("auth", __name__)

# One message for every failure, so that the page never tells an attacker
# which usernames exist or which accounts are switched off.
LOGIN_FAILED = "Invalid username or password."


def init_app(app):
    login_manager.init_app(app)
    # Checked when the username is unknown, so that the answer takes as long
    # as for a wrong password (see authenticate).
    with app.app_context():
        app.extensions["dummy_password_hash"] = users.hash_password(
            secrets.token_urlsafe()
        )
    app.register_blueprint(bp)


@login_manager.user_loader
def load_user(user_id):
    """Turn the id stored in the session back into a user (or None)."""
    return users.get_user(user_id)


def authenticate(name, password):
    """Return the active user with this name and password, or None."""
    user = users.find_user(name)
    if user is None:
        # Do the same work as for a known name: without this, a fast
        # answer would reveal that the name does not exist.
        users.password_matches(current_app.extensions["dummy_password_hash"], password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


@bp.route("/login", methods=("GET", "POST"))
def login():
    """Show the login form; on POST, log the user in and go home."""
    error = None
    if request.method == "POST":
        # Passwords are taken exactly as typed: no stripping, no truncating.
        name = request.form.get("username", "")
        password = request.form.get("password", "")
        user = authenticate(name, password) if name and password else None
        if user is None:
            error = LOGIN_FAILED
        else:
            # Start a fresh session: nothing planted in the visitor's session
            # before login (session fixation) survives into the logged-in one.
            session.clear()
            login_user(user)
            flash(f"Welcome, {user.name}!")
            return redirect(url_for("pages.index"))
    return render_template("login.html", error=error)


@bp.post("/logout")
def logout():
    """Log out. POST only, with a CSRF token: a link or image cannot log you out."""
    logout_user()
    flash("You have been logged out.")
    response = redirect(url_for("pages.index"))
    # A logged-out page must not come back from a cache.
    response.headers["Cache-Control"] = "no-store"
    return response
