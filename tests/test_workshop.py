"""Workshop mode: the grader itself (a maintainer's check, like rustlings' `dev check`)."""

import pytest

from tools import workshop
from tools.steps import STEP_NAMES


@pytest.fixture(scope="module")
def graded_tests():
    """(test id, the step that introduces it) of every test the grader runs."""
    return {(result["test"], result["since"]) for result in workshop.run_suite("--collect-only")}


def test_every_graded_test_belongs_to_a_concept(graded_tests):
    orphans = sorted(test for test, since in graded_tests if not workshop.concept_of(test, since))
    assert not orphans, f"add these to a concept in tools/workshop.py: {orphans}"


@pytest.mark.parametrize("concept", workshop.CONCEPTS, ids=lambda concept: concept.title)
def test_every_concept_has_tests_and_a_hint_in_its_chapter(graded_tests, concept):
    checked_by = [test for test, since in graded_tests if workshop.concept_of(test, since) == concept]
    assert checked_by, f"no test checks {concept.title!r}"
    assert workshop.hint(concept.step, concept.section)


def outcomes(number, folder):
    """Each concept of steps 1 to N: True if all its tests pass."""
    concepts, _, failures = workshop.by_concept(number, workshop.grade(number, folder))
    return {concept: not failures[concept] for concept in concepts}


@pytest.mark.slow
@pytest.mark.parametrize("number", range(2, len(STEP_NAMES) + 1))
def test_a_starting_folder_fails_its_steps_concepts_and_passes_the_earlier_ones(number, tmp_path):
    folder = workshop.start(number, workshop=tmp_path)
    assert (tmp_path / "instance" / "config.py").is_file()
    for concept, passed in outcomes(number, folder).items():
        assert passed == (concept.step < number), concept.title


@pytest.mark.slow
def test_the_readme_shows_what_check_prints_on_a_new_folder(tmp_path, capsys, shows):
    folder = workshop.start(3, workshop=tmp_path / "workshop")
    assert workshop.check(3, folder) is False
    printed = capsys.readouterr().out.replace(str(folder), "workshop/step03_login_required")
    readme = (workshop.ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("<!-- make check on a new step 3 folder -->\n```text\n")[1].split("\n```")[0]
    # "..." in the README stands for test counts, which grow as tests are added.
    assert shows(shown, printed.rstrip("\n")), printed


@pytest.mark.slow
def test_a_reference_step_passes_everything():
    assert all(outcomes(2, workshop.ROOT / STEP_NAMES[1]).values())


def test_start_refuses_to_overwrite_work_unless_forced(tmp_path):
    folder = workshop.start(3, workshop=tmp_path)
    (folder / "auth.py").write_text("# the learner's work\n")
    with pytest.raises(SystemExit, match="already exists and may hold your work"):
        workshop.start(3, workshop=tmp_path)
    assert (folder / "auth.py").read_text() == "# the learner's work\n"
    workshop.start(3, force=True, workshop=tmp_path)
    assert "load_user" in (folder / "auth.py").read_text()


def test_a_starting_folder_is_named_as_its_step_and_says_what_to_do(tmp_path):
    folder = workshop.start(4, workshop=tmp_path)
    assert folder.name == "step04_database"
    assert "step03_login_required" not in (folder / "__init__.py").read_text()
    assert not (folder / "README.md").exists()
    assert "make check STEP=4" in (folder / "TASK.md").read_text()
