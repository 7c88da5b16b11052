"""Pages for logged-in users."""

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("pages", __name__)


@bp.get("/profile")
@login_required
def profile():
    """A page for logged-in users only."""
    return render_template("profile.html")
