"""The tutorial's text agrees with its code.

- Code a chapter shows as a step's code (marked `<!-- from: PATH -->`) is in
  that file, line for line.
- Every chapter's "What changed" section is the diff of the folders as they are.
- Every chapter's request diagrams are what its step does, recorded again.
- The shell and CLI sessions in a chapter (marked `<!-- shell session -->` and
  `<!-- cli session -->`) print what the chapter says they print, run as a new
  reader runs them: in a fresh clone, after `make run`, in a new terminal.
- Links between the documents lead to files and headings that exist.
"""

import re
import shutil
import subprocess
import sys

import pytest

from kit.fresh_clone import make_fresh_clone, make_run, run_in_one_terminal
from kit.steps import ROOT, step_folders
from kit.scenes import diagrams as chapter_diagrams

STEP_FOLDERS = step_folders()
CHAPTERS = [folder / "README.md" for folder in STEP_FOLDERS]
EXERCISES = [folder / "EXERCISES.md" for folder in STEP_FOLDERS if (folder / "EXERCISES.md").is_file()]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *CHAPTERS, *EXERCISES]

# A fenced block, with the HTML comment on the line just before it, if any
# (one line: a comment further up, such as a diagram's end, is not its marker).
BLOCK = re.compile(r"(?:<!-- (?P<marker>[^\n]*?) -->\n)?^```(?P<lang>\w*)\n(?P<body>.*?)^```$", re.M | re.S)
EXAMPLE_PORT = "http://127.0.0.1:5000"


def blocks(document):
    return list(BLOCK.finditer(document.read_text(encoding="utf-8")))


def name(path):
    return path.relative_to(ROOT).as_posix()


CODE_EXCERPTS = [
    pytest.param(document, block, id=f"{name(document)}:{block['marker'][6:]}:{number}")
    for document in DOCUMENTS
    for number, block in enumerate(blocks(document))
    if (block["marker"] or "").startswith("from: ")
]


@pytest.mark.parametrize("document, block", CODE_EXCERPTS)
def test_code_shown_as_a_steps_code_is_in_that_file(document, block):
    source = ROOT / block["marker"].removeprefix("from: ")
    assert source.is_file(), f"{name(document)} quotes {source}, which does not exist"
    shown = block["body"].splitlines()
    lines = source.read_text(encoding="utf-8").splitlines()
    assert any(
        lines[start : start + len(shown)] == shown for start in range(len(lines))
    ), f"{name(document)} shows code that is not in {name(source)}:\n{block['body']}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=name)
def test_every_code_block_says_where_it_comes_from(document):
    """Python and HTML in the tutorial are the steps' code, or marked as not."""
    for block in blocks(document):
        if block["lang"] in ("python", "html"):
            marker = block["marker"] or ""
            assert marker.startswith("from: ") or marker == "not the step's code", (
                f"{name(document)}: mark this block `<!-- from: PATH -->` or"
                f" `<!-- not the step's code -->`:\n{block['body']}"
            )


