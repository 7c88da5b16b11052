"""The concepts a grade is told in: each test's `concept` marker, in its chapter's order.

Every graded test names the concept of its step that it checks
(`@pytest.mark.concept(...)`, usually for a whole file) and the section of
the chapter that teaches it. A grade lists the concepts of steps 1 to N,
step N's first, each step's in the order its chapter teaches them (its
tests' first section), with the tests that failed.
"""

import json
from dataclasses import dataclass

from kit.grader.hints import headings


@dataclass(frozen=True)
class Concept:
    step: int
    title: str


def concept_of(result):
    return Concept(result["since"], result["concept"])


def chapter_places(results):
    """Each concept's place in its chapter: the first section any of its tests names."""
    chapters, first = {}, {}
    for result in results:
        concept = concept_of(result)
        if concept.step not in chapters:
            chapters[concept.step] = headings(concept.step)
        found = chapters[concept.step]
        place = found.index(result["section"]) if result["section"] in found else len(found)
        first[concept] = min(first.get(concept, place), place)
    return first


def chapter_order(concepts, results, number):
    """Step N's concepts first, the verdict that matters; then the earlier steps'. Each step's
    in the order its chapter teaches them."""
    first = chapter_places(results)
    return sorted(concepts, key=lambda concept: (concept.step != number, concept.step, first.get(concept, 0)))


def by_concept(number, results):
    """The concepts of steps 1 to N, each with its number of tests and its failures."""
    counts, failures = {}, {}
    for result in results:
        if result["concept"] is None:
            raise SystemExit(f"{result['test']} names no concept (@pytest.mark.concept)")
        concept = concept_of(result)
        counts[concept] = counts.get(concept, 0) + 1
        failures.setdefault(concept, [])
        if result["outcome"] == "failed":
            failures[concept].append(result)
    concepts = chapter_order([concept for concept in counts if concept.step <= number], results, number)
    return concepts, counts, failures


def started_file(folder):
    """Where `make workshop` notes which tests passed in the folder the learner started from."""
    return folder.parent / f".{folder.name}.started.json"


def worked_at_start(folder, number):
    """Whether a test passed in the folder the learner started from.

    Only a test of an earlier step can have worked there: one of this step
    that passed at the start passed because what it looks for was not there
    yet (no `next` to follow, no throttle to count). Of those, what `start`
    recorded; for another folder, all of them, which every starting folder
    passes (kit/tests/test_workshop.py).
    """
    recorded = started_file(folder)
    passed = set(json.loads(recorded.read_text())) if recorded.exists() else None
    return lambda result: result["since"] < number and (passed is None or result["test"] in passed)
