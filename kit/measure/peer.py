"""The bench's peer: step 4's pages, served by Flask-SQLAlchemy with the Flask Mega-Tutorial's loader.

`make bench` (bench.py) compares what being logged in costs a step with
what it costs this app: the same templates and the same login form, a
SQLite file through SQLAlchemy's connection pool, and the loader most
readers have seen, `db.session.get(User, int(user_id))`.
"""

from flask import Blueprint, Flask, redirect, render_template, request, session
from flask_login import LoginManager, UserMixin, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from werkzeug.security import check_password_hash, generate_password_hash

from kit.steps import ROOT


def peer_app(folder, config):
    """Step 4's pages, served by Flask-SQLAlchemy with the Mega-Tutorial's loader."""
    step4 = ROOT / "step04_database"
    app = Flask("peer", template_folder=step4 / "templates", static_folder=step4 / "static")
    app.config.update(config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/peer.db")
    db = SQLAlchemy(app)

    class User(UserMixin, db.Model):
        __tablename__ = "users"
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(64), unique=True, nullable=False)
        password_hash = db.Column(db.String(255), nullable=False)
        active = db.Column(db.Boolean, default=True, nullable=False)

        @property
        def is_active(self):
            return self.active

    login_manager = LoginManager(app)

    @login_manager.user_loader
    def load_user(user_id):
        return db.session.get(User, int(user_id))

    def login():
        if request.method == "POST":
            user = db.session.scalar(db.select(User).filter_by(name=request.form["username"]))
            if user and check_password_hash(user.password_hash, request.form["password"]):
                session.clear()
                login_user(user)
                return redirect("/")
        return render_template("login.html")

    serve_step4_pages(app, login)
    with app.app_context():
        db.create_all()
        db.session.add(User(name="alice", password_hash=generate_password_hash("wonderland", "pbkdf2:sha256:1")))
        db.session.commit()

    queries = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: queries.append(1))
        app.pool_name = type(db.engine.pool).__name__
    app.queries = queries
    return app


def serve_step4_pages(app, login):
    """The routes step 4's templates link to (`pages.profile`, `auth.login`, `auth.logout`),
    behind CSRFProtect, with the app's own login view: the peer's and the floor's."""
    CSRFProtect(app)
    pages, auth = Blueprint("pages", app.name), Blueprint("auth", app.name)
    app.add_url_rule("/", "index", lambda: render_template("index.html"))
    pages.add_url_rule("/profile", "profile", login_required(lambda: render_template("profile.html")))
    auth.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    auth.add_url_rule("/logout", "logout", lambda: "", methods=["POST"])
    app.register_blueprint(pages)
    app.register_blueprint(auth)
