"""Workshop mode: a learner rebuilds a step, and the shared test suite grades it.

    python -m tools.workshop start N [--force]          # make workshop STEP=N [FORCE=1]
    python -m tools.workshop check N [--dir PATH] [--watch]
                                                        # make check STEP=N [DIR=...] [WATCH=1]
    python -m tools.workshop audit                      # every graded test has a concept

`--workshop DIR` puts the workshop somewhere else than workshop/, and
`check --json` prints each concept's result as JSON, for the maintainer's
tests (tests/test_workshop.py).

`start` copies step N-1 into workshop/, named as step N expects. `check` runs
the tests of step N and of the steps before it against that folder, groups
them into the concepts the chapters teach, and names the first concept that
fails with a hint from its chapter. It exits 0 only when everything passes.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from tests.steps import ROOT, STEP_NAMES, step_number

WORKSHOP = ROOT / "workshop"
# About the repository, browsers, production servers and this grader, not
# about what the learner builds; and slower than a grader should be.
NOT_GRADED = (
    "tests/test_docs.py",
    "tests/test_project.py",
    "tests/test_browser.py",
    "tests/test_production.py",
    "tests/test_load.py",
    "tests/test_workshop.py",
)


@dataclass(frozen=True)
class Concept:
    step: int
    title: str
    tests: tuple  # test ids start with one of these
    section: str  # the heading, in the step's chapter, that teaches it


CONCEPTS = (
    Concept(1, "Logging in and out", ("tests/test_login.py", "tests/test_fuzzing.py"), "Logging in"),
    Concept(1, "Passwords: hashed, and checked as typed", ("tests/test_passwords.py",),
            "Passwords: hashed, and checked as typed"),
    Concept(1, "The session cookie: what login puts in it", ("tests/test_sessions.py",),
            "Logging in"),
    Concept(1, "CSRF tokens on every form, and bad input", ("tests/test_forms.py",),
            "CSRF tokens on every form"),
    Concept(2, "The user loader: lazy, once per request, never raising",
            ("tests/test_user_loader.py", "tests/test_fuzzing.py"),
            "What it returns: a user or `None`, never an exception"),
    Concept(3, "Protected pages and the next round trip", ("tests/test_login_required.py",),
            "Protecting a page"),
    Concept(3, "Validating next", ("tests/test_next.py",), "Validating `next`"),
    Concept(3, "Remember me, fresh logins, and the cookies that carry a login",
            ("tests/test_remember.py", "tests/test_user_loader.py", "tests/test_sessions.py",
             "tests/test_passwords.py"), "Remember me"),
    Concept(4, "Users in a database, loaded with one query",
            ("tests/test_database.py::TestConfiguration", "tests/test_database.py::TestInitDb",
             "tests/test_database.py::TestQueries"), "Flask-Peewee: a connection per request"),
    Concept(4, "Commands to manage users",
            ("tests/test_database.py::TestAddUser", "tests/test_database.py::TestDeactivateUser",
             "tests/test_database.py::TestSetPassword", "tests/test_database.py::TestActivateUser"),
            "Managing users from the command line"),
    Concept(4, "Logins a user can end: logout, everywhere, new passwords, lifetimes",
            ("tests/test_logins.py",), "A login is a row"),
    Concept(4, "Password guessing that stops", ("tests/test_throttle.py",),
            "Password guessing that stops"),
    Concept(4, "Upgrading old password hashes", ("tests/test_database.py::TestHashUpgrade",),
            "Upgrading old password hashes"),
    Concept(4, "Ready for production: the secret key, equal work, malformed hashes",
            ("tests/test_sessions.py", "tests/test_passwords.py", "tests/test_forms.py"),
            "Ready for production"),
    Concept(5, "Issuing tokens, stored only as hashes",
            ("tests/test_api_tokens.py::TestIssuingTokens",),
            "Tokens: random, shown once, stored as a hash"),
    Concept(5, "The request loader and the API's JSON 401s",
            ("tests/test_api_tokens.py::TestCallingTheApi",
             "tests/test_api_tokens.py::TestTokensEndpoints",
             "tests/test_api_tokens.py::test_a_token_response_sets_no_cookie",
             "tests/test_fuzzing.py"),
            "The request loader"),
    Concept(5, "An API that always answers in JSON, with one query per call",
            ("tests/test_api_tokens.py::TestAlwaysJson",
             "tests/test_api_tokens.py::TestOneQueryPerTokenCall"), "Errors in JSON, always"),
    Concept(5, "Revoked tokens and switched-off users stop at once",
            ("tests/test_api_tokens.py::TestStoppingTokens",), "The request loader"),
)


def concept_of(test, since):
    """The concept a test checks: of the step that introduces it, matching its id."""
    for concept in CONCEPTS:
        if concept.step == since and test.startswith(concept.tests):
            return concept
    return None


def start(number, force=False, workshop=WORKSHOP):
    """Copy step N-1 into workshop/, named as step N; return the new folder."""
    if number < 2:
        raise SystemExit("Step 1 has no step before it: start a workshop at step 2 to 5.")
    name, previous = STEP_NAMES[number - 1], STEP_NAMES[number - 2]
    folder = workshop / name
    if folder.exists():
        if not force:
            raise SystemExit(
                f"{folder} already exists and may hold your work.\n"
                f"To throw it away and start again: make workshop STEP={number} FORCE=1"
            )
        shutil.rmtree(folder)
    shutil.copytree(
        ROOT / previous, folder,
        ignore=shutil.ignore_patterns("README.md", "screenshots", "__pycache__"),
    )
    for path in folder.rglob("*"):
        if path.suffix in (".py", ".html"):
            path.write_text(path.read_text().replace(previous, name))
    (folder / "TASK.md").write_text(task(number))
    # The workshop folder has its own instance folder, and so its own key.
    config = workshop / "instance" / "config.py"
    if not config.exists():
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f"SECRET_KEY = {secrets.token_hex(32)!r}\n")
        config.chmod(0o600)
    return folder


def task(number):
    name = STEP_NAMES[number - 1]
    goals = "\n".join(f"- {concept.title}" for concept in CONCEPTS if concept.step == number)
    return f"""# Workshop: step {number}

