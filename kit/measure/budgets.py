"""The learner's budgets, measured: `make budgets` prints them with the limits.

    python -m kit.measure.budgets [--runs 3] [--sizes-only] [--full]

- Step 1 is the essence: at most 120 lines of Python (comments, docstrings
  and blank lines included) and 3 templates.
- Each step adds one concept: at most 300 changed lines (added plus
  removed) of Python and templates against the step before. Step 4, where
  the database arrives, is at most 450 lines of Python.
- The front page (README.md) is at most 1,500 words, and each chapter at
  most 2,000 before its generated "What changed" section (words as `wc -w`
  counts them, code blocks included; the request diagrams `make docs`
  records into a chapter, between their markers, are left out).
- create_app() takes at most 0.5 s with the production hash method: each
  step is imported and created in a fresh process, `--runs` times; medians.
- `make check STEP=N` (the workshop grader, on the reference step) takes at
  most 2 s to its first concept's line, and at most 3 s in all for steps 2
  and 3, 5 s for the later ones, on a quiet 2-core machine (from step 4 on,
  two processes share the tests): medians of `--runs`, the steps taking turns.
- `make test`, the learner's loop (the behaviour tests of every step), takes
  at most 30 s on a quiet 2-core machine. `--full` (`make budgets FULL=1`)
  also times the full suite, `make test FULL=1`, which has no limit. Each
  is run once; the load average before them says how quiet the machine was,
  and the CPU seconds (all processes) depend less on it than the seconds.
- The development server (`flask run --debug`, as `make run` starts it once
  the database exists): at most 1 s from the command to the first page; and
  the seconds from saving a file to the first page after the restart.
  Served from a copy of the step, compiled as a learner's second run finds
  it, with a key in the environment, on 127.0.0.1.

Exits 1 when a budget is exceeded. `--sizes-only` leaves out the times: the
test suite checks the sizes with it (tests/test_project.py), never a time.
"""

import argparse
import difflib
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from kit.steps import ROOT, step_folders
from kit.scenes.diagrams import BLOCK as RECORDED_DIAGRAM
from kit.grader.timing import check_timings

STEP1_LINES, STEP1_TEMPLATES = 120, 3
NEIGHBOUR_DIFF_LINES, STEP4_LINES = 300, 450
README_WORDS, CHAPTER_WORDS = 1500, 2000
CREATE_APP_SECONDS = 0.5
FIRST_PAGE_SECONDS = 1
MAKE_TEST_SECONDS = 30
# What `make test` takes from its caller's environment (as make passes it
# on): removed, so that each run is the one the table names.
MAKE_SETTINGS = ("FULL", "XRAY", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")

# Imports the step, then times create_app() alone, in a process of its own.
TIME_CREATE_APP = """
import sys, tempfile, time
name = sys.argv[1]
started = time.perf_counter()
module = __import__(name)
imported = time.perf_counter()
config = {"SECRET_KEY": "budgets"}
if hasattr(module, "User"):  # the steps with a database: a file of their own
    config["DATABASE"] = {"name": tempfile.mktemp(suffix=".db"), "engine": "peewee.SqliteDatabase"}
module.create_app(config)
print(imported - started, time.perf_counter() - imported)
"""


def words(text):
    return len(text.split())


def chapter_words(path):
    text = path.read_text(encoding="utf-8").split("\n## What changed\n")[0]
    return words(RECORDED_DIAGRAM.sub("", text))


def python_lines(folder):
    return sum(len(path.read_text().splitlines()) for path in folder.rglob("*.py"))


def code_and_templates(folder):
    """The step's Python and templates, by path inside the folder."""
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8").splitlines()
        for path in sorted(folder.rglob("*"))
        if path.suffix in (".py", ".html") and "__pycache__" not in path.parts
    }


def changed_lines(previous, folder):
    """Lines added plus lines removed, Python and templates, from previous to folder."""
    before, after = code_and_templates(previous), code_and_templates(folder)
    return sum(
        1
        for name in before.keys() | after.keys()
        for line in difflib.unified_diff(before.get(name, []), after.get(name, []), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    )


def templates(folder):
    return len(list((folder / "templates").glob("*.html")))


def create_app_seconds(name, runs):
    """Median seconds to import the step, and to run create_app(), in fresh processes."""
    imports, creates = [], []
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, "-c", TIME_CREATE_APP, name],
            cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
        )
        imported, created = map(float, result.stdout.split())
        imports.append(imported)
        creates.append(created)
    return statistics.median(imports), statistics.median(creates)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_page(url, deadline, not_before=None):
    """Seconds until url answers (and, with not_before, answers from a new process)."""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                served_by = response.headers.get("X-Served-By")
                if not_before is None or served_by != not_before:
                    return time.monotonic(), served_by
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer")


