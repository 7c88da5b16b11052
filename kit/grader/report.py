"""A pytest plugin for the workshop grader: each test's outcome, as JSON.

kit/grader/runner.py loads it with `-p kit.grader.report` and names the
file to write in WORKSHOP_REPORT. For each test: its id without the step it
ran on, the step that introduces it (`since`: its folder's), the concept it
checks (`concept`), the requirements of the task it checks, the chapter
section that teaches it (`section`, and the words of the paragraph to show,
if the test names them), its outcome and, if it failed, what pytest said.
And the warnings the run gave, each once: the grader shows them, it does
not fail them.

The graded step's own tests run first, concept by concept in its chapter's
order, and each result is also written as a line of JSON as soon as it is
known (to WORKSHOP_REPORT + ".lines", after a line that lists the tests to
come): the grader prints the verdict that matters while the rest runs.

What the grader needs of a test is attached to the test's report when it
is made, and read back as the report is logged. The grader shares a grade
between processes with `--workshop-share FOLDER`: each collects every test,
in the same order, and takes the next one not yet taken, until none is
left (claimed()); each writes its own report.
"""

import json
import os
import re

import pytest
from werkzeug.exceptions import BadRequestKeyError

from kit.grader.concepts import chapter_places, concept_of
from kit.pytest_steps import first_step

results = {}
warned = {}
positions = {}  # each test's place in the whole run, whichever process runs it

# An exception group's frame: "+-+---- 1 ----" lines, and "| " before the rest.
FRAME_LINE = re.compile(r"[\s|+\-\d.]*")


def test_id(item):
    """The test's id without the step it ran on: `...::test_x[unknown user]`."""
    step = item.callspec.params.get("step") if hasattr(item, "callspec") else None
    nodeid = item.nodeid
    if step is not None:
        nodeid = nodeid.replace(f"[{step}]", "").replace(f"[{step}-", "[")
    return nodeid


def requirement_order(requirement):
    return tuple(int(part) for part in requirement.split("."))


def describe(item):
    concept = item.get_closest_marker("concept")
    section = item.get_closest_marker("section")
    # The test's own marker, or its class's, or its module's: the closest one names them all.
    closest = item.get_closest_marker("requirement")
    requirements = list(closest.args) if closest else []
    return {
        "requirements": sorted(set(requirements), key=requirement_order),
        "test": test_id(item),
        "since": first_step(item),
        "concept": concept.args[0] if concept else None,
        "section": section.args[0] if section else None,
        "paragraph": section.args[1] if section and len(section.args) > 1 else None,
        "position": positions.get(item.nodeid),
    }


def missing_header(excinfo):
    """The header a test read from an answer that has none, or None.

    Werkzeug raises its 400 error for it (BadRequestKeyError), whose words
    would tell the learner that the app answered 400.
    """
    if excinfo is None or not isinstance(excinfo.value, BadRequestKeyError):
        return None
    if not str(excinfo.traceback[-1].path).endswith("headers.py"):
        return None
    return excinfo.value.args[0]


def what_failed(report):
    """pytest's "E" lines (the assertion, the values compared, Hypothesis's failing case).

    Without the frame Hypothesis draws around several errors at once.
    """
    missing = dict(report.user_properties).get("missing header")
    if missing:
        return [f"   The answer has no {missing} header."]
    lines = report.longreprtext.splitlines()
    explained = []
    for line in lines:
        # pytest's advice to run it with -v: make check shows what it can, and has no -v.
        if "-v to get more diff" in line or "use '-vv' to show" in line:
            continue
        if line.startswith("E ") and not FRAME_LINE.fullmatch(line[1:]):
            content = line[1:].rstrip()
            explained.append(content.lstrip(" |") if content.lstrip().startswith("|") else content)
    return (explained or lines[-1:])[:12]


def pytest_addoption(parser):
    parser.addoption("--workshop-share", metavar="FOLDER",
                     help="take each test that no other process sharing FOLDER has taken")


