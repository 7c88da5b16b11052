"""The hint the grader shows for a failing test: the paragraph of the chapter that teaches it.

Every graded test names the section of its step's chapter that teaches what
it checks (`@pytest.mark.section("Validating `next`")`), and, when the
section teaches several things, words of the paragraph to show.
"""

import functools
import re
import textwrap
from dataclasses import dataclass

from kit.steps import STEPS, shown_path


@functools.cache
def headings(number):
    """The headings of step N's chapter, in order."""
    chapter = (STEPS[number - 1].path / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^#+ (.+)$", chapter, re.M)


@functools.cache
def blocks_of(number, section):
    """The blocks of a section of step N's chapter (section_blocks), read once: the audit and
    a grade ask for the same sections again and again."""
    chapter = STEPS[number - 1].path / "README.md"
    text = chapter.read_text(encoding="utf-8")
    found = re.search(rf"^(#+) {re.escape(section)}\n", text, re.M)
    if not found:
        raise LookupError(f"{shown_path(chapter)} has no section {section!r}")
    return tuple(section_blocks(text[found.end():], len(found.group(1))))


def has_titled_paragraphs(number, section):
    """Whether the section has two paragraphs or list items or more with titles of their own
    (`**The secret key.** ...`): then it teaches several topics, and a test that names no
    paragraph would be shown the first, whatever it checks."""
    titled = [text for block in blocks_of(number, section) if block.kind in ("prose", "list")
              for text in block.text.split("\n") if text.startswith("**")]
    return len(titled) >= 2


def hint(number, section, paragraph=None):
    """The paragraph of step N's chapter that teaches a test's point, from its section.

    The section's first paragraph, or the first block that contains the words
    `paragraph` when the test names them (of a list, the items with them). A
    paragraph that ends in a colon introduces what follows it (a list, a code
    block), which is shown too; code is shown with the paragraph after it.
    """
    chapter = STEPS[number - 1].path / "README.md"
    blocks = blocks_of(number, section)
    # The first paragraph of prose; or the first block with the words asked
    # for, prose before code.
    wanted = [block for block in blocks if paragraph is None or paragraph in block.text]
    wanted.sort(key=lambda block: block.kind in ("code", "table"))
    if paragraph is None:
        wanted = [block for block in wanted if block.kind in ("prose", "list")]
    start = next((blocks.index(block) for block in wanted), None)
    if start is None:
        raise LookupError(f"{shown_path(chapter)}, {section!r}, has no paragraph"
                          + (f" with {paragraph!r}" if paragraph else " of prose"))
    shown, following = [blocks[start]], list(blocks[start + 1:])
    if shown[0].kind == "list" and paragraph:
        # The item with the words, not the whole list around it.
        items = [item for item in shown[0].text.split("\n") if paragraph in item]
        shown = [Block("list", "\n".join(items))] if items else shown
    if shown[0].kind in ("code", "table"):
        # Code alone says how, not why: with the paragraph after it, unless
        # that one introduces more code.
        if following and following[0].kind not in ("code", "picture") and not following[0].text.endswith(":"):
            shown.append(following[0])
    else:
        # A colon promises what comes next; a picture, which a terminal cannot
        # show, is said in a line, with the paragraph after it.
        while following and (shown[-1].text.endswith(":") or shown[-1].kind == "picture"):
            shown.append(following.pop(0))
    body = "\n".join(block.shown() for block in shown)
    return f'{shown_path(chapter)}, "{section}":\n' + textwrap.indent(body, "    ")


@dataclass(frozen=True)
class Block:
    kind: str  # "prose", "list", "code", "table" or "picture" (a line that says what it shows)
    text: str

    def shown(self, width=88, code_lines=16):
        if self.kind in ("code", "table"):
            lines = self.text.splitlines()
            lines = lines[:code_lines] + (["..."] if len(lines) > code_lines else [])
            return textwrap.indent("\n".join(lines), "    ")
        if self.kind == "list":
            return "\n".join(textwrap.fill(item, width, initial_indent="- ", subsequent_indent="  ")
                             for item in self.text.split("\n"))
        return textwrap.fill(self.text, width)


def section_blocks(text, level):
    """A section's paragraphs, lists and code blocks, up to the next heading of its level or above.

    Without what a terminal cannot show: HTML comments, and diagrams and
    pictures, each of which leaves a line that says what it shows (a
    paragraph that ends in a colon may introduce one).
    """
    blocks, lines = [], []

    def end_block():
        if lines:
            if lines[0].startswith(("- ", "* ")):
                items = re.split(r"\n(?=[-*] )", "\n".join(lines))
                blocks.append(Block("list", "\n".join(" ".join(item[2:].split()) for item in items)))
            else:
                blocks.append(Block("prose", " ".join(" ".join(lines).split())))
            lines.clear()

    rows = iter(text.splitlines())
    for line in rows:
        if re.match(rf"#{{1,{level}}} ", line):
            break
        if line.startswith("```"):
            end_block()
            code = []
            for inside in rows:
                if inside.startswith("```"):
                    break
                code.append(inside)
            if line.strip() == "```mermaid":
                blocks.append(Block("picture", "(The chapter shows a diagram here.)"))
            else:
                blocks.append(Block("code", "\n".join(code)))
        elif line.startswith("|"):
            end_block()
            if blocks and blocks[-1].kind == "table":
                blocks[-1] = Block("table", f"{blocks[-1].text}\n{line}")
            else:
                blocks.append(Block("table", line))
        elif line.startswith("!["):
            end_block()
            described = re.match(r"!\[([^\]]*)", line).group(1)
            blocks.append(Block("picture", f"(The chapter shows a picture here: {described}.)"))
        elif not line.strip() or line.startswith("<!--"):
            end_block()
        else:
            lines.append(line)
    end_block()
    return blocks
