"""`make workshop STEP=N`: a learner's starting folder, and the TASK.md that says what to build.

The folder is a copy of step N-1, named as step N. TASK.md lists the
concepts of step N (from its tests' `concept` markers), the sections of the
chapter to read (from their `section` markers), and what the grader needs
from the folder (from the facilitator's guide, docs/workshop.md).
"""

import json
import re
import secrets
import shutil

from kit.grader.concepts import by_concept, started_file
from kit.grader.hints import headings
from kit.grader.runner import grade, run_suite
from kit.steps import ROOT, STEPS


def start(number, workshop):
    """Copy step N-1's app into the workshop folder, named as step N; return the new folder.

    Without step N-1's chapter and exercises, which would speak of step N-1
    in a folder named as step N: the learner reads step N's chapter.
    """
    name, previous = STEPS[number - 1].name, STEPS[number - 2].name
    folder = workshop / name
    shutil.copytree(
        ROOT / previous, folder,
        ignore=shutil.ignore_patterns("README.md", "EXERCISES.md", "screenshots", "__pycache__"),
    )
    for path in folder.rglob("*"):
        if path.suffix in (".py", ".html"):
            path.write_text(path.read_text().replace(previous, name))
    (folder / "TASK.md").write_text(task(number))
    # The workshop folder has its own instance folder, and so its own key.
    config = workshop / "instance" / "config.py"
    if not config.exists():
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f"SECRET_KEY = {secrets.token_hex(32)!r}\n")
        config.chmod(0o600)
    # What works in the starting folder, so that check can tell when it stops working.
    passed = [result["test"] for result in grade(folder)["results"] if result["outcome"] == "passed"]
    started_file(folder).write_text(json.dumps(passed))
    return folder


def task(number):
    name = STEPS[number - 1].name
    collected = run_suite("--collect-only", graded=name)["results"]
    concepts, _, _ = by_concept(number, collected)
    goals = "\n".join(f"- {concept.title}" for concept in concepts if concept.step == number)
    named = {result["section"] for result in collected if result["since"] == number}
    reading = "\n".join(f"   - {heading}" for heading in headings(number) if heading in named)
    return f"""# Workshop: step {number}

This folder holds the app of step {number - 1}, named `{name}`. Make it step {number}:

{goals}

1. `make check STEP={number}` says what already works and what to do first (it fails
   until you are done). `make check STEP={number} WATCH=1` checks again on every save;
   `VERBOSE=1` lists every failing test.
2. `make run STEP=workshop/{name}` serves your app.
3. Read these sections of the chapter, `{name}/README.md` in the repository, as you go
   (each hint names one):
{reading}
   Its last section, "What changed", is the whole solution as a diff: read it afterwards.

{interface(number)}"""


def interface_sections():
    """The facilitator's guide's "What the grader needs from a folder": its introduction, and
    {step number: its section}."""
    guide = (ROOT / "docs" / "workshop.md").read_text(encoding="utf-8")
    text = guide.split("\n## What the grader needs from a folder\n", 1)[1].split("\n## ", 1)[0]
    intro, *parts = re.split(r"^(?=### )", text, flags=re.M)
    return intro, {int(re.match(r"### Step (\d+)", part).group(1)): part for part in parts}


def interface(number):
    """What the grader needs from a folder, up to step N."""
    intro, sections = interface_sections()
    kept = [section for step, section in sections.items() if step <= number]
    return "## What the grader needs from your folder\n" + intro + "".join(kept)


# A requirement: "- **3.2** The text, on one line or more," up to the next one or the end.
REQUIREMENT = re.compile(r"^- \*\*(\d+\.\d+)\*\* (.*?)(?=^- \*\*|\Z)", re.M | re.S)


def requirements():
    """Every requirement of every step: {"3.2": its text, on one line}."""
    _, sections = interface_sections()
    return {found[1]: " ".join(found[2].split())
            for section in sections.values() for found in REQUIREMENT.finditer(section)}
