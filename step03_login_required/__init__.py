"""Step 3: protected pages.

@login_required sends visitors to the login page and, once they have logged
in, back to the page they asked for (the `next` parameter, checked in
redirects.py). "Remember me" keeps users logged in across browser restarts,
and @fresh_login_required asks them for their password again before a
sensitive page.
"""

import os
from datetime import timedelta

from flask import Flask, render_template
from flask_wtf.csrf import CSRFProtect

from . import auth, pages


def create_app(test_config=None):
    """Create and configure the app (the application factory)."""
    app = Flask(__name__, instance_relative_config=True)
    # SECRET_KEY signs the session cookie: whoever knows it can log in as anyone, so it
    # is never in the code. `make` writes one into instance/config.py, or set FLASK_SECRET_KEY.
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("FLASK_SECRET_KEY"),
        # New passwords (on the settings page) are hashed with scrypt at the
        # OWASP minimum, like the demo users'. Tests pass a cheaper method.
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
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)
    if app.debug:
        # `flask run --debug` serves plain HTTP on your machine, where some
        # browsers drop Secure cookies. Only the development server relaxes it.
        app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)

    # Refuses every POST form without a valid CSRF token, the login form too.
    CSRFProtect(app)
    auth.login_manager.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)

    @app.get("/")
    def index():
        """The home page: the template greets a logged-in user by name."""
        return render_template("index.html")

    return app
