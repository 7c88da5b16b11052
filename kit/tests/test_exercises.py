"""Every exercise's answer does what the exercise says it does.

Each step's EXERCISES.md gives, under every exercise, an answer to unfold
(in <details>): a change to the step, as a ```diff block applied to the step
as it is, and a line saying what the step's tests then print:

- `**What the tests print:** no failure.`
- `**What the tests print:** no failure, and dave logs in with `PASSWORD`.`:
  the changed step's login form lets that user in too;
- `**What the tests print:** 7 failed: `test_a` and `test_b`.`: pytest counts
  7 failures (a test with parameters fails once for each), in exactly those
  tests;
- `**What the tests print:** 11 failed, `test_a` and `test_b` among them.`;
- `**What the tests print:** no failure, and `test_a` holds the answer.`,
  with no change: an exercise that only asks a question, whose answer a test
  of the step as it is holds.

The change is applied to a copy of the repository, and the step's tests run
there as the exercise tells the reader to run them:
`.venv/bin/python -m pytest -q --step N`.
"""

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest

from kit.fresh_clone import make_fresh_clone
from kit.steps import ROOT, step_folders

ANSWER = re.compile(r"^<details>\n<summary>Answer</summary>\n(?P<body>.*?)^</details>$", re.M | re.S)
DIFF = re.compile(r"^```diff\n(?P<diff>.*?)^```$", re.M | re.S)
PRINTS = re.compile(r"^\*\*What the tests print:\*\* (?P<promise>.+?)\.$", re.M)
NAMES = r"(?P<names>`test_\w+`(?:(?:, | and )`test_\w+`)*)"
PROMISES = {
    "pass": re.compile(r"no failure"),
    "logs in": re.compile(r"no failure, and (?P<user>\w+) logs in with `(?P<password>\S+)`"),
    "holds": re.compile(r"no failure, and `(?P<test>test_\w+)` holds the answer"),
    "exactly": re.compile(rf"(?P<count>\d+) failed: {NAMES}"),
    "among": re.compile(rf"(?P<count>\d+) failed, {NAMES} among them"),
}
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
                diff, prints = DIFF.search(found["body"]), PRINTS.search(found["body"])
                yield pytest.param(folder.name, prints and prints["promise"], diff and diff["diff"],
                                   id=f"{folder.name}:answer {number}")


def promise_of(text):
    """What an answer says the tests print, read: its kind, and the parts it names."""
    for kind, pattern in reversed(PROMISES.items()):
        found = pattern.fullmatch(text or "")
        if found:
            return kind, found
    raise AssertionError(f"an answer needs a line `**What the tests print:** ...`, not {text!r}")


def test_every_step_has_exercises_with_answers():
    """Two exercises or more in each step, each followed by its answer."""
    for folder in step_folders():
        page = folder / "EXERCISES.md"
        assert page.is_file(), f"{folder.name} has no EXERCISES.md"
        text = page.read_text(encoding="utf-8")
        exercises = re.findall(r"^## \d+\. ", text, re.M)
        assert len(exercises) >= 2, f"{folder.name}/EXERCISES.md has {len(exercises)} exercises"
        assert len(ANSWER.findall(text)) == len(exercises) == text.count("<details>") == len(PRINTS.findall(text)), (
            f"{folder.name}/EXERCISES.md: each exercise needs one answer, in <details>"
        )
        chapter = (folder / "README.md").read_text(encoding="utf-8")
        assert "](EXERCISES.md)" in chapter, f"{folder.name}/README.md does not link its exercises"



def test_every_step_has_the_hands_on_loop():
    """Run it, what to try, exercises, common mistakes: in the chapter, or in its EXERCISES.md.

    What to try has commands whose output the chapter's sessions test checks
    (test_docs.py), and the chapter names the loop where a reader looks for it.
    """
    for folder in step_folders():
        chapter = (folder / "README.md").read_text(encoding="utf-8")
        both = chapter + (folder / "EXERCISES.md").read_text(encoding="utf-8")
        assert "\n## Run it\n" in chapter, f"{folder.name}/README.md has no Run it"
        assert re.search(r"^## What to try\b", chapter, re.M), f"{folder.name}/README.md names no What to try"
        trying = re.search(r"^## What to try\n(?P<text>.*?)(?=^## )", both, re.M | re.S)
        assert trying and "<!-- shell session -->" in trying["text"], (
            f"{folder.name}: What to try has no command a reader runs"
        )
        assert "\n## Common mistakes\n" in both, f"{folder.name} has no Common mistakes"


