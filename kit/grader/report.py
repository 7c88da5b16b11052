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
between processes with `--workshop-part K/N`: each runs every Nth test,
from the Kth on, and writes its own report.
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
    parser.addoption("--workshop-part", metavar="K/N", default="1/1",
                     help="run every Nth test, from the Kth on (the grader's processes share the tests)")


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
    """The graded step's tests first; then keep this process's part of the tests: every Nth,
    so that each part gets some of every file, the slow tests and the quick ones."""
    own_step_first(items)
    positions.update((item.nodeid, index) for index, item in enumerate(items))
    part, parts = map(int, config.getoption("workshop_part").split("/"))
    if parts == 1:
        return
    config.hook.pytest_deselected(
        items=[item for index, item in enumerate(items) if index % parts != part - 1]
    )
    items[:] = items[part - 1::parts]


def stream(line):
    """One line of JSON for the grader to read while the tests run."""
    path = os.environ.get("WORKSHOP_REPORT")
    if path:
        with open(f"{path}.lines", "a", encoding="utf-8") as lines:
            lines.write(json.dumps(line) + "\n")


def pytest_collection_finish(session):
    """With --collect-only, nothing runs: every collected test, as not run."""
    described = [describe(item) for item in session.items]
    stream({"collected": described})
    if session.config.option.collectonly:
        for item, test in zip(session.items, described):
            results[item.nodeid] = {**test, "outcome": "collected"}


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
