"""The bench's floor: step 4's pages with the least an app can do to serve them.

`make bench` (bench.py) compares each step's logged-in home page with this
app's. It keeps what every step has and the page needs: Flask, Flask-Login,
Flask-WTF's CSRFProtect (the logout form's token), step 4's templates. Its
user loader is a single `sqlite3` lookup on a connection opened once and
kept open: no ORM building SQL, no connection borrowed per request. What a
step pays above this page is what its code, its ORM and its database
settings add.
"""

import sqlite3

from flask import Flask, redirect, render_template, request
from flask_login import LoginManager, UserMixin, login_user
from werkzeug.security import check_password_hash, generate_password_hash

from kit.measure.peer import serve_step4_pages
from kit.steps import ROOT


class User(UserMixin):
    def __init__(self, id, name, active):
        self.id, self.name, self.active = id, name, active

    @property
    def is_active(self):
        return self.active


def floor_app(folder, config):
    """Step 4's pages, with a user loader that is one sqlite3 lookup."""
    step4 = ROOT / "step04_database"
    app = Flask("floor", template_folder=step4 / "templates", static_folder=step4 / "static")
    app.config.update(config)
    # Opened once, for the life of the app: no request pays for connecting.
    # check_same_thread=False: Flask may serve a request in another thread.
    database = sqlite3.connect(f"{folder}/floor.db", check_same_thread=False)
    database.executescript("""
        CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,
                            password_hash TEXT NOT NULL, active INTEGER NOT NULL);
    """)
    database.execute("INSERT INTO users (name, password_hash, active) VALUES (?, ?, 1)",
                     ("alice", generate_password_hash("wonderland", "pbkdf2:sha256:1")))
    database.commit()

    login_manager = LoginManager(app)

    @login_manager.user_loader
    def load_user(user_id):
        row = database.execute("SELECT id, name, active FROM users WHERE id = ?", (user_id,)).fetchone()
        return User(*row) if row else None

    def login():
        if request.method == "POST":
            row = database.execute("SELECT id, name, active, password_hash FROM users WHERE name = ?",
                                   (request.form["username"],)).fetchone()
            if row and check_password_hash(row[3], request.form["password"]):
                login_user(User(*row[:3]))
                return redirect("/")
        return render_template("login.html")

    serve_step4_pages(app, login)

    # The bench counts the queries of each page, as it does for the steps and the peer.
    queries = []
    database.set_trace_callback(queries.append)
    app.queries = queries
    return app
