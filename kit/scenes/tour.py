"""`make tour STEP=N`: walk a step in Chromium through its chapter, and keep what happened.

    python -m kit.scenes.tour step03_login_required          # writes tours/step03_login_required.html
    python -m kit.scenes.tour workshop/step03_login_required # a learner's folder, walked the same way

The step's app is made as `make run STEP=N XRAY=1` makes it (debug on, the
X-ray installed), but with a throwaway SECRET_KEY, failed logins counted in
memory and, for a step with a database, a fresh database in a temporary
folder: no file of the repository's instance/ is read or written. It is
served on 127.0.0.1, and a short walk per step (WALKS below: the chapter's
"What to try") is played in Chromium. Every request the walk made is then
written to ONE HTML page that opens from disk: each request as a sequence
diagram (browser, Flask, Flask-Login, the loaders, the database), and a
click opens its whole X-ray record. The page loads nothing: no script,
stylesheet, font or image URL. Tours go to tours/ (git-ignored): they hold
times and dates that differ on every run, and the command makes them in
seconds.

`--compare-with step03_login_required` also writes the folder's tour beside
that one's, the differences marked (kit/scenes/compare.py).

What a tour shows is what the X-ray panel shows, shortened the same way:
cookies and tokens as their start and their length; passwords, the key and
whole tokens never (tests/test_tour.py searches the page for them).
"""

import argparse
import importlib
import importlib.util
import secrets
import sys
import tempfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, PackageLoader

from kit import xray
from kit.accounts import MemoryUsers
from kit.serving import serve_in_a_thread
from kit.steps import ROOT, STEP_NAMES, step_number
from kit.scenes.walks import INTRODUCTIONS, KEEPS_STATIC, WALKS, Walker, command, debug_mode
from kit.scenes import sequence

OUTPUT = ROOT / "tours"
# Hashing the demo passwords at full strength only makes the walk slower.
PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"


@dataclass
class Tour:
    step: str  # the folder, as `make tour DIR=...` names it: step03_login_required
    number: int
    scenes: list
    # Every secret the walk handled: the key, the passwords typed, the tokens
    # issued, the cookies the browsers held. None of them may be in the page.
    secrets: set