HUNK = re.compile(r"^@@ -(?P<start>\d+)(?:,(?P<count>\d+))? \+\d+(?:,\d+)? @@[^\n]*\n(?P<lines>(?:[ +-][^\n]*\n|\n)*)", re.M)


@pytest.mark.parametrize("folder, promise, diff", [each for each in answers() if each.values[2]])
def test_every_answers_diff_names_the_lines_it_changes(folder, promise, diff):
    """Each hunk's line numbers are where its lines are in the step today: a reader who reads
    `@@ -146` opens the file at line 146 and finds them there."""
    for name, hunks in re.findall(r"^--- a/(\S+)\n\+\+\+ \S+\n(.*?)(?=^--- a/|\Z)", diff + "\n", re.M | re.S):
        lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
        for hunk in HUNK.finditer(hunks):
            # A blank context line may have lost its space in Markdown; the header counts the lines.
            before = [line[1:] for line in hunk["lines"].splitlines() if not line.startswith("+")]
            before = before[:int(hunk["count"] or 1)]
            start = int(hunk["start"]) - 1
            assert lines[start:start + len(before)] == before, (
                f"{folder}/EXERCISES.md: the hunk at line {start + 1} of {name} is not there now"
            )

def failed_tests(clone, step):
    """Run the step's tests in the copy, as the reader does: each failure's test name, once per
    failure, and how many tests ran."""
    report = clone / "report.xml"
    env = {key: value for key, value in os.environ.items()
           if key not in ("FULL", "XRAY", "TEST_DATABASE_URL", "PYTEST_XDIST_WORKER")}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--step", step, "-p", "no:cacheprovider", "-p", "no:xdist",
         "-p", "no:playwright", f"--junitxml={report}"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=600,
    )
    assert report.exists(), f"the tests did not run:\n{run.stdout}\n{run.stderr}"
    cases = list(ElementTree.parse(report).getroot().iter("testcase"))
    failed = [TEST_NAME.sub("", case.get("name")) for case in cases
              if case.find("failure") is not None or case.find("error") is not None]
    return failed, len(cases), run.stdout


@pytest.mark.parametrize("folder, promise, diff", list(answers()))
def test_the_answer_does_what_the_exercise_says(folder, promise, diff, tmp_path):
    kind, said = promise_of(promise)
    assert (diff is None) == (kind == "holds"), (
        "an answer changes the step, unless a test of the step as it is holds it")
    # The repository as a reader's clone has it, with the tests' own environment.
    clone = make_fresh_clone(tmp_path / "repository")
    if diff is not None:
        (tmp_path / "answer.diff").write_text(diff, encoding="utf-8")
        applied = subprocess.run(["git", "apply", str(tmp_path / "answer.diff")], cwd=clone,
                                 capture_output=True, text=True)
        assert applied.returncode == 0, f"the answer's change does not apply to {folder}:\n{applied.stderr}"
    failed, ran, output = failed_tests(clone, folder)
    assert ran > 0, f"no test of {folder} ran"
    if kind in ("pass", "logs in", "holds"):
        assert failed == [], f"these tests fail:\n{output[-3000:]}"
    if kind == "holds":
        assert f'name="{said["test"]}[' in (clone / "report.xml").read_text(encoding="utf-8"), (
            f"{said['test']} did not run on {folder}")
    if kind == "logs in":
        logged_in = subprocess.run([sys.executable, "-c", CAN_LOG_IN, folder, said["user"], said["password"]],
                                   cwd=clone, capture_output=True, text=True)
        assert logged_in.stdout.strip() == "True", f"{said['user']} cannot log in:\n{logged_in.stderr}"
    if kind in ("exactly", "among"):
        named = set(re.findall(r"`(test_\w+)`", said["names"]))
        assert len(failed) == int(said["count"]), f"{len(failed)} failed, not {said['count']}:\n{output[-3000:]}"
        assert named <= set(failed), f"{sorted(named - set(failed))} did not fail:\n{output[-3000:]}"
        if kind == "exactly":
            assert set(failed) == named, f"{sorted(set(failed) - named)} failed too"
