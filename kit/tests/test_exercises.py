"""Every exercise's answer does what the exercise says it does.

Each step's EXERCISES.md gives, under every exercise, an answer to unfold:
a change to the step (a ```diff block, applied to the step as it is) and
what the step's tests then print, in a marker just before the change:

- `<!-- answer: the tests pass -->`: every test of the step passes;
- `<!-- answer: test_a, test_b fail -->`: exactly those tests fail (under
  any of their parameters), and every other one passes; or, where a change
  breaks many, `<!-- answer: test_a, test_b fail, among 11 -->`: eleven
  tests fail, those two among them;
- `<!-- answer: dave logs in with PASSWORD -->`: the tests pass, and the
  login form of the changed step lets that user in;
- `<!-- answer: test_a says so -->`, with no change: an exercise that only
  asks a question, whose answer a test of the step as it is holds.

The change is applied to a copy of the repository, and the step's tests run
there as the exercise tells the reader to run them:
`.venv/bin/python -m pytest -q -k stepNN_name`.
"""

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest

from kit.steps import ROOT, step_folders

ANSWER = re.compile(
    r"^<!-- answer: (?P<promise>[^\n]*?) -->\n(?:```diff\n(?P<diff>.*?)^```$)?", re.M | re.S
)
LOGS_IN = re.compile(r"(?P<name>\w+) logs in with (?P<password>\S+)")
# Run in the copy: whether the login form of the step lets a user in (a step
# with a database gets its demo accounts first, as `make run` does).
CAN_LOG_IN = """
import importlib, sys
from kit.forms import FormClient
step, name, password = sys.argv[1:]
app = importlib.import_module(step).create_app({"TESTING": True, "SECRET_KEY": "an exercise"})
if "init-db" in app.cli.commands:
    app.test_cli_runner().invoke(args=["init-db"])
print(FormClient(app.test_client()).can_log_in(name, password))
"""
# A test's name as the reader sees it: without the step and the other parameters.
TEST_NAME = re.compile(r"\[.*\]$")


def answers():
    for folder in step_folders():
        page = folder / "EXERCISES.md"
        if page.is_file():
            for number, found in enumerate(ANSWER.finditer(page.read_text(encoding="utf-8")), 1):
                yield pytest.param(folder.name, found["promise"], found["diff"],
                                   id=f"{folder.name}:answer {number}")


def test_every_step_has_exercises_with_answers():
    """Two exercises or more in each step, each followed by its answer."""
    for folder in step_folders():
        page = folder / "EXERCISES.md"
        assert page.is_file(), f"{folder.name} has no EXERCISES.md"
        text = page.read_text(encoding="utf-8")
        exercises = re.findall(r"^## \d+\. ", text, re.M)
        assert len(exercises) >= 2, f"{folder.name}/EXERCISES.md has {len(exercises)} exercises"
        assert len(ANSWER.findall(text)) == len(exercises) == text.count("<details>"), (
            f"{folder.name}/EXERCISES.md: each exercise needs one answer, in <details>"
        )
        chapter = (folder / "README.md").read_text(encoding="utf-8")
        assert "](EXERCISES.md)" in chapter, f"{folder.name}/README.md does not link its exercises"


def copy_of_the_repository(destination):
    """The repository's files as they are now (committed or not), without its environment."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def failed_tests(clone, step):
    """Run the step's tests in the copy, as the reader does: the names that failed, and how many ran."""
    report = clone / "report.xml"
    env = {key: value for key, value in os.environ.items()
           if key not in ("FULL", "XRAY", "TEST_DATABASE_URL", "PYTEST_XDIST_WORKER")}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-k", step, "-p", "no:cacheprovider", "-p", "no:xdist",
         "-p", "no:playwright", f"--junitxml={report}"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=600,
    )
    assert report.exists(), f"the tests did not run:\n{run.stdout}\n{run.stderr}"
    cases = list(ElementTree.parse(report).getroot().iter("testcase"))
    failed = {TEST_NAME.sub("", case.get("name")) for case in cases
              if case.find("failure") is not None or case.find("error") is not None}
    return failed, len(cases), run.stdout


@pytest.mark.parametrize("folder, promise, diff", list(answers()))
def test_the_answer_does_what_the_exercise_says(folder, promise, diff, tmp_path):
    clone = copy_of_the_repository(tmp_path / "repository")
    if diff is not None:
        (tmp_path / "answer.diff").write_text(diff, encoding="utf-8")
        applied = subprocess.run(["git", "apply", str(tmp_path / "answer.diff")], cwd=clone,
                                 capture_output=True, text=True)
        assert applied.returncode == 0, f"the answer's change does not apply to {folder}:\n{applied.stderr}"
    failed, ran, output = failed_tests(clone, folder)
    assert ran > 0, f"no test of {folder} ran"
    if promise == "the tests pass" or LOGS_IN.fullmatch(promise):
        assert diff is not None, "an answer that changes nothing passes trivially"
        assert failed == set(), f"these tests fail:\n{output[-3000:]}"
        user = LOGS_IN.fullmatch(promise)
        if user:
            logged_in = subprocess.run([sys.executable, "-c", CAN_LOG_IN, folder, *user.groups()],
                                       cwd=clone, capture_output=True, text=True)
            assert logged_in.stdout.strip() == "True", f"{user['name']} cannot log in:\n{logged_in.stderr}"
    elif promise.endswith(" says so"):
        assert diff is None, "an answer that a test holds changes nothing"
        named = promise.removesuffix(" says so")
        assert failed == set() and f"{named}[" in (clone / "report.xml").read_text(encoding="utf-8"), (
            f"{named} did not run and pass on {folder}:\n{output[-3000:]}"
        )
    else:
        failing = re.fullmatch(r"(?P<named>test_\w+(?:, test_\w+)*) fails?(?:, among (?P<among>\d+))?", promise)
        assert diff is not None and failing, f"cannot read the answer's promise {promise!r}"
        named = set(failing["named"].split(", "))
        if failing["among"]:
            assert named <= failed and len(failed) == int(failing["among"]), (
                f"expected {failing['among']} tests to fail, {sorted(named)} among them:\n{output[-3000:]}")
        else:
            assert failed == named, f"expected exactly {sorted(named)} to fail:\n{output[-3000:]}"
