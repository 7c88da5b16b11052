"""Step 5: API tokens, through Flask-Login's request_loader.

Programs call the JSON API in api.py with a token in the header
`Authorization: Bearer <token>` instead of logging in with a form.
auth.py's request_loader turns the token into a user; tokens.py stores
tokens (hashed); `flask --app step05_request_loader issue-token USERNAME`
issues one.
"""

import os
from datetime import timedelta

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect

from . import api, auth, cli, pages
from .db import database_config, db
from .tokens import ApiToken
from .users import User

# Flask signs the session cookie with SECRET_KEY, so anyone who knows the key
# can log in as anyone. This one is in the repository: it is only ever used
# while developing or testing, and the app says so when it is.
DEVELOPMENT_SECRET_KEY = "dev"

csrf = CSRFProtect()


def create_app(test_config=None):
    """Create and configure the app (the application factory)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("FLASK_SECRET_KEY"),
        # scrypt with N=2**17, r=8, p=1: the OWASP minimum. Werkzeug's own
        # default (N=2**15) is below it. Tests pass a cheaper method.
        PASSWORD_HASH_METHOD="scrypt:131072:8:1",
        # The session cookie carries the login: keep it away from scripts
        # (HttpOnly is Flask's default), off cross-site POSTs, and off plain
        # HTTP in production. The development server speaks plain HTTP.
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not app.debug,
        # "Remember me" sets a second cookie that logs the user back in after
        # the browser is closed. It gets the same protection (Flask-Login
        # makes it HttpOnly) and a bounded life: Flask-Login's default is a year.
        REMEMBER_COOKIE_DURATION=timedelta(days=14),
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=not app.debug,
        # A login form is small; refuse huge bodies with 413 before parsing.
        MAX_CONTENT_LENGTH=16 * 1024,
        DATABASE=database_config(app),
    )
    if test_config is None:
        # instance/config.py is never committed; `make` writes a random
        # SECRET_KEY into it the first time it runs.
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)
    use_development_key_only_in_development(app)
    # The SQLite file lives in the instance folder.
    os.makedirs(app.instance_path, exist_ok=True)

    # Every POST form carries a CSRF token, the login form included.
    csrf.init_app(app)
    app.register_error_handler(CSRFError, csrf_error)

    db.init_app(app)
    cli.init_app(app)
    auth.init_app(app)
    app.register_blueprint(pages.bp)
    api.init_app(app)
    return app


def use_development_key_only_in_development(app):
    """Fall back to the repository's key in development; refuse it in production."""
    key = app.config["SECRET_KEY"]
    if key and key != DEVELOPMENT_SECRET_KEY:
        return
    if not (app.debug or app.testing):
        raise RuntimeError(
            "No SECRET_KEY is set. Set the FLASK_SECRET_KEY environment variable,"
            " or put SECRET_KEY in instance/config.py (`make run` writes one)."
        )
    app.config["SECRET_KEY"] = DEVELOPMENT_SECRET_KEY
    app.logger.warning(
        "Using the development SECRET_KEY from the repository."
        " Anyone can forge sessions for this app: never use it in production."
    )


def csrf_error(error):
    """A form without a valid CSRF token: explain, change nothing."""
    return render_template("error.html", message=error.description), 400
