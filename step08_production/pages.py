"""Pages for logged-in users."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, fresh_login_required, login_fresh, login_required
from flask_login import login_user, logout_user

from . import logins
from .throttle import count_password_attempt
from .users import password_problem

bp = Blueprint("pages", __name__)


@bp.get("/profile")
@login_required
def profile():
    """A page for logged-in users only, with the list of their logins."""
    live = logins.live_logins(current_user)
    return render_template("profile.html", fresh=login_fresh(), logins=live)


@bp.route("/settings", methods=("GET", "POST"))
@fresh_login_required
def settings():
    """Change the password: for a fresh login, and after the current password."""
    error = None
    if request.method == "POST":
        refused = count_password_attempt(current_user.name)
        if refused:
            return refused
        password = request.form.get("new_password", "")
        # Whoever sits at a logged-in browser must still know the password.
        if not current_user.check_password(request.form.get("current_password", "")):
            error = "That is not your current password."
        else:
            error = password_problem(password)
        if error is None:
            revoke = "revoke_tokens" in request.form
            if not logins.change_password_and_end_other_logins(current_user, password, revoke):
                # Another request ended this login first: nothing changed.
                logout_user()
                flash("Your login has ended. Please log in again.")
                return redirect(url_for("auth.login"))
            # This login's new token, into the session and any remember cookie.
            login_user(current_user._get_current_object(),
                       remember="remember_token" in request.cookies)
            flash("Your password has been changed. Your other logins have ended"
                  + (", and your API tokens are revoked." if revoke else "."))
            return redirect(url_for("pages.profile"))
    return render_template("settings.html", error=error)
