"""Step 5: API tokens, through Flask-Login's request_loader.

Programs call the JSON API in api.py with a token in the header
`Authorization: Bearer <token>` instead of logging in with a form.
auth.py's request_loader turns the token into a user; tokens.py stores
tokens (hashed); `flask --app step05_request_loader issue-token USERNAME`
issues one.
"""

import os

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
        DATABASE=database_config(app),
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)
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
