"""Write the chapters' request diagrams from recordings of the steps.

    python -m kit.scenes.diagrams           # name the stale diagrams (exit 1 if any)
    python -m kit.scenes.diagrams --write   # rewrite them (`make docs`)
    python -m kit.scenes.diagrams FOLDER    # check a copy of a step, named like it

A chapter shows the requests that teach it as Mermaid sequence diagrams,
each between `<!-- recorded by make docs: NAME -->` and `<!-- /recorded -->`.
What is between the markers is generated, never edited by hand: the step's
walk (kit/steps.py), the one its tour plays, is played by test clients
(kit/scenes/engine.py), and each request of the scenes that name the
diagram becomes its arrows: the same arrows (sequence.py) as the tour's
pictures, written in Mermaid.

The same code gives the same text, byte for byte: what changes from run to
run (a token, a login's token) is drawn as `<token>`, and a cookie as its
name, lifetime and flags. tests/test_docs.py records again and fails while a
chapter's diagram is not what its step does.
"""

import difflib
import logging
import re
import sys
from pathlib import Path

from kit.scenes import sequence
from kit.scenes.engine import ClientDriver, play
from kit.steps import shown_path, step_folders

# A diagram's place in its chapter: `make docs` rewrites what is between the two.
START, END = "<!-- recorded by make docs: {name} -->", "<!-- /recorded -->"
BLOCK = re.compile(
    r"(<!-- recorded by make docs: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /recorded -->)", re.S
)
# A token, a login's token or a cookie's value, as the X-ray shortens it:
# its first characters (random) and its length. With or without quotes.
SHORTENED = re.compile(r"'?[!-~]{1,8}… \(\d+ characters\)'?")
# Mermaid reads `;` as the end of a line and `#` as the start of an entity,
# and drops what looks like an HTML tag: each is written as an entity, but
# `;`, which in a cookie's flags reads as well as a comma in the Markdown.
MERMAID_ENTITIES = {"#": "#35;", ";": ",", "<": "#lt;", ">": "#gt;"}
# Mermaid names each of the tour's lanes (sequence.LANES) by one word.
IDS = ["Browser", "Flask", "FlaskLogin", "Loaders", "Database"]


def steady(label):
    """The label without what changes from run to run: tokens as <token>."""
    return SHORTENED.sub("<token>", label)


def mermaid_text(label):
    return "".join(MERMAID_ENTITIES.get(character, character) for character in steady(label))


def mermaid(records):
    """The requests as one Mermaid sequence diagram, in a fenced block."""
    arrows = [arrow for record in records for arrow in sequence.arrows(record)]
    used = sorted({lane for arrow in arrows for lane in (arrow.start, arrow.end)})
    lines = ["```mermaid", "sequenceDiagram"]
    for lane in used:
        shown = sequence.LANES[lane]
        lines.append(f"    participant {IDS[lane]}" + ("" if shown == IDS[lane] else f" as {shown}"))
    for arrow in arrows:
        # Dashed for an answer, as the tour draws it.
        line = "-->>" if arrow.answer else "->>"
        lines.append(f"    {IDS[arrow.start]}{line}{IDS[arrow.end]}: {mermaid_text(arrow.label)}")
    return "\n".join([*lines, "```"])


def record(folder):
    """Each diagram of the step in folder: {name: its Mermaid block}."""
    drawn = {}
    for scene in play(folder, ClientDriver(), Path(folder).name).scenes:
        if scene.diagram:
            drawn.setdefault(scene.diagram, []).extend(scene.records)
    return {name: mermaid(records) for name, records in drawn.items()}


def blocks(chapter):
    """The chapter's recorded diagrams: {name: the text between its markers}."""
    return {found["name"]: found["body"].rstrip("\n") for found in BLOCK.finditer(chapter)}


def with_diagrams(chapter, diagrams):
    """The chapter's text with each recorded diagram put between its markers."""
    def put(found):
        return f"{found[1]}{diagrams.get(found['name'], found['body'].rstrip())}\n{found[4]}"

    return BLOCK.sub(put, chapter)


def differences(chapter, recorded):
    """One sentence per diagram the chapter lacks, or shows otherwise than it was recorded."""
    shown = blocks(chapter.read_text(encoding="utf-8"))
    where = shown_path(chapter)
    notes = []
    for name, diagram in recorded.items():
        if name not in shown:
            notes.append(f"{where}: no place for the diagram '{name}': put {START.format(name=name)}"
                         f" and {END} where the text talks about it, then run make docs")
        elif shown[name] != diagram:
            changed = difflib.unified_diff(shown[name].splitlines(), diagram.splitlines(),
                                           "the chapter", "the code now", lineterm="", n=1)
            notes.append(f"{where}: the diagram '{name}' is not what the code does now;"
                         " run make docs\n" + "\n".join(changed))
    notes += [f"{where}: no scene of the step's walk (kit/steps.py) records the diagram '{name}'"
              for name in shown if name not in recorded]
    return notes


def quiet():
    """The apps log their loader calls in debug mode: the diagrams show them already."""
    from flask.logging import default_handler

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    default_handler.setLevel(logging.WARNING)


def main(argv):
    quiet()
    write = "--write" in argv
    folders = [Path(each).resolve() for each in argv if each != "--write"] or step_folders()
    notes = []
    for folder in folders:
        chapter, recorded = folder / "README.md", record(folder)
        if write:
            text = chapter.read_text(encoding="utf-8")
            rewritten = with_diagrams(text, recorded)
            if rewritten != text:
                chapter.write_text(rewritten, encoding="utf-8")
                print(f"rewrote: {shown_path(chapter)}")
        notes += differences(chapter, recorded)
    for note in notes:
        print(note)
    return 1 if notes else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
