"""A pytest plugin for the workshop grader: each test's outcome, as JSON.

tools/workshop.py loads it with `-p tools.workshop_report` and names the
file to write in WORKSHOP_REPORT.
"""

import json
import os

import pytest

results = {}


def pytest_collection_finish(session):
    for item in session.items:
        since = item.get_closest_marker("since")
        results[item.nodeid] = {
            # The test function's id, without the step it runs on.
            "test": item.nodeid.split("[")[0],
            "since": since.args[0] if since else 1,
            "outcome": "passed",
        }


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    result = results[item.nodeid]
    if report.failed:
        result["outcome"] = "failed"
        # pytest's "E" lines: the assertion, and what was compared.
        lines = report.longreprtext.splitlines()
        explained = [line[1:].strip() for line in lines if line.startswith("E ")]
        result.setdefault("message", (explained or lines[-1:])[:4])
    elif report.skipped and result["outcome"] == "passed":
        result["outcome"] = "skipped"
    return report


def pytest_sessionfinish(session):
    path = os.environ.get("WORKSHOP_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as report:
            json.dump(list(results.values()), report)
