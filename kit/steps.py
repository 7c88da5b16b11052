"""The tutorial's steps: the one list that the kit and the tests read.

A new step is an entry here, its folder, its chapter, and its tests in
tests/stepNN_name/ (the tests say which concept of the step they check).
Everything else finds the steps here: the test runs (each test on the step
that introduces its concept and every later one), the grader and its
budgets, the chapters' diagrams, the tours, the budgets of `make budgets`.
The Makefile finds a step by its folder's name alone.
"""

import importlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class StepInfo:
    name: str  # the folder, and the package: step03_login_required
    # What `make tour STEP=N` shows, in a sentence.
    tour: str
    # The longest `make check STEP=N` may take on a quiet 2-core machine, in seconds.
    check_seconds: float = 5
    # Whether the step reads DATABASE_URL, and so runs on PostgreSQL too.
    postgresql: bool = False

    @property
    def number(self):
        return STEPS.index(self) + 1

    @property
    def path(self):
        return ROOT / self.name


STEPS = (
    StepInfo("step01_minimal", "Logging in and out.", check_seconds=3),
    StepInfo("step02_user_loader",
             "The user_loader, called on every request that reads current_user.", check_seconds=3),
    StepInfo("step03_login_required",
             "A protected page, the next round trip, and remember me.", check_seconds=3),
    StepInfo("step04_database", "The user_loader as a database query."),
    StepInfo("step05_request_loader", "Token calls through the request_loader."),
    StepInfo("step06_ending_logins", "A login ended from another browser."),
    StepInfo("step07_production", "A refused guess, then a login.", postgresql=True),
)
STEP_NAMES = tuple(step.name for step in STEPS)


def step_number(value):
    """The number of the step named by value: "3" or "step03_login_required"."""
    if value.isdigit() and 1 <= int(value) <= len(STEPS):
        return int(value)
    if value in STEP_NAMES:
        return STEP_NAMES.index(value) + 1
    raise ValueError(f"no step {value!r}: give 1 to {len(STEPS)} or a folder name")


def step_folders():
    """The reference steps' folders, in order."""
    return [step.path for step in STEPS if (step.path / "__init__.py").is_file()]


def shown_path(path):
    """A path as a reader would type it: from the repository's root, when it is inside."""
    path = Path(path)
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def load_step(folder):
    """The step package in folder, imported under its folder's name.

    A reference step is imported as usual. Any other folder (a learner's,
    a changed copy) is imported by path, in place of the reference step of
    the same name, and of every module of it that was imported already:
    `from . import auth` must find the folder's own auth.
    """
    folder = Path(folder).resolve()
    loaded = sys.modules.get(folder.name)
    if loaded is not None and Path(loaded.__file__).parent == folder:
        return loaded
    for name in [name for name in sys.modules if name.split(".")[0] == folder.name]:
        del sys.modules[name]
    if folder.parent == ROOT:
        return importlib.import_module(folder.name)
    spec = importlib.util.spec_from_file_location(
        folder.name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[folder.name] = module
    spec.loader.exec_module(module)
    return module
