"""Workshop mode: a learner rebuilds a step, and the shared test suite grades it.

    python -m kit.grader start N [--force]          # make workshop STEP=N [FORCE=1]
    python -m kit.grader check N [--dir PATH] [--watch] [--verbose]
                                                        # make check STEP=N [DIR=...] [WATCH=1] [VERBOSE=1]
    python -m kit.grader audit                      # every graded test has a concept and a section
    python -m kit.grader time                       # how long `make check` takes, per step

`start` copies step N-1 into workshop/, named as step N, with a TASK.md, and
grades it once to remember what worked in it. `check` runs the tests of step
N and of the steps before it against that folder, groups them into the
concepts the chapters teach, and shows the first failing test with its
assertion and a hint from the chapter section that teaches it (every test
names its section with `@pytest.mark.section`). It exits 0 only when
everything passes.

`--workshop DIR` puts the workshop somewhere else than workshop/, and
`check --json` prints each concept's result as JSON, for the maintainer's
tests (kit/tests/test_workshop.py).
"""

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kit.steps import ROOT, STEP_NAMES, step_number

WORKSHOP = ROOT / "workshop"
# A grade in seconds: no browser plugin, and the property-based tests'
# first failing example shown as found, unshrunk (tests/conftest.py).
FAST = ["-p", "no:playwright", "--hypothesis-profile=grading", "--tb=short"]
# From step 4 on (200 tests and more), two processes that share the tests
# take a third less time than one on a 2-core machine, and no more than
# one when the other core is busy. Below, the second start costs about what
# it saves.
TWO_PROCESSES_FROM = 4
# The longest `make check` may take on a 2-core machine, by step (`time` prints it).
CHECK_SECONDS = {2: 3, 3: 3, 4: 5, 5: 5, 6: 5, 7: 5}


@dataclass(frozen=True)
class Concept:
    step: int
    title: str
    tests: tuple  # test ids start with one of these