def own_step_first(items):
    """The newest step's tests first, concept by concept in its chapter's order; then the
    earlier steps' tests, as collected."""
    described = [describe(item) for item in items]
    newest = max((test["since"] for test in described), default=0)
    places = chapter_places(described)
    # Two concepts taught in one section run one after the other, as collected.
    collected_first = {}
    for index, test in enumerate(described):
        collected_first.setdefault(concept_of(test), index)

    def order(index):
        test = described[index]
        concept = concept_of(test)
        return (0, places[concept], collected_first[concept], index) if test["since"] == newest \
            else (1, 0, 0, index)

    items[:] = [items[index] for index in sorted(range(len(items)), key=order)]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """The graded step's tests first."""
    own_step_first(items)
    positions.update((item.nodeid, index) for index, item in enumerate(items))


def claimed(folder, count):
    """The places, in the order of the tests, of those this process takes.

    A test is taken by the process that creates its file in the shared
    folder first (O_EXCL: creating fails for the others). The slow tests
    fall to whichever process is free, so the processes end together,
    whatever the tests cost; sharing them out in advance left one process
    a second longer than the other on step 8.
    """
    for place in range(count):
        try:
            os.close(os.open(os.path.join(folder, str(place)), os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            continue
        yield place


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    """With --workshop-share, run the tests this process takes, in their order.

    pytest tears down what a test set up (a session's fixtures included)
    as far as the next test does not need it: each test runs once the
    next one this process takes is known, as pytest-xdist does.
    """
    folder = session.config.getoption("workshop_share")
    if folder is None or session.testsfailed or session.config.option.collectonly:
        return None  # pytest's own loop: it reports collection errors, and runs nothing on --collect-only
    taken = None
    for place in claimed(folder, len(session.items)):
        if taken is not None:
            run_test(session, taken, session.items[place])
        taken = session.items[place]
    if taken is not None:
        run_test(session, taken, None)
    return True


def run_test(session, item, nextitem):
    item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
    if session.shouldfail:
        raise session.Failed(session.shouldfail)
    if session.shouldstop:
        raise session.Interrupted(session.shouldstop)


def stream(line):
    """One line of JSON for the grader to read while the tests run."""
    path = os.environ.get("WORKSHOP_REPORT")
    if path:
        with open(f"{path}.lines", "a", encoding="utf-8") as lines:
            lines.write(json.dumps(line) + "\n")


def pytest_collection_finish(session):
    """With --collect-only, nothing runs: every collected test, as not run (with
    --workshop-share, those this process takes, as it would run them)."""
    described = [describe(item) for item in session.items]
    stream({"collected": described})
    if session.config.option.collectonly:
        folder = session.config.getoption("workshop_share")
        for place in range(len(described)) if folder is None else claimed(folder, len(described)):
            results[session.items[place].nodeid] = {**described[place], "outcome": "collected"}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.user_properties.append(("graded", describe(item)))
    missing = missing_header(call.excinfo)
    if missing:
        report.user_properties.append(("missing header", missing))
    return report


def pytest_runtest_logreport(report):
    graded = dict(report.user_properties).get("graded")
    if graded is None:
        return
    result = results.setdefault(report.nodeid, {**graded, "outcome": "passed"})
    if report.failed and result["outcome"] != "failed":
        result["outcome"] = "failed"
        result["message"] = what_failed(report)
    elif report.skipped and result["outcome"] == "passed":
        result["outcome"] = "skipped"
    if report.when == "teardown":
        stream({"result": result})


def pytest_warning_recorded(warning_message, when, nodeid, location):
    """A warning, once per place that gave it."""
    place = f"{warning_message.filename}:{warning_message.lineno}"
    warned.setdefault(place, {
        "place": place,
        "category": warning_message.category.__name__,
        "message": str(warning_message.message),
    })


def pytest_sessionfinish(session):
    path = os.environ.get("WORKSHOP_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as report:
            json.dump({"results": list(results.values()), "warnings": list(warned.values())}, report)
