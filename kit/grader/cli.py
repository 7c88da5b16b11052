"""Workshop mode: a learner rebuilds a step, and the shared test suite grades it.

    python -m kit.grader start N [--force]     # make workshop STEP=N [FORCE=1]
    python -m kit.grader check N [--dir PATH] [--watch] [--verbose]
                                               # make check STEP=N [DIR=...] [WATCH=1] [VERBOSE=1]
    python -m kit.grader audit                 # every graded test has a concept and a section
    python -m kit.grader time                  # how long `make check` takes, per step

`start` copies step N-1 into workshop/, named as step N, with a TASK.md
(task.py), and grades it once to remember what worked in it. `check` runs
the tests of step N and of the steps before it against that folder
(runner.py), groups them into the concepts the chapters teach
(concepts.py), and shows the first failing test with its assertion and a
hint from the chapter section that teaches it (hints.py). It exits 0 only
when everything passes.

`--workshop DIR` puts the workshop somewhere else than workshop/, and
`check --json` prints each concept's result as JSON, for the maintainer's
tests (kit/tests/test_workshop.py).
"""

import argparse
import json
import shutil
import textwrap
import time
from pathlib import Path

from kit.grader.concepts import by_concept, concept_of, worked_at_start
from kit.grader.hints import hint, has_titled_paragraphs
from kit.grader.runner import grade, run_suite
from kit.grader.task import requirements, start
from kit.grader.timing import time_checks
from kit.steps import ROOT, STEPS, shown_path, step_number

WORKSHOP = ROOT / "workshop"


def describe(result, worked, indent="    "):
    lines = [f"{indent[:-2]}{result['test']}"]
    message = textwrap.dedent("\n".join(result.get("message", []))).splitlines()
    lines += [f"{indent}{line}" for line in message]
    if worked(result):
        lines.append(f"{indent}This worked in the folder you started from.")
    return "\n".join(lines)


class ConceptLines:
    """The concepts' lines, each printed once: step N's as soon as all their tests are
    graded, while the earlier steps' still run; the rest when the grade is done."""

    def __init__(self, number):
        self.number = number
        self.printed = []
        self.own_done = False

    def show_graded(self, tests, results):
        if self.own_done:
            return  # the rest is printed at the end: no need to sort the results again
        graded = [results.get(test["test"], {**test, "outcome": "pending"}) for test in tests]
        concepts, counts, failures = by_concept(self.number, graded)
        pending = {concept_of(test) for test in graded if test["outcome"] == "pending"}
        for concept in concepts:
            if concept.step != self.number:
                self.own_done = True
                return
            if concept in pending:
                return
            self.show_line(concepts, concept, counts, failures)

    def show_all(self, concepts, counts, failures):
        for concept in concepts:
            self.show_line(concepts, concept, counts, failures)

    def show_line(self, concepts, concept, counts, failures):
        if concept in self.printed:
            return
        if concept.step != self.number and not any(each.step != self.number for each in self.printed):
            print("  Still checked, from the steps before:")
        self.printed.append(concept)
        width = max(len(each.title) for each in concepts)
        failed = len(failures[concept])
        state = f"FAIL  {failed} of {counts[concept]} tests fail" if failed else "ok"
        index = concepts.index(concept) + 1
        print(f"  {index:2}. {concept.title:<{width}}  step {concept.step}  {state}", flush=True)


def check(number, folder, verbose=False):
    """Print the concepts of steps 1 to N with their state; return True if all pass.

    Step N's concepts come first, printed as soon as they are graded.
    """
    print(f"Checking {shown_path(folder)} as step {number}, {STEPS[number - 1].name}:\n", flush=True)
    lines = ConceptLines(number)
    graded = grade(folder, on_progress=lines.show_graded)
    concepts, counts, failures = by_concept(number, graded["results"])
    lines.show_all(concepts, counts, failures)
    worked = worked_at_start(folder, number)

    show_warnings(graded["warnings"])
    done = [concept for concept in concepts if not failures[concept]]
    print(f"\nProgress: {len(done)} of {len(concepts)} concepts for step {number}.")
    todo = next((concept for concept in concepts if concept not in done), None)
    if todo is None:
        print("Everything passes. Well done! Now read the chapter's What changed.")
        return True
    print(f"\nWork on: {concepts.index(todo) + 1}. {todo.title}")
    first = failures[todo][0]
    print("  First failing test:")
    print(describe(first, worked, indent="      "))
    stated = requirements()
    for requirement in first["requirements"]:
        print(textwrap.fill(f"It checks {requirement} of your TASK.md: {stated[requirement]}",
                            88, initial_indent="  ", subsequent_indent="    "))
    print(f"  Hint, from {hint(first['since'], first['section'], first.get('paragraph'))}")
    total = sum(len(failing) for failing in failures.values())
    if verbose:
        print(f"\nEvery failing test ({total}):")
        for concept in concepts:
            for result in failures[concept]:
                print(describe(result, worked, indent="      "))
                print(f"      (read: step {result['since']}, \"{result['section']}\")")
    elif total > 1:
        more = "1 more failing test" if total == 2 else f"{total - 1} more failing tests"
        print(f"\n{more}: make check STEP={number} VERBOSE=1 lists them all.")
    return False