def test_what_changed_is_the_diff_of_the_folders_as_they_are():
    """kit/what_changed.py names the chapters whose section is stale, and exits 1."""
    result = subprocess.run(
        [sys.executable, "-m", "kit.what_changed"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, f"{result.stdout}{result.stderr}"


@pytest.mark.since(1)
@pytest.mark.sqlite_only
@pytest.mark.usefixtures("make_app")  # which puts back the demo users kept in memory
def test_the_chapters_diagrams_are_what_the_step_does(step):
    """Recorded again (kit/scenes/diagrams.py), each diagram is the chapter's, byte for byte."""
    chapter = step.path / "README.md"
    notes = chapter_diagrams.differences(chapter, chapter_diagrams.record(step.path))
    assert not notes, "\n".join(notes)


# A loader that does more than the chapter shows: asked again in the same
# request, or making a second query. (name, file, text, replaced with).
LOADERS_THAT_DO_MORE = {
    "the loader asked twice per request": ("step02_user_loader", "auth.py", "", """

@bp.after_app_request
def ask_the_loader_again(response):
    if "_user_id" in session:
        login_manager.user_callback(session["_user_id"])
    return response
"""),
    "the loader making a second query": (
        "step04_database", "auth.py", "        user = User.get_by_id(int(user_id))\n",
        "        User.get_by_id(int(user_id))\n        user = User.get_by_id(int(user_id))\n"),
}
# The diagram of each of those steps that draws a logged-in page.
DRAWS_THE_LOADER = {
    "step02_user_loader": "loader-on-a-later-request",
    "step04_database": "loader-query",
}


def check_diagrams_of(folder):
    return subprocess.run(
        [sys.executable, "-m", "kit.scenes.diagrams", str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("change", LOADERS_THAT_DO_MORE)
def test_a_loader_that_does_more_than_its_chapter_shows_fails_the_check(change, tmp_path):
    """A copy of the step passes the check; changed so that its loader does more, it fails."""
    name, filename, old, new = LOADERS_THAT_DO_MORE[change]
    copy = tmp_path / name
    shutil.copytree(ROOT / name, copy, ignore=shutil.ignore_patterns("__pycache__"))
    unchanged = check_diagrams_of(copy)
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr

    source = copy / filename
    text = source.read_text(encoding="utf-8")
    assert old in text
    source.write_text(text.replace(old, new, 1) if old else text + new, encoding="utf-8")
    changed = check_diagrams_of(copy)
    assert changed.returncode == 1, changed.stdout + changed.stderr
    assert (f"{copy / 'README.md'}: the diagram '{DRAWS_THE_LOADER[name]}' is not what the code"
            " does now; run make docs") in changed.stdout
    # The diff names what changed: a loader call or a query more than the chapter shows.
    added = [line for line in changed.stdout.splitlines() if line.startswith("+    ")]
    assert added and all("Loaders" in line for line in added), changed.stdout


def sessions(chapter):
    """The chapter's shell and CLI sessions, in order, each with the output it shows.

    A shell session is a ```sh block marked `<!-- shell session -->`, followed
    by a ```text block with its output. A CLI session is a ```console block
    marked `<!-- cli session -->` of `$ ...` lines, each followed by its output.
    """
    found = blocks(chapter)
    for block, after in zip(found, found[1:] + [None]):
        if block["marker"] == "shell session":
            assert after is not None and after["lang"] == "text", (
                f"{name(chapter)}: a shell session must be followed by a ```text block"
            )
            yield block["body"], after["body"]
        elif block["marker"] == "cli session":
            for command in re.split(r"^(?=\$ )", block["body"], flags=re.M)[1:]:
                line, _, output = command.partition("\n")
                yield line.removeprefix("$ "), output


@pytest.mark.since(1)
@pytest.mark.sqlite_only
def test_the_chapters_sessions_print_what_the_chapter_shows(step, tmp_path, shows):
    """Every command of the chapter, as a new reader runs them, prints what the chapter shows.

    In a fresh clone, after `make run STEP=N` (on a free port, as FLASK_RUN_PORT;
    with XRAY=1 when the chapter serves the step so), in one new terminal
    where the virtual environment is not activated: so what one block sets (a
    variable, a cookie jar) the next one has. The chapter's commands come
    first, then those of the "What to try" its EXERCISES.md may hold: a
    reader tries things once the chapter is read.
    """
    chapter = step.path / "README.md"
    pages = [page for page in (chapter, step.path / "EXERCISES.md") if page.is_file()]
    assert list(sessions(chapter)), f"{step.name}/README.md has no shell session"
    found = [session for page in pages for session in sessions(page)]
    with_xray = any(f"make run STEP={step.number} XRAY=1" in page.read_text(encoding="utf-8")
                    for page in pages)
    clone = make_fresh_clone(tmp_path)
    with make_run(clone, step.number, xray=with_xray) as terminal:
        printed = run_in_one_terminal(clone, terminal, [commands for commands, _ in found])
    base = f"http://127.0.0.1:{terminal['FLASK_RUN_PORT']}"
    for (commands, shown), output in zip(found, printed):
        expected = shown.replace(EXAMPLE_PORT, base).rstrip("\n")
        assert shows(expected, output.strip("\n")), (
            f"{commands}\nprinted:\n{output}\nthe chapter shows:\n{shown}"
        )


def test_every_command_in_the_documents_runs_from_the_virtual_environment():
    """`.venv/bin/flask`, never a bare `flask`: a new terminal has no virtual environment active."""
    for document in DOCUMENTS:
        for block in blocks(document):
            if block["lang"] in ("sh", "console"):
                bare = re.findall(r"^\$? ?(?:[A-Z_]+=\S+ )*(flask|python|pip|gunicorn) ", block["body"], re.M)
                assert not bare, f"{name(document)}: run {bare[0]} from .venv/bin:\n{block['body']}"


def heading_anchors(document):
    """The anchors GitHub makes from a Markdown document's headings."""
    text = re.sub(r"^```.*?^```$", "", document.read_text(encoding="utf-8"), flags=re.M | re.S)
    headings = re.findall(r"^#+ (.+)$", text, re.M)
    return {
        re.sub(r"[^\w\- ]", "", heading.lower().replace("`", "")).replace(" ", "-")
        for heading in headings
    }


LINK = re.compile(r"\]\((?!https?:|mailto:)([^)\s]*)\)")


@pytest.mark.parametrize("document", DOCUMENTS, ids=name)
def test_links_lead_to_files_and_headings_that_exist(document):
    for target in LINK.findall(document.read_text(encoding="utf-8")):
        path, _, anchor = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        assert linked.exists(), f"{name(document)} links to {target}, which does not exist"
        if anchor:
            if linked.is_dir():
                linked = linked / "README.md"
            assert anchor in heading_anchors(linked), (
                f"{name(document)} links to #{anchor}, not a heading of {name(linked)}"
            )


def test_the_steps_table_lists_each_step_with_its_run_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for number, folder in enumerate(STEP_FOLDERS, start=1):
        row = re.search(rf"^\| {number} \| \[`{folder.name}`\]\({folder.name}/\) \|.*$", readme, re.M)
        assert row, f"README.md: the steps table has no linked row for {folder.name}"
        assert f"`make run STEP={number}`" in row.group(0)


IMAGE = re.compile(r"!\[[^\]]+\]\((screenshots/[^)]+\.png)\)")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=name)
def test_each_chapter_shows_screenshots_of_its_own_step_and_all_of_them(chapter):
    """The images exist (make screenshots takes them), and none is left unused."""
    shown = set(IMAGE.findall(chapter.read_text(encoding="utf-8")))
    assert shown, f"{name(chapter)} shows no screenshot of its step"
    for image in shown:
        assert (chapter.parent / image).is_file(), f"{name(chapter)} shows {image}, which is missing"
    taken = {
        path.relative_to(chapter.parent).as_posix()
        for path in chapter.parent.glob("screenshots/*.png")
    }
    assert taken == shown, f"{name(chapter)}: screenshots not shown: {sorted(taken - shown)}"