CONCEPTS = (
    Concept(1, "Logging in and out", ("tests/test_login.py", "tests/test_fuzzing.py")),
    Concept(1, "Passwords: hashed, and checked as typed", ("tests/test_passwords.py",)),
    Concept(1, "The session cookie: what login puts in it", ("tests/test_sessions.py",)),
    Concept(1, "CSRF tokens on every form, and bad input", ("tests/test_forms.py",)),
    Concept(2, "The user loader: lazy, once per request, never raising",
            ("tests/test_user_loader.py", "tests/test_fuzzing.py")),
    Concept(3, "Protected pages and the next round trip", ("tests/test_login_required.py",)),
    Concept(3, "Validating next", ("tests/test_next.py",)),
    Concept(3, "Remember me, fresh logins, and the cookies that carry a login",
            ("tests/test_remember.py", "tests/test_user_loader.py", "tests/test_sessions.py",
             "tests/test_passwords.py")),
    Concept(4, "Users in a database, and a loader that answers None for a missing row",
            ("tests/test_database.py::TestConfiguration", "tests/test_database.py::TestInitDb",
             "tests/test_database.py::TestQueries", "tests/test_database.py::TestTheLoader")),
    Concept(4, "Commands to manage users",
            ("tests/test_database.py::TestAddUser", "tests/test_database.py::TestDeactivateUser",
             "tests/test_database.py::TestSetPassword", "tests/test_database.py::TestActivateUser",
             "tests/test_passwords.py::test_add_user")),
    Concept(4, "Passwords in a table: equal work, malformed hashes",
            ("tests/test_passwords.py::test_every_login_attempt_checks_exactly_one_hash",
             "tests/test_passwords.py::test_a_malformed_stored_hash_is_a_failed_login")),
    Concept(5, "Issuing tokens, stored only as hashes",
            ("tests/test_api_tokens.py::TestIssuingTokens",)),
    Concept(5, "The request loader and the API's JSON 401s",
            ("tests/test_api_tokens.py::TestCallingTheApi",
             "tests/test_api_tokens.py::TestTokensEndpoints",
             "tests/test_api_tokens.py::test_no_api_answer_is_cacheable",
             "tests/test_fuzzing.py")),
    Concept(5, "An API that always answers in JSON", ("tests/test_api_tokens.py::TestAlwaysJson",)),
    Concept(5, "Revoked tokens and switched-off users stop at once",
            ("tests/test_api_tokens.py::TestStoppingTokens",)),
    Concept(6, "Logins a user can end: logout, everywhere, new passwords, lifetimes",
            ("tests/test_logins.py",
             "tests/test_database.py::TestQueries::"
             "test_the_profile_adds_one_query_for_the_list_of_logins")),
    Concept(7, "Password guessing that stops", ("tests/test_throttle.py",)),
    Concept(7, "Upgrading old password hashes", ("tests/test_database.py::TestHashUpgrade",)),
    Concept(7, "Ready for production: secret key, headers, body limits, PostgreSQL",
            ("tests/test_sessions.py", "tests/test_forms.py",
             "tests/test_api_tokens.py::TestAlwaysJson::test_an_oversized_body_gets_413_in_json",
             "tests/test_database.py::TestConfiguration")),
    Concept(7, "API tokens in production",
            ("tests/test_api_tokens.py::TestAlwaysJson::"
             "test_a_flood_of_bad_tokens_gets_429_in_json_with_retry_after",
             "tests/test_api_tokens.py::TestAlwaysJson::test_good_tokens_are_not_counted",
             "tests/test_api_tokens.py::TestOneQueryPerTokenCall",
             "tests/test_api_tokens.py::"
             "test_a_token_response_sets_no_cookie_even_when_the_session_was_written")),
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
        raise SystemExit(
            f"Step 1 has no step before it: start a workshop at step 2 to {len(STEP_NAMES)}."
        )
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
    # What works in the starting folder, so that check can tell when it stops working.
    passed = [result["test"] for result in grade(number, folder)["results"] if result["outcome"] == "passed"]
    started_file(folder).write_text(json.dumps(passed))
    return folder


def started_file(folder):
    return folder.parent / f".{folder.name}.started.json"


def sections_to_read(number):
    """The sections of step N's chapter that its tests name, in the chapter's order."""
    chapter = (ROOT / STEP_NAMES[number - 1] / "README.md").read_text(encoding="utf-8")
    collected = run_suite("--collect-only", graded=STEP_NAMES[number - 1])["results"]
    named = {result["section"] for result in collected if result["since"] == number}
    headings = re.findall(r"^#+ (.+)$", chapter, re.M)
    return [heading for heading in headings if heading in named]


def task(number):
    name = STEP_NAMES[number - 1]
    goals = "\n".join(f"- {concept.title}" for concept in CONCEPTS if concept.step == number)
    reading = "\n".join(f"   - {section}" for section in sections_to_read(number))
    return f"""# Workshop: step {number}

This folder holds the app of step {number - 1}, named `{name}`. Make it step {number}:

{goals}

1. `make check STEP={number}` says what already works and what to do first (it fails
   until you are done). `make check STEP={number} WATCH=1` checks again on every save;
   `VERBOSE=1` lists every failing test.
2. `make run STEP=workshop/{name}` serves your app.
3. Read these sections of the chapter, `{name}/README.md` in the repository, as you go
   (each hint names one):
{reading}
   Its last section, "What changed", is the whole solution as a diff: read it afterwards.

{interface(number)}"""


def interface(number):
    """What the grader needs from a folder, up to step N: from the facilitator's guide."""
    guide = (ROOT / "docs" / "workshop.md").read_text(encoding="utf-8")
    text = guide.split("\n## What the grader needs from a folder\n", 1)[1].split("\n## ", 1)[0]
    intro, *parts = re.split(r"^(?=### )", text, flags=re.M)
    kept = [part for part in parts if int(re.match(r"### Step (\d)", part).group(1)) <= number]
    return "## What the grader needs from your folder\n" + intro + "".join(kept)


def grade(number, folder):
    """Run the suite against folder as step N: each test's result, and the warnings.

    From step 4 on, two processes share the tests, if there are two cores.
    """
    processes = min(2, os.cpu_count() or 1) if number >= TWO_PROCESSES_FROM else 1
    return run_suite(f"--step-dir={folder}", *FAST, *WARNINGS_SHOWN, processes=processes)


def warnings_shown():
    """pytest options that show warnings instead of failing on them.

    The suite fails on any warning (pyproject.toml), to keep the reference
    steps clean. A learner's folder may warn (Flask-Limiter warns about its
    default storage, say): that is worth a line, not every test. What the
    suite ignores stays ignored: -W options come after the ini's, and win.
    """
    with open(ROOT / "pyproject.toml", "rb") as project:
        listed = tomllib.load(project)["tool"]["pytest"]["ini_options"]["filterwarnings"]
    ignored = [line for line in listed if line.startswith("ignore:")]
    return [option for line in ["default", *ignored] for option in ("-W", line)]


WARNINGS_SHOWN = warnings_shown()


def run_suite(*arguments, graded=None, processes=1):
    """Run the graded tests with the arguments given: {"results": each test's, "warnings": [...]}.

    In one process, or shared between several that run at once (every
    other test each, for two), whose reports are put together.
    """
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ)
        env.pop("TEST_DATABASE_URL", None)  # SQLite is enough to grade
        # The behaviour tests alone: what starts servers or checks the project
        # runs in the full suite only (kit/pytest_steps.py), and is never graded.
        env.pop("FULL", None)
        env.pop("XRAY", None)  # the folder as it is; the X-ray is for watching it work
        # Let Python keep what it compiles (in .venv, not beside the learner's
        # files): compiling the tests and rewriting their asserts at every
        # check would cost a second.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(ROOT / ".venv" / "pycache")
        command = [
            sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
            "-p", "kit.grader.report",
            *arguments, *(["-k", graded] if graded else []),
        ]
        runs = []
        for part in range(1, processes + 1):
            report, output = Path(scratch) / f"report{part}.json", Path(scratch) / f"output{part}.txt"
            with open(output, "w", encoding="utf-8") as written:
                runs.append((report, output, subprocess.Popen(
                    [*command, f"--workshop-part={part}/{processes}"], cwd=ROOT,
                    env={**env, "WORKSHOP_REPORT": str(report)}, stdout=written, stderr=subprocess.STDOUT,
                )))
        together = {"results": [], "warnings": []}
        for report, output, run in runs:
            run.wait()
            if not report.exists():
                raise SystemExit(f"The tests could not run:\n{output.read_text(encoding='utf-8')}")
            part = json.loads(report.read_text(encoding="utf-8"))
            together["results"] += part["results"]
            together["warnings"] += [each for each in part["warnings"] if each not in together["warnings"]]
        together["results"].sort(key=lambda result: result["position"])
        return together


