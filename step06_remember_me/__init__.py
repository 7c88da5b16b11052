"""Step 6: logins that outlast the browser, and trusting them less.

"Remember me" on the login form (auth.py) adds a second cookie that logs the
user back in after the browser is closed. A login that cookie brought back is
not fresh: the settings page (pages.py), which changes the password, is
behind @fresh_login_required, which asks for the password again. Both
cookies that carry a login get their flags here.
"""

import os
from datetime import timedelta

from flask import Flask, render_template
from flask_wtf.csrf import CSRFProtect

from . import api, auth, cli, pages
from .db import RowId, database_config, db


def create_app(test_config=None):
    """Create and configure the app (the application factory)."""
    app = Flask(__name__, instance_relative_config=True)
    # SECRET_KEY signs the session cookie: whoever knows it can log in as anyone, so it
    # is never in the code. `make` writes one into instance/config.py, or set FLASK_SECRET_KEY.
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("FLASK_SECRET_KEY"),
        # Passwords are hashed with scrypt at the OWASP minimum (N=2**17, r=8,
        # p=1); Werkzeug's default is weaker. Tests pass a cheaper method.
        PASSWORD_HASH_METHOD="scrypt:131072:8:1",
        # Two cookies now carry the login: the session and "remember me".
        # Keep both away from scripts (HttpOnly, Flask's and Flask-Login's
        # default), off cross-site requests but links (SameSite=Lax), and off
        # plain HTTP (Secure). Browsers keep the remember cookie 14 days, not
        # Flask-Login's year; the server itself does not check its age.
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=True,
        REMEMBER_COOKIE_DURATION=timedelta(days=14),
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=True,
        DATABASE=database_config(app),
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)
    # `flask run --debug` serves plain HTTP on your machine, where some browsers
    # drop Secure cookies: only the flask command relaxes them. FLASK_DEBUG=1 alone
    # (left set under gunicorn, say) turns debug on, but not FLASK_RUN_FROM_CLI.
    if app.debug and os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    cli.init_app(app)
    # <row_id:...> in a route: an id no bigger than the database can hold.
    app.url_map.converters["row_id"] = RowId
    # Refuses every POST form without a valid CSRF token, the login form too.
    CSRFProtect(app)
    auth.login_manager.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    api.init_app(app)

    @app.get("/")
    def index():
        """The home page: the template greets a logged-in user by name."""
        return render_template("index.html")

    return app