This folder holds the app of step {number - 1}, named `{name}`. Make it step {number}:

{goals}

1. `make check STEP={number}` says what already works and what to do first (it fails
   until you are done). `make check STEP={number} WATCH=1` checks again on every save.
2. `make run STEP=workshop/{name}` serves your app.
3. Stuck? The check's hint names a section of the chapter, `{name}/README.md` in the
   repository. Try first, then read.
"""


def grade(number, folder):
    """Run the suite against folder as step N; return each test's result."""
    return run_suite(f"--step-dir={folder}")


def run_suite(*arguments):
    """Run the graded tests with the arguments given; return each test's result."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        env = {**os.environ, "WORKSHOP_REPORT": str(report)}
        env.pop("TEST_DATABASE_URL", None)  # SQLite is enough to grade
        command = [
            sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider",
            "-p", "tools.workshop_report", *(f"--ignore={path}" for path in NOT_GRADED),
            *arguments,
        ]
        run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if not report.exists():
            raise SystemExit(f"The tests could not run:\n{run.stdout}{run.stderr}")
        return json.loads(report.read_text())


def hint(number, section):
    """The first paragraph of prose in a section of step N's chapter."""
    chapter = ROOT / STEP_NAMES[number - 1] / "README.md"
    _, found, text = chapter.read_text(encoding="utf-8").partition(f"\n## {section}\n")
    if not found:
        raise LookupError(f"{chapter.relative_to(ROOT)} has no section {section!r}")
    text = text.split("\n## ", 1)[0]
    # Only the words: no code blocks, comments, pictures or tables.
    text = re.sub(r"^```.*?^```$", "", text, flags=re.M | re.S)
    text = re.sub(r"^(<!--|!\[|\|).*$", "", text, flags=re.M)
    paragraphs = [" ".join(part.split()) for part in text.split("\n\n") if part.strip()]
    # A paragraph that ends in a colon introduces the next one (often a list).
    shown = paragraphs[:2] if paragraphs[0].endswith(":") else paragraphs[:1]
    body = "\n".join(textwrap.fill(part, 88) for part in shown)
    return f'{chapter.relative_to(ROOT)}, "{section}":\n' + textwrap.indent(body, "    ")


def by_concept(number, results):
    """The concepts of steps 1 to N, each with its number of tests and its failures."""
    concepts = [concept for concept in CONCEPTS if concept.step <= number]
    failures = {concept: [] for concept in concepts}
    counts = dict.fromkeys(concepts, 0)
    for result in results:
        concept = concept_of(result["test"], result["since"])
        if concept is None:
            raise SystemExit(f"{result['test']} belongs to no concept in tools/workshop.py")
        counts[concept] += 1
        if result["outcome"] == "failed":
            failures[concept].append(result)
    return concepts, counts, failures


