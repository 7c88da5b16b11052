"""Step 4: users in a database, through Flask-Peewee. The user loader is now a
query that answers None when the row does not exist; cli.py manages users."""

import os

from flask import Flask, render_template
from flask_wtf.csrf import CSRFProtect

from . import auth, cli, pages
from .db import database_config, db


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
        DATABASE=database_config(app),
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    cli.init_app(app)
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
