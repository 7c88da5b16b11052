"""Step 8: ready for production, served by gunicorn (the chapter).

Password guessing is throttled (throttle.py); the app knows its proxies, refuses to start
without a key, bounds request bodies, sends security headers, and can use PostgreSQL (db.py).
"""

import os
from datetime import timedelta

from flask import Flask, abort, current_app, render_template, request
from flask_wtf.csrf import CSRFProtect
from peewee import OperationalError
from playhouse.pool import MaxConnectionsExceeded
from redis.exceptions import RedisError
from werkzeug.middleware.proxy_fix import ProxyFix

from . import api, auth, cli, pages, throttle
from .db import RowId, database_config, database_unavailable, db


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
        # Flask-Login's year; the server ends every login after LOGIN_LIFETIME.
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=True,
        REMEMBER_COOKIE_DURATION=timedelta(days=14),
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=True,
        # Enforced on the server (logins.py): a login ends after 14 days, and
        # is fresh for 15 minutes after the password was typed.
        LOGIN_LIFETIME=timedelta(days=14),
        FRESH_LOGIN_LIFETIME=timedelta(minutes=15),
        # A login form is small; refuse huge bodies with 413 before parsing.
        MAX_CONTENT_LENGTH=16 * 1024,
        DATABASE=database_config(app),
        # Password attempts are counted (throttle.py), shared by every process in
        # Redis if named. On in every configuration; a test turning it off says so.
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # A Redis silent for 2 s is a 503 (throttle.py), not a login that hangs.
        RATELIMIT_STORAGE_OPTIONS={"socket_timeout": 2, "socket_connect_timeout": 2},
        RATELIMIT_STRATEGY="moving-window",
        # How many proxies stand in front of the app (the chapter, "Behind a proxy").
        # They say the client's address in X-Forwarded-For, which the
        # throttle counts by; without a proxy, nobody may set it.
        TRUSTED_PROXIES=int(os.environ.get("TRUSTED_PROXIES", 0)),
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
    if not app.config["SECRET_KEY"]:
        raise RuntimeError(
            "No SECRET_KEY is set. Set the FLASK_SECRET_KEY environment variable,"
            " or put SECRET_KEY in instance/config.py (`make run` writes one)."
        )
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])
    os.makedirs(app.instance_path, exist_ok=True)

    # Before anything reads the body, or takes a database connection.
    app.before_request(refuse_a_long_body_of_unknown_length)
    db.init_app(app)
    cli.init_app(app)
    # <row_id:...> in a route: an id no bigger than the database can hold.
    app.url_map.converters["row_id"] = RowId
    # Refuses every POST form without a valid CSRF token, the login form too.
    CSRFProtect(app)
    throttle.limiter.init_app(app)
    app.register_error_handler(RedisError, throttle.counts_unavailable)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(MaxConnectionsExceeded, database_unavailable)
    auth.login_manager.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    api.init_app(app)
    app.after_request(add_security_headers)

    @app.get("/")
    def index():
        """The home page: the template greets a logged-in user by name."""
        return render_template("index.html")

    return app


def add_security_headers(response):
    """Headers that tell browsers how to treat every answer of this site."""
    # Only HTTPS for this site, for a year, once a browser has seen it on HTTPS.
    response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    # Never guess a content type: a JSON answer is not run as a script.
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # No other site may show these pages in a frame (clickjacking).
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    return response


def refuse_a_long_body_of_unknown_length():
    """413 for a chunked body that reaches MAX_CONTENT_LENGTH.

    A chunked body says no length up front, so Werkzeug cannot refuse it
    before reading: it stops at the limit and parses what it read, a form cut
    short. Read it here (Flask keeps it for the form) and refuse it whole.
    """
    if request.content_length is None:
        if len(request.get_data()) >= current_app.config["MAX_CONTENT_LENGTH"]:
            abort(413)
