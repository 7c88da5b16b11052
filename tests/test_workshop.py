"""Workshop mode: the grader itself (a maintainer's check, like rustlings' `dev check`).

The grader is driven as a facilitator drives it: `python -m tools.workshop`.
"""

import json
import subprocess
import sys

import pytest

from tests.doc_output import matches
from tests.steps import ROOT, STEP_NAMES


def workshop(*arguments):
    result = subprocess.run(
        [sys.executable, "-m", "tools.workshop", *map(str, arguments)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    return result.returncode, result.stdout + result.stderr


def concepts(number, folder):
    """Each concept of steps 1 to N: its step, and whether all its tests pass."""
    code, output = workshop("check", number, "--dir", folder, "--json")
    assert code == 0, output
    return {concept["title"]: concept for concept in json.loads(output)}


def test_every_graded_test_belongs_to_a_concept_with_a_hint_in_its_chapter():
    code, output = workshop("audit")
    assert code == 0, output
    assert output.endswith(" 0 problems.\n")


@pytest.mark.slow
@pytest.mark.parametrize("number", range(2, len(STEP_NAMES) + 1))
def test_a_starting_folder_fails_its_steps_concepts_and_passes_the_earlier_ones(number, tmp_path):
    code, output = workshop("start", number, "--workshop", tmp_path)
    assert code == 0, output
    assert (tmp_path / "instance" / "config.py").is_file()
    for title, concept in concepts(number, tmp_path / STEP_NAMES[number - 1]).items():
        assert concept["passed"] == (concept["step"] < number), title


@pytest.mark.slow
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


@pytest.mark.slow
def test_a_reference_step_passes_everything():
    results = concepts(2, ROOT / STEP_NAMES[1])
    assert all(concept["passed"] for concept in results.values()), results


def test_start_refuses_to_overwrite_work_unless_forced(tmp_path):
    workshop("start", 3, "--workshop", tmp_path)
    learners_work = tmp_path / STEP_NAMES[2] / "auth.py"
    learners_work.write_text("# the learner's work\n")
    code, output = workshop("start", 3, "--workshop", tmp_path)
    assert code == 1
    assert "already exists and may hold your work" in output
    assert learners_work.read_text() == "# the learner's work\n"
    code, _ = workshop("start", 3, "--workshop", tmp_path, "--force")
    assert code == 0
    assert "load_user" in learners_work.read_text()


def test_a_starting_folder_is_named_as_its_step_and_says_what_to_do(tmp_path):
    workshop("start", 4, "--workshop", tmp_path)
    folder = tmp_path / "step04_database"
    assert "step03_login_required" not in (folder / "__init__.py").read_text()
    assert not (folder / "README.md").exists()
    assert "make check STEP=4" in (folder / "TASK.md").read_text()