def show_warnings(warnings, most=3):
    """The warnings the folder gave: shown, not failed."""
    if not warnings:
        return
    print(f"\nWarnings ({len(warnings)}; they fail nothing, but say what to look at):")
    for warning in warnings[:most]:
        print(f"  {shown_path(warning['place'])}: {warning['category']}: {warning['message']}"[:300])
    if len(warnings) > most:
        print(f"  ... and {len(warnings) - most} more.")


def audit():
    """Print what keeps the grader from grading everything; return True if nothing.

    Every graded test names a concept, a section of its chapter, and the
    requirements of its step's task it checks; every requirement has a test.
    """
    graded = run_suite(*(f"--step-dir={step.path}" for step in STEPS[-1:]), "--collect-only")["results"]
    stated = requirements()
    problems = [f"requirement {requirement} is checked by no graded test" for requirement in stated
                if not any(requirement in result["requirements"] for result in graded)]
    for result in graded:
        test, since = result["test"], result["since"]
        for requirement in result["requirements"]:
            if requirement not in stated:
                problems.append(f"{test} names requirement {requirement}, which the guide does not state")
            elif not requirement.startswith(f"{since}."):
                problems.append(f"{test} (step {since}) names requirement {requirement} of another step")
        if result["concept"] is None:
            problems.append(f"{test} (step {since}) names no concept (@pytest.mark.concept)")
        if result["section"] is None:
            problems.append(f"{test} names no section (@pytest.mark.section)")
            continue
        try:
            shown = hint(since, result["section"], result.get("paragraph"))
        except LookupError as error:
            problems.append(f"{test}: {error}")
        else:
            if shown.endswith(":"):
                problems.append(f"{test}: its hint ends on a colon, with nothing after it")
            if result.get("paragraph") is None and has_titled_paragraphs(since, result["section"]):
                problems.append(f"{test} names no paragraph of {result['section']!r}, "
                                "whose paragraphs have titles: a topic each")
    concepts = {(result["since"], result["concept"]) for result in graded}
    for step in STEPS[1:]:
        if not any(since == step.number for since, _ in concepts):
            problems.append(f"no graded test checks step {step.number}, {step.name}")
    for problem in sorted(set(problems)):
        print(problem)
    print(f"{len(graded)} graded tests, {len(concepts)} concepts, {len(set(problems))} problems.")
    return not problems


def results_as_json(number, folder):
    """Each concept of steps 1 to N with its result, and the first failing test with its section."""
    graded = grade(folder)
    concepts, counts, failures = by_concept(number, graded["results"])
    first = next((failures[concept][0] for concept in concepts if failures[concept]), None)
    if first is not None:
        first = {**first, "worked_at_start": worked_at_start(folder, number)(first)}
    return json.dumps({
        "concepts": [
            {"title": concept.title, "step": concept.step, "tests": counts[concept],
             "passed": not failures[concept]}
            for concept in concepts
        ],
        "first_failure": first,
        "warnings": graded["warnings"],
    })


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

    name = STEPS[number - 1].name
    if args.command == "start":
        if number < 2:
            raise SystemExit(f"Step 1 has no step before it: start a workshop at step 2 to {len(STEPS)}.")
        workshop = args.workshop.resolve()
        if (workshop / name).exists():
            if not args.force:
                raise SystemExit(
                    f"{workshop / name} already exists and may hold your work.\n"
                    f"To throw it away and start again: make workshop STEP={number} FORCE=1"
                )
            shutil.rmtree(workshop / name)
        folder = start(number, workshop)
        print(f"Made {shown_path(folder)}, a copy of step {number - 1}. Its TASK.md says what to do.")
        return 0

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
