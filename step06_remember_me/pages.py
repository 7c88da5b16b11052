"""Pages for logged-in users."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, fresh_login_required, login_fresh, login_required

from .users import change_password, password_problem

bp = Blueprint("pages", __name__)


@bp.get("/profile")
@login_required
def profile():
    """A page for logged-in users only."""
    return render_template("profile.html", fresh=login_fresh())


@bp.route("/settings", methods=("GET", "POST"))
@fresh_login_required
def settings():
    """Change the password: for a fresh login, and after the current password."""
    error = None
    if request.method == "POST":
        password = request.form.get("new_password", "")
        # Whoever sits at a logged-in browser must still know the password.
        if not current_user.check_password(request.form.get("current_password", "")):
            error = "That is not your current password."
        else:
            error = password_problem(password)
        if error is None:
            change_password(current_user, password)
            flash("Your password has been changed.")
            return redirect(url_for("pages.profile"))
    return render_template("settings.html", error=error)