def hint(number, section, paragraph=None):
    """The paragraph of step N's chapter that teaches a test's point, from its section.

    The section's first paragraph, or the first block that contains the words
    `paragraph` when the test names them. A paragraph that ends in a colon
    introduces what follows it (a list, a code block), which is shown too;
    code is shown with the paragraph after it.
    """
    chapter = ROOT / STEP_NAMES[number - 1] / "README.md"
    text = chapter.read_text(encoding="utf-8")
    found = re.search(rf"^(#+) {re.escape(section)}\n", text, re.M)
    if not found:
        raise LookupError(f"{chapter.relative_to(ROOT)} has no section {section!r}")
    blocks = section_blocks(text[found.end():], len(found.group(1)))
    # The first paragraph of prose; or the first block with the words asked
    # for, prose before code.
    wanted = [block for block in blocks if paragraph is None or paragraph in block.text]
    wanted.sort(key=lambda block: block.kind in ("code", "table"))
    if paragraph is None:
        wanted = [block for block in wanted if block.kind in ("prose", "list")]
    start = next((blocks.index(block) for block in wanted), None)
    if start is None:
        raise LookupError(f"{chapter.relative_to(ROOT)}, {section!r}, has no paragraph"
                          + (f" with {paragraph!r}" if paragraph else " of prose"))
    shown, following = [blocks[start]], blocks[start + 1:]
    if shown[0].kind in ("code", "table"):
        # Code alone says how, not why: with the paragraph after it, unless
        # that one introduces more code.
        if following and following[0].kind != "code" and not following[0].text.endswith(":"):
            shown.append(following[0])
    else:
        # A colon promises what comes next.
        while following and shown[-1].text.endswith(":"):
            shown.append(following.pop(0))
    body = "\n".join(block.shown() for block in shown)
    return f'{chapter.relative_to(ROOT)}, "{section}":\n' + textwrap.indent(body, "    ")


