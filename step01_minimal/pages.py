"""The app's own pages."""

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    """The public home page; the template greets a logged-in user by name."""
    return render_template("index.html")
