"""The tutorial's steps, and which of them a test run covers.

A pytest plugin (conftest.py loads it). A test names the step that
introduces its concept with ``@pytest.mark.since(N)``; it then runs against
that step and every later one, and its id names the step:
``test_login_succeeds[step02_user_loader]``. Tests without the marker run
against every step. ``@pytest.mark.until(N)`` stops a test after step N: a
test that shows a weakness the next step fixes.

``pytest --step-dir=PATH`` grades one folder instead, such as a learner's
workshop copy: the folder is named like the step it rebuilds, and only the
tests of that step and the ones before it run.

The steps with a database run on SQLite, and the ones that read
DATABASE_URL (from step 7) on PostgreSQL too when TEST_DATABASE_URL is set
(see databases.py).
"""

import importlib
import importlib.util
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from jinja2 import BytecodeCache

ROOT = Path(__file__).resolve().parent.parent

# The one list of steps, in order; the tools use it too.
STEP_NAMES = (
    "step01_minimal",
    "step02_user_loader",
    "step03_login_required",
    "step04_database",
    "step05_request_loader",
    "step06_ending_logins",
    "step07_production",
)
# Steps from here on read DATABASE_URL and run on PostgreSQL too.
POSTGRESQL_FROM = 7


def step_number(value):
    """The number of the step named by value: "3" or "step03_login_required"."""
    if value.isdigit() and 1 <= int(value) <= len(STEP_NAMES):
        return int(value)
    if value in STEP_NAMES:
        return STEP_NAMES.index(value) + 1
    raise ValueError(f"no step {value!r}: give 1 to {len(STEP_NAMES)} or a folder name")


def step_folders():
    """The reference steps' folders, in order."""
    return [ROOT / name for name in STEP_NAMES if (ROOT / name / "__init__.py").is_file()]


@dataclass(frozen=True)
class Step:
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


class SharedTemplateCache(BytecodeCache):
    """Compiled templates, shared by all the test apps of a run.

    Every test builds a fresh app, which would compile its templates again;
    Jinja checks the template source, so a changed template is recompiled.
    """

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedTemplateCache()


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
    if os.environ.get("TEST_DATABASE_URL") and number >= POSTGRESQL_FROM:
        databases.append("postgresql")
    return [Step(number, name, path, database) for database in databases]


def find_steps(step_dir):
    """The steps to test: the one folder given, or every reference step present."""
    if step_dir is None:
        return [
            variant
            for number, path in enumerate(step_folders(), start=1)
            for variant in variants(number, path.name, path)
        ]
    path = Path(step_dir).resolve()
    if path.name not in STEP_NAMES or not (path / "__init__.py").is_file():
        raise pytest.UsageError(
            f"--step-dir {step_dir}: expected a step package named one of"
            f" {', '.join(STEP_NAMES)}"
        )
    load_package(path)
    return variants(STEP_NAMES.index(path.name) + 1, path.name, path)


def load_package(path):
    """Import the package at path under its folder's name, in place of the reference step.

    By path, not through sys.path: pytest puts the repository first on
    sys.path while it collects, where the reference step of the same name is.
    """
    spec = importlib.util.spec_from_file_location(
        path.name, path / "__init__.py", submodule_search_locations=[str(path)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.name] = module
    spec.loader.exec_module(module)


def pytest_addoption(parser):
    parser.addoption(
        "--step-dir",
        metavar="PATH",
        help="grade this folder (named like a step, e.g. workshop/step03_login_required)"
        " instead of the reference steps",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "since(n): the step that introduces the concept under test;"
        " the test runs against step n and every later step",
    )
    config.addinivalue_line(
        "markers",
        "until(n): the last step the test runs against (a weakness a later step fixes)",
    )
    config.addinivalue_line(
        "markers",
        "slow: starts servers or grades whole folders; in the full suite only (FULL=1)",
    )
    config.addinivalue_line(
        "markers",
        "section(heading): the section of the chapter of the test's `since` step that teaches"
        " what the test checks; the workshop grader's hint comes from it",
    )
    config.addinivalue_line(
        "markers",
        "own_app: the test changes the app (a route, a hook), so it gets an app of its own",
    )
    config.addinivalue_line(
        "markers",
        "sqlite_only: the behaviour under test does not involve the database; once per step",
    )
    config.addinivalue_line(
        "markers",
        "docs: checks the tutorial's text against its code; in the full suite only (FULL=1)",
    )
    config.steps_under_test = find_steps(config.getoption("step_dir"))


def pytest_generate_tests(metafunc):
    if "step" in metafunc.fixturenames:
        steps = metafunc.config.steps_under_test
        metafunc.parametrize("step", steps, ids=[str(step) for step in steps])


def full_run():
    """Whether this run is the full suite (`make test FULL=1`, as CI runs it)."""
    return os.environ.get("FULL") == "1"


def in_the_full_suite_only(item):
    """Whether a test checks more than what the steps do: it runs only with FULL=1.

    The chapters' text and commands (marked docs), pages in a browser (anything
    that uses Playwright's browser), and what starts servers or grades whole
    folders (marked slow). Any other test, in a new file too, is a behaviour
    test of the steps: a learner's `make test` runs it after every change.
    """
    return bool(item.get_closest_marker("docs") or item.get_closest_marker("slow")
                or "browser" in item.fixturenames)


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
    selected, deselected = [], []
    for item in items:
        step = getattr(item, "callspec", None) and item.callspec.params.get("step")
        since, until = item.get_closest_marker("since"), item.get_closest_marker("until")
        once = item.get_closest_marker("sqlite_only") and step and step.database == "postgresql"
        if not full and in_the_full_suite_only(item):
            deselected.append(item)
        elif step and (since and step.number < since.args[0] or until and step.number > until.args[0]):
            deselected.append(item)
        elif once:
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