@dataclass(frozen=True)
class Block:
    kind: str  # "prose", "list", "code" or "table"
    text: str

    def shown(self, width=88, code_lines=16):
        if self.kind in ("code", "table"):
            lines = self.text.splitlines()
            lines = lines[:code_lines] + (["..."] if len(lines) > code_lines else [])
            return textwrap.indent("\n".join(lines), "    ")
        if self.kind == "list":
            return "\n".join(textwrap.fill(item, width, initial_indent="- ", subsequent_indent="  ")
                             for item in self.text.split("\n"))
        return textwrap.fill(self.text, width)


def section_blocks(text, level):
    """A section's paragraphs, lists and code blocks, up to the next heading of its level or above.

    Without what a terminal cannot show: HTML comments, pictures, diagrams.
    """
    blocks, lines = [], []

    def end_block():
        if lines:
            if lines[0].startswith(("- ", "* ")):
                items = re.split(r"\n(?=[-*] )", "\n".join(lines))
                blocks.append(Block("list", "\n".join(" ".join(item[2:].split()) for item in items)))
            else:
                blocks.append(Block("prose", " ".join(" ".join(lines).split())))
            lines.clear()

    rows = iter(text.splitlines())
    for line in rows:
        if re.match(rf"#{{1,{level}}} ", line):
            break
        if line.startswith("```"):
            end_block()
            code = []
            for inside in rows:
                if inside.startswith("```"):
                    break
                code.append(inside)
            if line.strip() != "```mermaid":
                blocks.append(Block("code", "\n".join(code)))
        elif line.startswith("|"):
            end_block()
            if blocks and blocks[-1].kind == "table":
                blocks[-1] = Block("table", f"{blocks[-1].text}\n{line}")
            else:
                blocks.append(Block("table", line))
        elif not line.strip() or line.startswith(("<!--", "![")):
            end_block()
        else:
            lines.append(line)
    end_block()
    return blocks


def by_concept(number, results):
    """The concepts of steps 1 to N, each with its number of tests and its failures."""
    concepts = [concept for concept in CONCEPTS if concept.step <= number]
    failures = {concept: [] for concept in concepts}
    counts = dict.fromkeys(concepts, 0)
    for result in results:
        concept = concept_of(result["test"], result["since"])
        if concept is None:
            raise SystemExit(f"{result['test']} belongs to no concept in kit/grader/cli.py")
        counts[concept] += 1
        if result["outcome"] == "failed":
            failures[concept].append(result)
    # The first failure to show is the first by the concept's own order of
    # test files (the specific tests before the fuzzing that overlaps them).
    for concept, failing in failures.items():
        failing.sort(key=lambda result: next(
            index for index, prefix in enumerate(concept.tests) if result["test"].startswith(prefix)
        ))
    return concepts, counts, failures


def worked_at_start(folder, number):
    """Whether a test passed in the folder the learner started from.

    Only a test of an earlier step can have worked there: one of this step
    that passed at the start passed because what it looks for was not there
    yet (no `next` to follow, no throttle to count). Of those, what `start`
    recorded; for another folder, all of them, which every starting folder
    passes (kit/tests/test_workshop.py).
    """
    recorded = started_file(folder)
    passed = set(json.loads(recorded.read_text())) if recorded.exists() else None
    return lambda result: result["since"] < number and (passed is None or result["test"] in passed)


