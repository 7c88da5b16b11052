"""`make tour STEP=N`: walk a step in Chromium through its chapter, and keep what happened.

    python -m kit.scenes.tour step03_login_required          # writes tours/step03_login_required.html
    python -m kit.scenes.tour workshop/step03_login_required # a learner's folder, walked the same way

The step's walk (kit/steps.py: the chapter's "What to try") is played in
Chromium against the step's app, served on 127.0.0.1 with the X-ray on
(kit/scenes/engine.py). Every request the walk made is then written to ONE
HTML page that opens from disk: each request as a sequence diagram
(browser, Flask, Flask-Login, the loaders, the database), and a click opens
its whole X-ray record.

`--compare-with step03_login_required` also writes the folder's tour beside
that one's, the differences marked (compare.py).

What a tour shows is what the X-ray panel shows, shortened the same way:
cookies and tokens as their start and their length; passwords, the key and
whole tokens never (kit/tests/test_tour.py searches the page for them).
"""

import argparse
import logging
import sys
from pathlib import Path

from kit.scenes import compare
from kit.scenes.engine import ChromiumDriver, play
from kit.scenes.pages import OUTPUT, file_name, shown_scenes, templates
from kit.steps import ROOT, STEP_NAMES, STEPS


def record(folder, browser, playwright):
    """Walk the step in folder in Chromium; what was played, as a tour."""
    folder = Path(folder).resolve()
    return play(folder, ChromiumDriver(browser, playwright), shown_name(folder))


def shown_name(folder):
    """step03_login_required, or workshop/step03_login_required for a learner's folder."""
    return str(folder.relative_to(ROOT)) if folder.is_relative_to(ROOT) else str(folder)


def render(tour):
    """The tour as one self-contained HTML page."""
    scenes = [{"title": title, "requests": shown} for title, shown in shown_scenes(tour)]
    made_by = f"make tour STEP={tour.number}"
    if tour.step not in STEP_NAMES:
        made_by += f" DIR={tour.step}"
    return templates().get_template("tour.html").render(
        step=tour.step, made_by=made_by, walk_intro=STEPS[tour.number - 1].tour, scenes=scenes
    )


def write(tour, output=OUTPUT):
    output.mkdir(parents=True, exist_ok=True)
    path = output / file_name(tour)
    path.write_text(render(tour), encoding="utf-8")
    return path


def main():
    from flask.logging import default_handler
    from playwright.sync_api import sync_playwright

    from kit.chromium import CHROMIUM_FLAGS, NoChromium, find_chromium

    parser = argparse.ArgumentParser(description="Walk steps in Chromium; write their tours.")
    parser.add_argument("folders", nargs="*", help="step folders (default: every step)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--compare-with", metavar="REFERENCE", type=Path,
                        help="also write a page that shows the folder's tour beside this one's")
    arguments = parser.parse_args()
    # The requests are in the tour; the server's and the apps' log lines
    # (a step's loader logs each call in debug mode) would only repeat them.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    default_handler.setLevel(logging.WARNING)
    folders = arguments.folders or [ROOT / name for name in STEP_NAMES]
    try:
        chromium = find_chromium()
    except NoChromium as missing:
        # What is missing and how to get it, without a traceback.
        sys.exit(str(missing))
    print(f"Browser: {chromium}")
    with sync_playwright() as playwright:
        # Playwright drives any Chromium-based browser given its path: Chrome and Edge too.
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_FLAGS)
        reference = arguments.compare_with and record(arguments.compare_with, browser, playwright)
        for folder in folders:
            tour = record(folder, browser, playwright)
            report(write(tour, arguments.output))
            if reference:
                path = compare.write(tour, reference, arguments.output)
                report(path, f"differences: {len(compare.all_notes(tour, reference))}")
        browser.close()


def report(path, *more):
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    print(" · ".join([f"{shown}: {path.stat().st_size} bytes", *more]))


if __name__ == "__main__":
    main()