def load_step(folder):
    """The step package in folder, imported under its folder's name (as the grader does)."""
    folder = Path(folder).resolve()
    loaded = sys.modules.get(folder.name)
    if loaded is not None and Path(loaded.__file__).parent == folder:
        return loaded  # the grader imported it already: the same users, the same models
    if loaded is not None:
        # The other folder of that name (the reference, beside a learner's):
        # forget it and its modules, or `from . import auth` would find its auth.
        for name in [name for name in sys.modules if name.split(".")[0] == folder.name]:
            del sys.modules[name]
    if folder.parent == ROOT:
        return importlib.import_module(folder.name)
    spec = importlib.util.spec_from_file_location(
        folder.name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[folder.name] = module
    spec.loader.exec_module(module)
    return module


def make_app(module, folder):
    """The step's app with the X-ray on, its database (if any) new in folder."""
    config = {
        "SECRET_KEY": secrets.token_hex(32),
        "PASSWORD_HASH_METHOD": PASSWORD_HASH_METHOD,
        "DATABASE": {"name": str(Path(folder) / "tour.db"), "engine": "peewee.SqliteDatabase"},
        # Step 7 counts failed logins: in this process, not in a shared Redis
        # (RATELIMIT_STORAGE_URI) where other clients' guesses would count too.
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    with debug_mode():
        app = module.create_app(config)
    if "init-db" in app.cli.commands:
        command(app, "init-db")
    xray.install(app)
    # Keep every request of the walk, not only the last ones.
    app.wsgi_app.history = deque()
    return app


def record(folder, browser, playwright):
    """Walk the step in folder with the browser; its Tour."""
    folder = Path(folder).resolve()
    number = step_number(folder.name)
    module = load_step(folder)
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as instance:
        app = make_app(module, instance)
        users = MemoryUsers(module) if "init-db" not in app.cli.commands else None
        active = {key: user.active for key, user in users.store.items()} if users else {}
        try:
            with serve_in_a_thread(app) as base:
                walker = Walker(app, base, browser, playwright)
                WALKS[number](walker)
                scenes = walker.finish(keep_static=number in KEEPS_STATIC)
        finally:
            # Users in memory live as long as the process: put them back.
            for key, was_active in active.items():
                users.store[key].active = was_active
    return Tour(shown_name(folder), number, scenes, walker.secrets)


def shown_name(folder):
    """step03_login_required, or workshop/step03_login_required for a learner's folder."""
    return str(folder.relative_to(ROOT)) if folder.is_relative_to(ROOT) else str(folder)


@dataclass
class ShownRequest:
    number: int
    record: object
    arrows: list
    height: int
    differs: bool = False  # from the reference's, in a comparison


def shown_scenes(tour):
    """Each scene's title, and its requests numbered through the walk, with their arrows."""
    numbered = 0
    scenes = []
    for scene in tour.scenes:
        shown = []
        for each in scene.records:
            numbered += 1
            drawn = sequence.arrows(each)
            shown.append(ShownRequest(numbered, each, drawn, sequence.height(drawn)))
        scenes.append((scene.title, shown))
    return scenes


def templates():
    environment = Environment(
        # The tour's own templates, and the X-ray's record of a request, which it shows.
        loader=ChoiceLoader([PackageLoader("kit.scenes"), PackageLoader("kit.xray")]), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    environment.globals.update(lanes=sequence.LANES, lane_x=sequence.LANE_X, width=sequence.WIDTH)
    return environment


def render(tour):
    """The tour as one self-contained HTML page."""
    scenes = [{"title": title, "requests": shown} for title, shown in shown_scenes(tour)]
    made_by = f"make tour STEP={tour.number}"
    if tour.step not in STEP_NAMES:
        made_by += f" DIR={tour.step}"
    return templates().get_template("tour.html").render(
        step=tour.step, made_by=made_by, walk_intro=INTRODUCTIONS[tour.number], scenes=scenes
    )


def file_name(tour, ending=""):
    """tours/step03_login_required.html, tours/workshop-step03_login_required.html."""
    return f"{tour.step.strip('/').replace('/', '-')}{ending}.html"


def write(tour, output=OUTPUT):
    output.mkdir(parents=True, exist_ok=True)
    path = output / file_name(tour)
    path.write_text(render(tour), encoding="utf-8")
    return path


def main():
    import logging

    from flask.logging import default_handler
    from playwright.sync_api import sync_playwright

    from kit.chromium import CHROMIUM, CHROMIUM_FLAGS
    from kit.scenes import compare as tour_compare  # which imports this module

    parser = argparse.ArgumentParser(description="Walk steps in Chromium; write their tours.")
    parser.add_argument("folders", nargs="*", help="step folders (default: all seven)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--compare-with", metavar="REFERENCE", type=Path,
                        help="also write a page that shows the folder's tour beside this one's")
    arguments = parser.parse_args()
    # The requests are in the tour; the server's and the apps' log lines
    # (a step's loader logs each call in debug mode) would only repeat them.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    default_handler.setLevel(logging.WARNING)
    folders = arguments.folders or [ROOT / name for name in STEP_NAMES]
    if not CHROMIUM.exists():
        sys.exit(f"No Chromium at {CHROMIUM}; install it with: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        reference = arguments.compare_with and record(arguments.compare_with, browser, playwright)
        for folder in folders:
            tour = record(folder, browser, playwright)
            report(write(tour, arguments.output))
            if reference:
                path = tour_compare.write(tour, reference, arguments.output)
                report(path, f"differences: {len(tour_compare.all_notes(tour, reference))}")
        browser.close()


def report(path, *more):
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    print(" · ".join([f"{shown}: {path.stat().st_size} bytes", *more]))


if __name__ == "__main__":
    main()