def describe(result, worked, indent="    "):
    lines = [f"{indent[:-2]}{result['test']}"]
    message = textwrap.dedent("\n".join(result.get("message", []))).splitlines()
    lines += [f"{indent}{line}" for line in message]
    if worked(result):
        lines.append(f"{indent}This worked in the folder you started from.")
    return "\n".join(lines)


def check(number, folder, verbose=False):
    """Print the concepts of steps 1 to N with their state; return True if all pass."""
    graded = grade(number, folder)
    concepts, counts, failures = by_concept(number, graded["results"])
    worked = worked_at_start(folder, number)

    shown = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
    print(f"Checking {shown} as step {number}, {STEP_NAMES[number - 1]}:\n")
    width = max(len(concept.title) for concept in concepts)
    for index, concept in enumerate(concepts, start=1):
        failed = len(failures[concept])
        state = f"FAIL  {failed} of {counts[concept]} tests" if failed else "ok"
        print(f"  {index:2}. {concept.title:<{width}}  step {concept.step}  {state}")

    show_warnings(graded["warnings"])
    done = [concept for concept in concepts if counts[concept] and not failures[concept]]
    print(f"\nProgress: {len(done)} of {len(concepts)} concepts for step {number}.")
    todo = next((concept for concept in concepts if concept not in done), None)
    if todo is None:
        print("Everything passes. Well done! Now read the chapter's What changed.")
        return True
    print(f"\nWork on: {concepts.index(todo) + 1}. {todo.title}")
    if failures[todo]:
        first = failures[todo][0]
        print("  First failing test:")
        print(describe(first, worked, indent="      "))
        print(f"  Hint, from {hint(first['since'], first['section'], first.get('paragraph'))}")
    total = sum(len(failing) for failing in failures.values())
    if verbose:
        print(f"\nEvery failing test ({total}):")
        for concept in concepts:
            for result in failures[concept]:
                print(describe(result, worked, indent="      "))
                print(f"      (read: step {result['since']}, \"{result['section']}\")")
    elif total > 1:
        print(f"\n{total - 1} more failing tests: make check STEP={number} VERBOSE=1 lists them all.")
    return False


def show_warnings(warnings, most=3):
    """The warnings the folder gave: shown, not failed."""
    if not warnings:
        return
    print(f"\nWarnings ({len(warnings)}; they fail nothing, but say what to look at):")
    for warning in warnings[:most]:
        place = Path(warning["place"])
        shown = place.relative_to(ROOT) if place.is_relative_to(ROOT) else warning["place"]
        print(f"  {shown}: {warning['category']}: {warning['message']}"[:300])
    if len(warnings) > most:
        print(f"  ... and {len(warnings) - most} more.")


def audit():
    """Print what keeps the grader from grading everything; return True if nothing."""
    graded = run_suite("--collect-only")["results"]
    problems = []
    for result in graded:
        test, since = result["test"], result["since"]
        if concept_of(test, since) is None:
            problems.append(f"{test} (since step {since}) belongs to no concept")
        if result["section"] is None:
            problems.append(f"{test} names no section (@pytest.mark.section)")
        else:
            try:
                shown = hint(since, result["section"], result.get("paragraph"))
            except LookupError as error:
                problems.append(f"{test}: {error}")
            else:
                if shown.endswith(":"):
                    problems.append(f"{test}: its hint ends on a colon, with nothing after it")
    for concept in CONCEPTS:
        if not any(concept_of(result["test"], result["since"]) == concept for result in graded):
            problems.append(f"no test checks {concept.title!r}")
    for problem in sorted(set(problems)):
        print(problem)
    print(f"{len(graded)} graded tests, {len(CONCEPTS)} concepts, {len(set(problems))} problems.")
    return not problems


