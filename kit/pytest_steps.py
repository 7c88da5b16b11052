"""A pytest plugin: which steps a test runs on, and which tests a run runs.

A test of a step's behaviour lives in the folder of the step that
introduces its concept, ``tests/step03_login_required/``: it runs against
that step and every later one, and its id names the step it ran on:
``test_login_succeeds[step04_database]``. ``@pytest.mark.until(N)`` stops a
test after step N: a weakness that the next step fixes. A test outside
those folders (the kit's own) names its first step with
``@pytest.mark.since(N)``, or runs on every step.

``pytest --step=N`` runs every test on reference step N alone.
``pytest --step-dir=PATH`` grades one folder instead, such as a learner's
workshop copy: the folder is named like the step it rebuilds, and only the
tests of that step and the ones before it run, and of those only the ones
that name the requirements of docs/workshop.md they check
(``@pytest.mark.requirement("3.5")``): a folder is graded on what its task
says, never on a choice the task leaves to the learner.

One classification decides what a run holds: a test marked ``slow`` (it
starts servers) or ``maintainer`` (it checks the project, not a step: the
kit's own tests are all marked so) runs in the full suite only
(``make test FULL=1``, as CI runs it), and the grader never grades it.
Everything else is a behaviour test of the steps: a learner's `make test`
runs it after every change, and the grader grades it.

The steps with a database run on SQLite, and the ones that read
DATABASE_URL on PostgreSQL too when TEST_DATABASE_URL is set (see
pytest_apps.py).
"""

import importlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from kit.steps import STEP_NAMES, STEPS, load_step

# A behaviour test's folder names its step: tests/step03_login_required/.
STEP_FOLDER = re.compile(r"step(\d\d)_\w+")


@dataclass(frozen=True)
class Step:
    """One step as a test runs on it: the reference folder, or a learner's, on one database."""

    number: int
    name: str
    path: Path
    # Where the step keeps its users: "memory", "sqlite" or "postgresql".
    database: str = "memory"

    def __str__(self):
        return self.name if self.database in ("memory", "sqlite") else f"{self.name}-{self.database}"

    @property
    def module(self):
        return importlib.import_module(self.name)


def has_a_database(name):
    """Whether the step's app registers an `init-db` command (DESIGN's contract).

    Asked of the app, not the step number: a learner's step 4 starts as a
    copy of step 3, without a database. However the command is named in the
    source, Click registers it under its name on app.cli.
    """
    module = importlib.import_module(name)
    with tempfile.TemporaryDirectory() as instance:
        # A throwaway database and instance folder: asking creates no file.
        config = {"TESTING": True, "SECRET_KEY": "asking", "DATABASE": {
            "name": os.path.join(instance, "asking.db"), "engine": "peewee.SqliteDatabase"}}
        app = module.create_app(config)
    return "init-db" in app.cli.commands


def variants(number, name, path):
    """The step once, or once per database if it has one."""
    if not has_a_database(name):
        return [Step(number, name, path)]
    databases = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL") and STEPS[number - 1].postgresql:
        databases.append("postgresql")
    return [Step(number, name, path, database) for database in databases]


def find_steps(step_dir):
    """The steps to test: the one folder given, or every reference step present."""
    if step_dir is None:
        return [
            variant
            for info in STEPS if (info.path / "__init__.py").is_file()
            for variant in variants(info.number, info.name, info.path)
        ]
    path = Path(step_dir).resolve()
    if path.name not in STEP_NAMES or not (path / "__init__.py").is_file():
        raise pytest.UsageError(
            f"--step-dir {step_dir}: expected a step package named one of"
            f" {', '.join(STEP_NAMES)}"
        )
    load_step(path)
    return variants(STEP_NAMES.index(path.name) + 1, path.name, path)


def first_step(item):
    """The step that introduces what the test checks: its folder's, or its `since` marker's."""
    since = item.get_closest_marker("since")
    if since is not None:
        return since.args[0]
    folder = STEP_FOLDER.fullmatch(item.path.parent.name)
    return int(folder.group(1)) if folder and item.path.parent.parent.name == "tests" else 1


