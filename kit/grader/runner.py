"""Run the behaviour tests against a folder, in one pytest process or two, and read their reports.

Each process loads kit/grader/report.py, which writes each test's result
as JSON; what runs is what the classification of kit/pytest_steps.py says
a learner's `make test` runs: the behaviour tests, not the slow ones.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from kit.steps import ROOT

# A grade in seconds: no browser plugin, and the property-based tests'
# first failing example shown as found, unshrunk (tests/conftest.py). A test
# that hangs on a learner's folder (a loop, a lock never released) fails
# after 30 seconds instead of stopping the grade.
FAST = ["-p", "no:playwright", "--hypothesis-profile=grading", "--tb=short", "--timeout=30"]
# Two processes that share the tests, each taking the next one free, grade
# in less time than one on a 2-core machine: step 2 (71 tests) in 0.91 of
# the time, step 3 (98) in 0.83; the 370 of step 8 in about two thirds.
PROCESSES = min(2, os.cpu_count() or 1)


def warnings_shown():
    """pytest options that show warnings instead of failing on them.

    The suite fails on any warning (pyproject.toml), to keep the reference
    steps clean. A learner's folder may warn (Flask-Limiter warns about its
    default storage, say): that is worth a line, not every test. What the
    suite ignores stays ignored, matched as pyproject's lines are matched:
    replacing the ini's list (-o), where -W would read a module name as
    exact (`flask_login` would then miss `flask_login.login_manager`).
    """
    with open(ROOT / "pyproject.toml", "rb") as project:
        listed = tomllib.load(project)["tool"]["pytest"]["ini_options"]["filterwarnings"]
    ignored = [line for line in listed if line.startswith("ignore:")]
    return ["-o", "filterwarnings=" + "\n".join(["default", *ignored])]


WARNINGS_SHOWN = warnings_shown()


def grade(folder, on_progress=None):
    """Run the suite against folder, as the step its name says: each test's result, and the warnings.

    Two processes share the tests, if there are two cores. on_progress, if
    given, is called as results come in (see run_suite).
    """
    return run_suite(f"--step-dir={folder}", *FAST, *WARNINGS_SHOWN, processes=PROCESSES,
                     on_progress=on_progress)


def run_suite(*arguments, graded=None, processes=1, on_progress=None):
    """Run the graded tests with the arguments given: {"results": each test's, "warnings": [...]}.

    In one process, or shared between several that run at once, each taking
    the next test not yet taken (kit/grader/report.py), whose reports are
    put together. While they run, on_progress(tests, results) is called
    whenever results have come in: every test to run, and the results so
    far, by test id.
    """
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ)
        env.pop("TEST_DATABASE_URL", None)  # SQLite is enough to grade
        env.pop("XRAY", None)  # the folder as it is; the X-ray is for watching it work
        # The behaviour tests alone: what starts servers or checks the project
        # runs in the full suite only (kit/pytest_steps.py), and is never graded.
        env.pop("FULL", None)
        # Let Python keep what it compiles (in .venv, not beside the learner's
        # files): compiling the tests and rewriting their asserts at every
        # check would cost a second.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(ROOT / ".venv" / "pycache")
        command = [
            sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
            "-p", "kit.grader.report", *arguments, *(["-k", graded] if graded else []),
        ]
        if processes > 1:
            command.append(f"--workshop-share={Path(scratch) / 'taken'}")
            (Path(scratch) / "taken").mkdir()
        runs = []
        for part in range(1, processes + 1):
            report, output = Path(scratch) / f"report{part}.json", Path(scratch) / f"output{part}.txt"
            with open(output, "w", encoding="utf-8") as written:
                runs.append((report, output, subprocess.Popen(
                    command, cwd=ROOT,
                    env={**env, "WORKSHOP_REPORT": str(report)}, stdout=written, stderr=subprocess.STDOUT,
                )))
        try:
            if on_progress is not None:
                follow([f"{report}.lines" for report, _, _ in runs], [run for _, _, run in runs], on_progress)
            for _, _, run in runs:
                run.wait()
        finally:
            # Interrupted (Ctrl-C in WATCH mode, a timeout): no test process outlives the grade.
            for _, _, run in runs:
                if run.poll() is None:
                    run.kill()
                    run.wait()
        together = {"results": [], "warnings": []}
        for report, output, run in runs:
            if not report.exists():
                raise SystemExit(f"The tests could not run:\n{output.read_text(encoding='utf-8')}")
            part = json.loads(report.read_text(encoding="utf-8"))
            together["results"] += part["results"]
            together["warnings"] += [each for each in part["warnings"] if each not in together["warnings"]]
        together["results"].sort(key=lambda result: result["position"])
        return together


def follow(line_files, runs, on_progress):
    """Read the results the processes stream (kit/grader/report.py) until they all end."""
    read = dict.fromkeys(line_files, 0)
    tests, results = None, {}
    while True:
        running = any(run.poll() is None for run in runs)
        arrived = False
        for path in line_files:
            if not os.path.exists(path):
                continue
            with open(path, "rb") as lines:
                lines.seek(read[path])
                text = lines.read()
            complete = text[:text.rfind(b"\n") + 1]  # a line being written waits for the next look
            read[path] += len(complete)
            for line in complete.decode("utf-8").splitlines():
                message = json.loads(line)
                if "collected" in message:
                    tests = message["collected"]  # every process lists every test, in one order
                if "result" in message:
                    results[message["result"]["test"]] = message["result"]
                arrived = True
        if arrived and tests is not None:
            on_progress(tests, results)
        if not running:
            return
        time.sleep(0.05)
