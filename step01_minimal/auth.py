"""Logging in and out with Flask-Login."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, login_user, logout_user

from .users import USERS, find_user

login_manager = LoginManager()
bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id):
    """Turn the id stored in the session back into a user (or None)."""
    return USERS.get(user_id)


@bp.route("/login", methods=("GET", "POST"))
def login():
    """Show the login form; on POST, log the user in and go home."""
    error = None
    if request.method == "POST":
        # Taken exactly as typed: no stripping, no truncating.
        user = find_user(request.form.get("username", ""))
        password = request.form.get("password", "")
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
            return redirect(url_for("index"))
    return render_template("login.html", error=error)


@bp.post("/logout")
def logout():
    """Log out. POST only, with a CSRF token: another site cannot log you out."""
    logout_user()
    flash("You have been logged out.")
    return redirect(url_for("index"))
