"""What one request did with Flask-Login, recorded from the outside.

Nothing here changes what the app does. Flask's and Flask-Login's signals
say when things happen; the loaders the step registered are wrapped, through
Flask-Login's own user_loader and request_loader; the session is read, never
written; the queries of the loaders are read as queries.py says.
"""

import functools
import inspect
import sys
import time

import flask_login
from flask import current_app, request, request_finished, request_started, session

from .queries import count_rows_of, watch_queries
from .records import (
    RECORD,
    SIGNALS,
    Cookie,
    LoaderCall,
    Record,
    describe_user,
    record_of_this_request,
    shorten,
    shown,
)

# login_required and fresh_login_required each wrap a view in a function of
# their own, keeping the view's name (functools.wraps): a wrapper is told
# apart by its code, and the view it wraps is its __wrapped__.
DECORATORS = {
    flask_login.login_required(lambda: None).__code__: "@login_required",
    flask_login.fresh_login_required(lambda: None).__code__: "@fresh_login_required",
}


def describe_request(incoming):
    """The request_loader's argument: the whole request; what it looks at is a header."""
    header = current_app.config.get("AUTH_HEADER_NAME", "Authorization")
    value = incoming.headers.get(header)
    if value is None:
        return f"the request (no {header} header)"
    scheme, _, credentials = value.partition(" ")
    return f"the request ({header}: {scheme} {shorten(credentials, keep=6)})"


def copy_of_session():
    # dict.copy reads the session without marking it accessed: Flask would
    # otherwise add "Vary: Cookie" to responses that never used it.
    return dict.copy(session._get_current_object())


class Recorder:
    """Records every request of one app (the receivers live as long as it does)."""

    def __init__(self, app):
        # Signals keep weak references to receivers: these are kept here.
        self.receivers = [self.request_started, self.request_finished]
        request_started.connect(self.request_started, app)
        request_finished.connect(self.request_finished, app)
        for signal, (name, _) in SIGNALS.items():
            receiver = self.receiver_for(name)
            self.receivers.append(receiver)
            signal.connect(receiver, app)
        manager = app.login_manager
        if manager.user_callback is not None:
            manager.user_loader(recorded("user_loader", manager.user_callback, shown))
        if manager.request_callback is not None:
            manager.request_loader(
                recorded("request_loader", manager.request_callback, describe_request)
            )
        watch_queries()

    def request_started(self, app, **extra):
        request.environ[RECORD] = Record(
            method=request.method,
            path=request.full_path.rstrip("?"),
            decorators=decorators_of(app.view_functions.get(request.endpoint)),
            session_before=copy_of_session(),
            cookies_received={name: shorten(value) for name, value in request.cookies.items()},
            remember_cookie_name=app.config.get("REMEMBER_COOKIE_NAME", "remember_token"),
            session_cookie_name=app.config["SESSION_COOKIE_NAME"],
        )
        # At every request, not once: a step's Flask-Peewee Database is made
        # when its module is imported, and each create_app() gives it a new
        # database to use.
        count_rows_of(app)

    def request_finished(self, app, response, **extra):
        record = record_of_this_request()
        if record is None:
            return
        # The session as saved, and every cookie: Flask-Login's after_request
        # and the session's save have both run by now.
        record.session_after = copy_of_session()
        record.status = response.status_code
        record.location = response.headers.get("Location")
        record.content_type = response.mimetype or ""
        record.cookies_set = [
            Cookie.from_header(header) for header in response.headers.getlist("Set-Cookie")
        ]

    def receiver_for(self, name):
        def receive(app, user=None, **extra):
            record = record_of_this_request()
            if record is not None:
                record.signals.append((name, describe_user(user) if user is not None else None))

        return receive


def decorators_of(view):
    """The Flask-Login decorators around a view, outermost first."""
    found = []
    while view is not None:
        if getattr(view, "__code__", None) in DECORATORS:
            found.append(DECORATORS[view.__code__])
        view = getattr(view, "__wrapped__", None)
    return found


def recorded(name, loader, describe_argument):
    """The loader, recording each call (argument, answer, time) in the request's record."""
    if getattr(loader, "xray_records", False):
        return loader  # already recorded: a step's LoginManager serves all its apps

    @functools.wraps(loader)
    def recording_loader(argument):
        record = record_of_this_request()
        if record is None:
            return loader(argument)
        call = LoaderCall(name, describe_argument(argument))
        record.loader_calls.append(call)
        record.collecting = call
        started = time.perf_counter()
        caught = []
        try:
            with exceptions_caught_in(loader, caught):
                user = loader(argument)
        except Exception as error:
            call.answer = f"raised {type(error).__name__}"
            raise
        finally:
            call.milliseconds = (time.perf_counter() - started) * 1000
            record.collecting = None
        call.answer, call.found_user = describe_user(user), user is not None
        if caught:
            # A loader that answered None because a query raised (peewee's
            # DoesNotExist, say) and it caught that: the X-ray names it.
            call.answer += f" (caught {', '.join(caught)})"
        return user

    recording_loader.xray_records = True
    return recording_loader


class exceptions_caught_in:
    """While a loader runs, the names of the exceptions that reached its own frame.

    Python's tracer reports an "exception" event in every frame an exception
    passes through. Only the loader's own frame is traced (its callees run
    untraced), and only while it runs, in this thread. An exception that
    leaves the loader is the caller's to report: what is left was caught.
    """

    def __init__(self, loader, caught):
        self.code = getattr(inspect.unwrap(loader), "__code__", None)
        self.caught = caught

    def __enter__(self):
        self.previous = sys.gettrace()
        sys.settrace(self.trace_calls)

    def __exit__(self, *exc_info):
        sys.settrace(self.previous)

    def trace_calls(self, frame, event, arg):
        return self.trace_in_the_loader if frame.f_code is self.code else None

    def trace_in_the_loader(self, frame, event, arg):
        if event == "exception":
            name = exception_name(arg[0])
            if name not in self.caught:
                self.caught.append(name)
        return self.trace_in_the_loader


def exception_name(exception_type):
    """`User.DoesNotExist` for peewee's UserDoesNotExist, as the loader's code spells it."""
    name = exception_type.__name__
    if name.endswith("DoesNotExist") and name != "DoesNotExist":
        return f"{name.removesuffix('DoesNotExist')}.DoesNotExist"
    return name
