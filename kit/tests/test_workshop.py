"""Workshop mode: the grader itself (a maintainer's check, like rustlings' `dev check`).

The grader is driven as a facilitator drives it: `python -m kit.grader`,
in the full suite only (`make test FULL=1`, as CI runs it). It grades every
starting folder, and variants of the reference steps: right ones, written
otherwise, must pass; the mistakes learners make must fail, with a hint from
the section that teaches the point.
"""

import json
import shutil
import subprocess
import sys

import pytest

from kit.doc_output import matches
from kit.steps import ROOT, STEP_NAMES
from kit.tests.workshop_variants import RIGHT, WRONG
from kit.grader.concepts import started_file, worked_at_start
from kit.grader.hints import hint
from kit.grader import timing
from kit.grader.report import claimed
from kit.grader.runner import run_suite


def workshop(*arguments):
    result = subprocess.run(
        [sys.executable, "-m", "kit.grader", *map(str, arguments)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    return result.returncode, result.stdout + result.stderr


def graded(number, folder):
    """The grader's verdict on folder as step N: its concepts, and its first failing test."""
    code, output = workshop("check", number, "--dir", folder, "--json")
    assert code == 0, output
    return json.loads(output)


def test_every_graded_test_belongs_to_a_concept_and_names_a_section_of_its_chapter():
    code, output = workshop("audit")
    assert code == 0, output
    assert output.endswith(" 0 problems.\n")


@pytest.mark.parametrize("number", range(2, len(STEP_NAMES) + 1))
def test_a_starting_folder_fails_its_steps_concepts_and_passes_the_earlier_ones(number, tmp_path):
    code, output = workshop("start", number, "--workshop", tmp_path)
    assert code == 0, output
    assert (tmp_path / "instance" / "config.py").is_file()
    for concept in graded(number, tmp_path / STEP_NAMES[number - 1])["concepts"]:
        assert concept["passed"] == (concept["step"] < number), concept["title"]


def test_the_facilitators_guide_shows_what_check_prints_on_a_new_folder(tmp_path):
    workshop("start", 3, "--workshop", tmp_path)
    folder = tmp_path / STEP_NAMES[2]
    code, printed = workshop("check", 3, "--dir", folder)
    assert code == 1
    printed = printed.replace(str(folder), "workshop/step03_login_required")
    guide = (ROOT / "docs" / "workshop.md").read_text(encoding="utf-8")
    shown = guide.split("<!-- make check on a new step 3 folder -->\n```text\n")[1].split("\n```")[0]
    # "..." in the guide stands for test counts, which grow as tests are added.
    assert matches(shown, printed.rstrip("\n")), printed


def test_start_refuses_to_overwrite_work_unless_forced(tmp_path):
    workshop("start", 2, "--workshop", tmp_path)
    learners_work = tmp_path / STEP_NAMES[1] / "auth.py"
    learners_work.write_text("# the learner's work\n")
    code, output = workshop("start", 2, "--workshop", tmp_path)
    assert code == 1
    assert "already exists and may hold your work" in output
    assert learners_work.read_text() == "# the learner's work\n"
    code, _ = workshop("start", 2, "--workshop", tmp_path, "--force")
    assert code == 0
    assert "load_user" in learners_work.read_text()


def test_a_starting_folder_is_named_as_its_step_and_says_what_to_do(tmp_path):
    workshop("start", 4, "--workshop", tmp_path)
    folder = tmp_path / "step04_database"
    assert "step03_login_required" not in (folder / "__init__.py").read_text()
    assert not (folder / "README.md").exists() and not (folder / "EXERCISES.md").exists()
    task = (folder / "TASK.md").read_text()
    assert "make check STEP=4" in task
    assert "The loader: a query that may find nothing" in task  # a section to read
    assert '"What changed", is the whole solution' in task
    assert "## What the grader needs from your folder" in task
    assert "### Step 4" in task and "### Step 5" not in task


def test_the_facilitators_guide_lists_every_variant():
    guide = (ROOT / "docs" / "workshop.md").read_text(encoding="utf-8")
    table = guide.split("<!-- the variants of kit/tests/workshop_variants.py -->\n")[1].split("\n\n")[0]
    listed = {row.split(" | ")[0].removeprefix("| "): row for row in table.splitlines()[2:]}
    assert listed.keys() == RIGHT.keys() | WRONG.keys()
    for name, (number, *_) in {**RIGHT, **WRONG}.items():
        assert listed[name].startswith(f"| {name} | {number} | {'pass' if name in RIGHT else 'fail'}")


def variant(tmp_path, number, edits):
    """A copy of reference step N with the edits made; each must apply."""
    name = STEP_NAMES[number - 1]
    folder = tmp_path / name
    shutil.copytree(ROOT / name, folder, ignore=shutil.ignore_patterns("README.md", "screenshots", "__pycache__"))
    for target, old, new in edits:
        if old is None:
            (folder / target).rename(folder / new)
            continue
        paths = sorted(folder.rglob(target)) if "*" in target else [folder / target]
        changed = 0
        for path in paths:
            text = path.read_text()
            if old in text:
                path.write_text(text.replace(old, new))
                changed += 1
        assert changed, f"the edit of {target} no longer applies: {old!r}"
    return folder


@pytest.mark.parametrize("change", RIGHT)
def test_a_right_step_written_otherwise_passes(tmp_path, change):
    number, edits = RIGHT[change]
    verdict = graded(number, variant(tmp_path, number, edits))
    assert verdict["first_failure"] is None, verdict["first_failure"]


@pytest.mark.parametrize("change", WRONG)
def test_a_known_mistake_fails_with_a_hint_from_the_section_that_teaches_it(tmp_path, change):
    number, section, edits = WRONG[change]
    section, paragraph = section if isinstance(section, tuple) else (section, None)
    verdict = graded(number, variant(tmp_path, number, edits))
    failure = verdict["first_failure"]
    assert failure is not None, "the mistake passed"
    # Shown first, in a concept of its own step, with the hint that teaches the point.
    assert failure["since"] == number, failure
    assert (failure["section"], failure["paragraph"]) == (section, paragraph), failure
    failing = {concept["title"] for concept in verdict["concepts"] if not concept["passed"]}
    assert failure["concept"] in failing


def test_a_warning_from_the_folder_is_shown_and_fails_nothing(tmp_path):
    """Flask-Limiter warns when nobody names its storage: one line, not every test failed."""
    folder = variant(tmp_path, 8, [
        ("__init__.py", 'RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI", "memory://")',
         'RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI")'),
    ])
    verdict = graded(8, folder)
    assert verdict["first_failure"] is None, verdict["first_failure"]
    assert any("in-memory storage" in warning["message"] for warning in verdict["warnings"])
    code, printed = workshop("check", 8, "--dir", folder)
    assert code == 0
    assert "Warnings (" in printed and "UserWarning: Using the in-memory storage" in printed


def test_values_of_next_that_crash_are_listed_with_those_followed(tmp_path):
    folder = variant(tmp_path, 3, [
        ("redirects.py", "    return (\n        isinstance(target, str)", '''    if target and target.lower().startswith("javascript:"):
        raise ValueError("not a URL this check knows")
    return isinstance(target, str) and target.startswith("/")
    return (
        isinstance(target, str)'''),
    ])
    failure = graded(3, folder)["first_failure"]
    assert failure["test"].startswith(
        "tests/step03_login_required/test_next.py::test_no_hostile_next_is_followed"), failure
    message = "\n".join(failure["message"])
    assert "raised ValueError" in message and "evil.example" in message, message


def test_two_processes_share_the_tests_each_once_and_report_them_in_order():
    """Two processes share a grade: no test is lost or run twice, and the results come in
    the order of one process, whose first failure is the one shown."""
    step = STEP_NAMES[3]
    alone = [result["test"] for result in run_suite("--collect-only", graded=step)["results"]]
    shared = [result["test"] for result in run_suite("--collect-only", graded=step, processes=2)["results"]]
    assert len(alone) > 100
    assert shared == alone
    # Run, not only listed: the tests of step 4's commands, on its reference folder.
    folder, commands = f"--step-dir={ROOT / step}", f"{step} and test_commands"
    listed = [result["test"] for result in run_suite(folder, "--collect-only", graded=commands)["results"]]
    ran = run_suite(folder, graded=commands, processes=2)["results"]
    assert len(listed) > 20
    assert [result["test"] for result in ran] == listed
    assert {result["outcome"] for result in ran} == {"passed"}


def test_each_test_goes_to_the_first_process_free_to_take_it(tmp_path):
    """Two processes take the tests in one order, each the next one not yet taken: a process
    held up by a slow test leaves the ones after it to the other."""
    first, second = claimed(tmp_path, 5), claimed(tmp_path, 5)
    assert [next(first), next(second), next(second), next(second), next(first)] == [0, 1, 2, 3, 4]
    assert list(first) == [] and list(second) == []


def test_grade_times_take_turns_and_show_the_median_and_the_fastest_run(monkeypatch, capsys):
    """`python -m kit.grader time`: run after run, every step once, so that a busy minute slows
    one run of several steps and not every run of one; the limit judges the median."""
    graded = []

    def one_check(number):
        graded.append(number)
        run = graded.count(number)
        # Step 8's second run met a busy machine: 9 s, against 4.0 and 4.6.
        return 1.0, {1: 4.0, 2: 9.0, 3: 4.6}[run] if number == 8 else 2.0 + run

    monkeypatch.setattr(timing, "one_check", one_check)
    monkeypatch.setattr(timing, "yardstick_seconds", lambda: 0.5)
    assert timing.time_checks(runs=3) is False  # step 2 is over
    steps = list(range(2, len(STEP_NAMES) + 1))
    assert graded == steps * 3
    printed = capsys.readouterr().out
    assert "| make check STEP=8 | 4.6 | 4.0 | 4.0 9.0 4.6 | 5 | ok |" in printed
    assert "| make check STEP=2 | 4.0 | 3.0 | 3.0 4.0 5.0 | 3 | OVER |" in printed
    assert "| make check STEP=2: its first concept | 1.0 | 1.0 | 1.0 1.0 1.0 | 2 | ok |" in printed
    assert "yardstick before: 0.50 s" in printed and "Yardstick after: 0.50 s" in printed


def test_a_reader_that_stops_reading_gets_no_traceback():
    """`make check | head -1`: the grade stops when its reader does, with no traceback."""
    with subprocess.Popen(
        [sys.executable, "-m", "kit.grader", "check", "2", "--dir", str(ROOT / STEP_NAMES[1])],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as grading:
        assert grading.stdout.readline().startswith("Checking ")
        grading.stdout.close()
        errors = grading.stderr.read()
        assert grading.wait(timeout=60) == 1
    assert "Traceback" not in errors, errors


def test_only_an_earlier_steps_test_worked_at_the_start(tmp_path):
    """A step 3 test that passed in the step 2 folder passed because there was no `next` yet."""
    folder = tmp_path / STEP_NAMES[2]
    folder.mkdir()
    earlier = "tests/step01_minimal/test_logging_in.py::test_x"
    own = "tests/step03_login_required/test_next.py::test_no_hostile_next_is_followed"
    started_file(folder).write_text(json.dumps([earlier, own]))
    worked = worked_at_start(folder, 3)
    assert worked({"test": earlier, "since": 1})
    assert not worked({"test": own, "since": 3})
    assert not worked({"test": "tests/step01_minimal/test_logging_in.py::test_y", "since": 1})


@pytest.mark.parametrize("section, paragraph, shown", [
    ("Protecting a page", None, 'login_manager.login_view = "auth.login"'),
    ("The `next` round trip", "in a hidden field", '<input type="hidden" name="next"'),
])
def test_a_hint_shows_what_its_paragraph_introduces(section, paragraph, shown):
    text = hint(3, section, paragraph)
    assert shown in text
    assert not text.endswith(":")


def test_a_hint_says_where_a_diagram_stands_and_goes_on_to_the_paragraph_after_it():
    """A terminal shows no diagram: the hint says there is one, instead of running the paragraph
    that introduces it into the next one as if that were what it introduced."""
    text = hint(5, "The request loader")
    assert "in this\n    order, until one answers:\n    (The chapter shows a diagram here.)\n" in text
    assert "So the request loader runs only when the session gave no user" in text


def test_a_concept_that_worked_at_the_start_and_broke_says_so(tmp_path):
    """A step 2 folder that does step 2's work but greets no more after a login: its own
    concept passes, and the grader sends the learner back to step 1's, which worked in the
    folder they started from."""
    workshop("start", 2, "--workshop", tmp_path)
    folder = tmp_path / STEP_NAMES[1]
    shutil.copytree(ROOT / STEP_NAMES[1], folder, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("README.md", "screenshots", "__pycache__"))
    auth = folder / "auth.py"
    auth.write_text(auth.read_text().replace('flash(f"Welcome, {user.name}!")', 'flash("Hi.")'))
    code, printed = workshop("check", 2, "--dir", folder)
    assert code == 1
    assert "  1. The user loader: lazy, once per request, never raising  step 2  ok" in printed
    assert "This worked in the folder you started from." in printed
    assert 'Hint, from step01_minimal/README.md, "' in printed


def test_verbose_lists_every_failing_test(tmp_path):
    workshop("start", 3, "--workshop", tmp_path)
    code, printed = workshop("check", 3, "--dir", tmp_path / STEP_NAMES[2], "--verbose")
    assert code == 1
    listed = printed.split("Every failing test (")[1]
    count = int(listed.split(")")[0])
    assert count > 10
    assert listed.count("(read: step 3, ") == count