def results_as_json(number, folder):
    """Each concept of steps 1 to N with its result, and the first failing test with its section."""
    graded = grade(number, folder)
    concepts, counts, failures = by_concept(number, graded["results"])
    first = next((failures[concept][0] for concept in concepts if failures[concept]), None)
    if first is not None:
        first = {**first, "worked_at_start": worked_at_start(folder, number)(first)}
    return json.dumps({
        "concepts": [
            {"title": concept.title, "step": concept.step, "tests": counts[concept],
             "passed": counts[concept] > 0 and not failures[concept]}
            for concept in concepts
        ],
        "first_failure": first,
        "warnings": graded["warnings"],
    })


def check_seconds(number, runs=3):
    """Seconds `make check STEP=N` takes on the reference step, as a facilitator runs it (median)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "kit.grader", "check", str(number),
             "--dir", str(ROOT / STEP_NAMES[number - 1])],
            cwd=ROOT, capture_output=True, check=True,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@contextlib.contextmanager
def one_core_free():
    """Every core but one kept busy, by processes that only count."""
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range((os.cpu_count() or 1) - 1)]
    try:
        yield
    finally:
        for process in busy:
            process.kill()
            process.wait()


def check_timings(runs=3):
    """(what was timed, seconds, limit) for `make check` on each reference step.

    Where two processes grade (step 4 on), once more with one core free:
    the limit holds when the machine has no second core to spare too.
    """
    for number, limit in CHECK_SECONDS.items():
        yield f"make check STEP={number}", check_seconds(number, runs), limit
        if number >= TWO_PROCESSES_FROM:
            with one_core_free():
                seconds = check_seconds(number, runs)
            yield f"make check STEP={number}, with one core free", seconds, limit


def time_checks(runs=3):
    """Print how long `make check STEP=N` takes on each reference step."""
    print("| make check | seconds | limit | |")
    print("| --- | ---: | ---: | --- |")
    over = 0
    for what, seconds, limit in check_timings(runs):
        over += seconds > limit
        print(f"| {what} | {seconds:.1f} | {limit} | {'ok' if seconds <= limit else 'OVER'} |")
    return over == 0


def files_changed_since(folder, moment):
    return any(path.stat().st_mtime > moment for path in folder.rglob("*") if path.is_file())


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m kit.grader", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    starting = commands.add_parser("start", help="copy step N-1 into workshop/ as step N")
    starting.add_argument("step")
    starting.add_argument("--force", action="store_true", help="replace the folder if it exists")
    checking = commands.add_parser("check", help="grade a folder as step N")
    checking.add_argument("step")
    checking.add_argument("--dir", type=Path, help="the folder (default: the workshop's)")
    checking.add_argument("--watch", action="store_true", help="check again on every save")
    checking.add_argument("--verbose", action="store_true", help="list every failing test")
    checking.add_argument("--json", action="store_true", help="print each concept's result as JSON")
    commands.add_parser("audit", help="check that every graded test has a concept and a section")
    timing = commands.add_parser("time", help="how long make check takes on each reference step")
    timing.add_argument("--runs", type=int, default=3)
    for command in (starting, checking):
        command.add_argument("--workshop", type=Path, default=WORKSHOP,
                             help="where the workshop folders are (default: workshop/)")
    args = parser.parse_args(argv)
    if args.command == "audit":
        return 0 if audit() else 1
    if args.command == "time":
        return 0 if time_checks(args.runs) else 1
    try:
        number = step_number(args.step)
    except ValueError as error:
        parser.error(str(error))

    if args.command == "start":
        folder = start(number, args.force, workshop=args.workshop.resolve())
        shown = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
        print(f"Made {shown}, a copy of step {number - 1}. Its TASK.md says what to do.")
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
    passed = check(number, folder, args.verbose)
    while args.watch:
        checked = time.time()
        print("\nWatching for changes (Ctrl-C to stop)...")
        while not files_changed_since(folder, checked):
            time.sleep(1)
        print("\033[2J\033[H", end="")  # clear the terminal
        passed = check(number, folder, args.verbose)
    return 0 if passed else 1