def check(number, folder):
    """Print the concepts of steps 1 to N with their state; return True if all pass."""
    concepts, counts, failures = by_concept(number, grade(number, folder))

    shown = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
    print(f"Checking {shown} as step {number}, {STEP_NAMES[number - 1]}:\n")
    width = max(len(concept.title) for concept in concepts)
    for index, concept in enumerate(concepts, start=1):
        failed = len(failures[concept])
        state = f"FAIL  {failed} of {counts[concept]} tests" if failed else "ok"
        print(f"  {index:2}. {concept.title:<{width}}  step {concept.step}  {state}")

    done = [concept for concept in concepts if counts[concept] and not failures[concept]]
    print(f"\nProgress: {len(done)} of {len(concepts)} concepts for step {number}.")
    todo = next((concept for concept in concepts if concept not in done), None)
    if todo is None:
        print("Everything passes. Well done!")
        return True
    print(f"\nWork on: {concepts.index(todo) + 1}. {todo.title}")
    if failures[todo]:
        first = failures[todo][0]
        print(f"  First failing test: {first['test']}")
        for line in first["message"]:
            print(f"    {line}")
    print(f"  Hint, from {hint(todo.step, todo.section)}")
    return False


def audit():
    """Print what keeps the grader from grading everything; return True if nothing."""
    graded = {(result["test"], result["since"]) for result in run_suite("--collect-only")}
    problems = [
        f"{test} (since step {since}) belongs to no concept"
        for test, since in sorted(graded) if concept_of(test, since) is None
    ]
    for concept in CONCEPTS:
        if not any(concept_of(test, since) == concept for test, since in graded):
            problems.append(f"no test checks {concept.title!r}")
        try:
            hint(concept.step, concept.section)
        except LookupError as error:
            problems.append(str(error))
    for problem in problems:
        print(problem)
    print(f"{len(graded)} graded tests, {len(CONCEPTS)} concepts, {len(problems)} problems.")
    return not problems


def results_as_json(number, folder):
    """Each concept of steps 1 to N with its step and whether all its tests passed."""
    concepts, counts, failures = by_concept(number, grade(number, folder))
    return json.dumps([
        {"title": concept.title, "step": concept.step, "tests": counts[concept],
         "passed": counts[concept] > 0 and not failures[concept]}
        for concept in concepts
    ])


def files_changed_since(folder, moment):
    return any(path.stat().st_mtime > moment for path in folder.rglob("*") if path.is_file())


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.workshop", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    starting = commands.add_parser("start", help="copy step N-1 into workshop/ as step N")
    starting.add_argument("step")
    starting.add_argument("--force", action="store_true", help="replace the folder if it exists")
    checking = commands.add_parser("check", help="grade a folder as step N")
    checking.add_argument("step")
    checking.add_argument("--dir", type=Path, help="the folder (default: the workshop's)")
    checking.add_argument("--watch", action="store_true", help="check again on every save")
    commands.add_parser("audit", help="check that every graded test belongs to a concept")
    for command in (starting, checking):
        command.add_argument("--workshop", type=Path, default=WORKSHOP,
                             help="where the workshop folders are (default: workshop/)")
    checking.add_argument("--json", action="store_true", help="print each concept's result as JSON")
    args = parser.parse_args(argv)
    if args.command == "audit":
        return 0 if audit() else 1
    try:
        number = step_number(args.step)
    except ValueError as error:
        parser.error(str(error))

    if args.command == "start":
        folder = start(number, args.force, workshop=args.workshop.resolve())
        shown = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
        print(f"Made {shown}, a copy of step {number - 1}.\n")
        print(task(number))
        return 0

    name = STEP_NAMES[number - 1]
    folder = (args.dir or args.workshop / name).resolve()
    if not (folder / "__init__.py").is_file():
        parser.error(f"{folder} is not a step folder (start one with: make workshop STEP={number})")
    if folder.name != name:
        parser.error(f"step {number}'s folder must be named {name}, like the package it is")
    if args.json:
        print(results_as_json(number, folder))
        return 0
    passed = check(number, folder)
    while args.watch:
        checked = time.time()
        print("\nWatching for changes (Ctrl-C to stop)...")
        while not files_changed_since(folder, checked):
            time.sleep(1)
        print("\033[2J\033[H", end="")  # clear the terminal
        passed = check(number, folder)
    return 0 if passed else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