def development_server_seconds(folder):
    """Seconds to the first page of `flask run --debug`, and to the first page after a save."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / folder.name
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("README.md", "screenshots", "__pycache__"))
        # The process that serves each page says its pid, so that the page
        # after the restart is known to come from the new process.
        (Path(scratch) / "served_by.py").write_text(
            "import os\n"
            f"from {folder.name} import create_app as step_create_app\n"
            "def create_app():\n"
            "    app = step_create_app()\n"
            "    app.after_request(lambda r: (r.headers.__setitem__('X-Served-By', str(os.getpid())), r)[1])\n"
            "    return app\n"
        )
        port = free_port()
        # Bytecode where `make run` keeps it (KEEP_BYTECODE in the Makefile):
        # the packages compiled by earlier runs, and the copy compiled now, as
        # a learner's own step is on every run after the first.
        pycache = ROOT / ".venv" / "pycache"
        env = {**os.environ, "FLASK_SECRET_KEY": "budgets", "PYTHONPYCACHEPREFIX": str(pycache)}
        env.pop("DATABASE_URL", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(copy)], env=env, check=True)
        command = [sys.executable, "-m", "flask", "--app", "served_by", "run", "--debug", "--port", str(port)]
        started = time.monotonic()
        server = subprocess.Popen(command, cwd=scratch, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}/"
            first, served_by = wait_for_page(url, started + 60)
            saved = time.monotonic()
            init = copy / "__init__.py"
            init.write_text(init.read_text() + "\n")
            again, _ = wait_for_page(url, saved + 60, not_before=served_by)
        finally:
            server.terminate()
            server.wait(timeout=30)
            # The copy's own bytecode, kept under the prefix by its full path.
            shutil.rmtree(pycache / Path(scratch).relative_to("/"), ignore_errors=True)
    return first - started, again - saved


def make_test_seconds(*settings):
    """Seconds, and CPU seconds of all its processes, of one `make test` with the settings given."""
    env = {name: value for name, value in os.environ.items() if name not in MAKE_SETTINGS}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    result = subprocess.run(["make", "--no-print-directory", "test", *settings],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"make test {' '.join(settings)} failed:\n{result.stdout[-3000:]}{result.stderr}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return seconds, cpu


def row(what, figure, limit=None, unit=""):
    if limit is None:
        return f"| {what} | {figure}{unit} | | |", True
    within = figure <= limit
    return f"| {what} | {figure}{unit} | {limit}{unit} | {'ok' if within else 'OVER'} |", within


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m kit.measure.budgets", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per step for create_app()")
    parser.add_argument("--sizes-only", action="store_true", help="lines and words, no times")
    parser.add_argument("--full", action="store_true", help="also time the full suite (minutes)")
    args = parser.parse_args(argv)
    # The figures are a learner's, whatever this process was started with
    # (`make budgets FULL=1` hands FULL=1 on): the grader's too.
    for name in MAKE_SETTINGS:
        os.environ.pop(name, None)

    folders = step_folders()
    rows = []
    rows.append(row("step 1: lines of Python", python_lines(folders[0]), STEP1_LINES))
    rows.append(row("step 1: templates", templates(folders[0]), STEP1_TEMPLATES))
    for folder in folders[1:]:
        limit = STEP4_LINES if folder.name.startswith("step04_") else None
        rows.append(row(f"{folder.name}: lines of Python", python_lines(folder), limit))
        rows.append(row(f"{folder.name}: templates", templates(folder)))
    for previous, folder in zip(folders, folders[1:]):
        rows.append(row(f"{previous.name} → {folder.name}: changed lines of Python and templates",
                        changed_lines(previous, folder), NEIGHBOUR_DIFF_LINES))
    rows.append(row("README.md: words", words((ROOT / "README.md").read_text(encoding="utf-8")), README_WORDS))
    for folder in folders:
        rows.append(row(f"{folder.name}/README.md: words before What changed",
                        chapter_words(folder / "README.md"), CHAPTER_WORDS))
    for page in sorted((ROOT / "docs").glob("*.md")):
        rows.append(row(f"docs/{page.name}: words", words(page.read_text(encoding="utf-8"))))
    for folder in [] if args.sizes_only else folders:
        imported, created = create_app_seconds(folder.name, args.runs)
        rows.append(row(f"{folder.name}: import", round(imported, 3), unit=" s"))
        rows.append(row(f"{folder.name}: create_app()", round(created, 3), CREATE_APP_SECONDS, " s"))
    for what, seconds, limit in [] if args.sizes_only else check_timings(args.runs):
        rows.append(row(what, round(seconds, 1), limit, " s"))
    if not args.sizes_only:
        rows.append(row("load average (1 minute) before the test runs", round(os.getloadavg()[0], 1)))
        for settings, limit in [((), MAKE_TEST_SECONDS), *([(("FULL=1",), None)] if args.full else [])]:
            seconds, cpu = make_test_seconds(*settings)
            command = " ".join(["make test", *settings])
            rows.append(row(f"`{command}`", round(seconds, 1), limit, " s"))
            rows.append(row(f"`{command}`: CPU seconds, all processes", round(cpu, 1), unit=" s"))
        for folder in folders:
            first, again = development_server_seconds(folder)
            rows.append(row(f"{folder.name}: `flask run --debug` to the first page", round(first, 2),
                            FIRST_PAGE_SECONDS, " s"))
            rows.append(row(f"{folder.name}: a save to the first page after the restart",
                            round(again, 2), unit=" s"))

    print("| budget | measured | limit | |")
    print("| --- | ---: | ---: | --- |")
    for line, _ in rows:
        print(line)
    over = [line for line, within in rows if not within]
    print(f"\n{len(over)} over budget." if over else "\nEvery budget holds.")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
