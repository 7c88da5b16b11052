"""Step 3: protected pages.

@login_required sends visitors to the login page and, once they have logged
in, back to the page they asked for (the `next` parameter, checked in
redirects.py). What a logged-in user sees is kept out of caches.
"""

import os

from flask import Flask, render_template
from flask_wtf.csrf import CSRFProtect

from . import auth, pages


def create_app(test_config=None):
    """Create and configure the app (the application factory)."""
    app = Flask(__name__, instance_relative_config=True)
    # SECRET_KEY signs the session cookie: whoever knows it can log in as anyone, so it
    # is never in the code. `make` writes one into instance/config.py, or set FLASK_SECRET_KEY.
    app.config["SECRET_KEY"] = os.environ.get("FLASK_SECRET_KEY")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)

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
