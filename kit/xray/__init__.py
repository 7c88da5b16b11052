"""The request X-ray: watch Flask-Login work, on any step, without changing its code.

    make run STEP=3 XRAY=1
    make run STEP=workshop/step03_login_required XRAY=1

serve the step through create_app() below, which makes the step's app as
`flask --app STEP` would and puts the X-ray on it:

- every HTML page gets a panel (bottom right, closed until clicked): how
  current_user was found, each loader call with its argument, answer and
  time (and, with a database, its SQL), what @login_required decided,
  Flask-Login's signals, the session before and after, the cookies;
- /_xray lists the last requests, redirects and stylesheets included;
- a JSON answer gets the same facts as one line in the terminal.

recorder.py collects the facts (records.py holds them, queries.py reads the
loaders' queries), report.py shows them. All work from the
outside: Flask's and Flask-Login's signals, the loaders the step registered
(wrapped through Flask-Login's own user_loader and request_loader), and a
WSGI middleware. The panel shows the session and the cookies to whoever
loads a page: the X-ray refuses to run outside debug mode.
"""

from flask.cli import ScriptInfo

from .recorder import Recorder
from .report import Report


def create_app(step):
    """The app of the step at this path or module name, with the X-ray on."""
    return install(ScriptInfo(app_import_path=step).load_app())


def install(app):
    """Put the X-ray on app, once. Only in debug mode, or under test."""
    if not (app.debug or app.testing):
        raise RuntimeError(
            "The X-ray shows every session and cookie on the page: it runs only in debug mode"
            " (make run STEP=N XRAY=1, or flask run --debug)."
        )
    if "xray" not in app.extensions:
        app.extensions["xray"] = Recorder(app)
        app.wsgi_app = Report(app, app.wsgi_app)
    return app