def pytest_addoption(parser):
    parser.addoption(
        "--step",
        metavar="N",
        help="run the tests on one reference step only (its number, or its folder's name):"
        " every test that runs on it",
    )
    parser.addoption(
        "--step-dir",
        metavar="PATH",
        help="grade this folder (named like a step, e.g. workshop/step03_login_required)"
        " instead of the reference steps",
    )


MARKERS = {
    "since(n)": "the first step a test outside tests/stepNN_name/ runs on",
    "until(n)": "the last step the test runs against (a weakness a later step fixes)",
    "concept(title)": "the concept of its step the test checks: the grader's line for it",
    "requirement(*ids)": "the requirements of docs/workshop.md (a workshop's TASK.md) the test"
    " checks: only a test that names one is graded",
    "section(heading, words=None)": "the section of the chapter of the test's step that teaches"
    " what the test checks (and the words of its paragraph): the grader's hint comes from it",
    "slow": "starts servers or grades whole folders: in the full suite only, never graded",
    "maintainer": "checks the project, not a step: in the full suite only, never graded",
    "own_app": "the test changes the app (a route, a hook), so it gets an app of its own",
    "sqlite_only": "on the step's SQLite run only: the behaviour does not involve the database"
    " (once per step is enough), or is SQLite's own",
    "postgresql_only": "a behaviour of PostgreSQL's connections: on the step's PostgreSQL run only",
}


def pytest_configure(config):
    for marker, meaning in MARKERS.items():
        config.addinivalue_line("markers", f"{marker}: {meaning}")
    config.steps_under_test = find_steps(config.getoption("step_dir"))
    only = config.getoption("step")
    if only is not None:
        config.steps_under_test = [step for step in config.steps_under_test
                                   if only in (str(step.number), step.name)]
        if not config.steps_under_test:
            raise pytest.UsageError(f"--step {only}: no such step; try a number from 1 to {len(STEPS)}")


def pytest_generate_tests(metafunc):
    if "step" in metafunc.fixturenames:
        steps = metafunc.config.steps_under_test
        metafunc.parametrize("step", steps, ids=[str(step) for step in steps])


def full_run():
    """Whether this run is the full suite (`make test FULL=1`, as CI runs it)."""
    return os.environ.get("FULL") == "1"


def in_the_full_suite_only(item):
    """The one classification: a slow or maintainer's test runs with FULL=1 only, ungraded."""
    return bool(item.get_closest_marker("slow") or item.get_closest_marker("maintainer"))


def not_installed(reason):
    """Skip a test whose server or browser is missing here, saying how to get it.

    On CI, which installs everything, that is a failure instead.
    """
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    """Deselect the runs of each test on steps before the one that introduces it.

    Deselect the full suite's own tests too, unless FULL=1: a learner's
    `make test` is a feedback loop, and should take seconds. Deselected, not
    skipped: a run that leaves no test to run fails (pytest's exit code 5).
    """
    full = full_run()
    grading = config.getoption("step_dir") is not None
    selected, deselected = [], []
    for item in items:
        step = getattr(item, "callspec", None) and item.callspec.params.get("step")
        since, until = first_step(item), item.get_closest_marker("until")
        once = item.get_closest_marker("sqlite_only") and step and step.database == "postgresql"
        server_only = item.get_closest_marker("postgresql_only") and step and step.database != "postgresql"
        if not full and in_the_full_suite_only(item):
            deselected.append(item)
        elif grading and not item.get_closest_marker("requirement"):
            deselected.append(item)
        elif step and (step.number < since or until and step.number > until.args[0]):
            deselected.append(item)
        elif once or server_only:
            deselected.append(item)
        else:
            selected.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def pytest_terminal_summary(terminalreporter):
    if not full_run():
        terminalreporter.write_line(
            "The steps' behaviour tests only. `make test FULL=1` also checks the chapters,"
            " the pages in a browser (the X-ray's too) and the workshop grader."
        )
