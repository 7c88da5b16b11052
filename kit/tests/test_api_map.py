"""docs/flask-login-api.md maps the Flask-Login that is installed, all of it.

The page's tables are read from the Markdown: each row names one thing in
backticks in its first cell, and says in its last cell where a chapter
teaches it, or why the tutorial leaves it out. What they must list comes
from the installed library, never from a list kept here, so that an upgrade
that adds a name, a method or a configuration key fails until the page
has a row for it. (Whether the links lead anywhere is test_docs.py's job.)
"""

import importlib.metadata
import re
from pathlib import Path

import flask_login
import flask_login.config
import pytest

from kit.steps import ROOT

PAGE = ROOT / "docs" / "flask-login-api.md"
SOURCE = Path(flask_login.__file__).parent

# The page's sections, by their `##` headings.
EXPORTS = "What `flask_login` exports"
MANAGER = "`LoginManager`'s methods and attributes"
CONFIG = "The configuration keys Flask-Login reads"
SESSION = "The session keys"

# A row: `name` in the first cell, then the other cells.
ROW = re.compile(r"^\| `([^`]+)` \|(.*)\|$", re.M)
LINK = re.compile(r"\[[^\]]+\]\([^)\s]+\)")
# Where a name is taught: a section of a chapter, or the testing page.
TAUGHT_IN = re.compile(r"\[[^\]]+\]\((?:\.\./step\d\d_\w+/README\.md#[\w-]+|testing\.md)\)")


def sections():
    """The page's text under each `##` heading (its `###` subsections included)."""
    parts = re.split(r"^## (.+)$", PAGE.read_text(encoding="utf-8"), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def rows(heading):
    """The rows of the tables of one section: {name: its last cell}."""
    found = {}
    for name, cells in ROW.findall(sections()[heading]):
        assert name not in found, f"{PAGE.name}, {heading}: `{name}` has two rows"
        found[name] = cells.split("|")[-1].strip()
    return found


def config_keys_read():
    """Every key Flask-Login's source reads from (or writes to) app.config.

    `config.get("KEY"...)` or `config["KEY"]`, however the config is reached
    (`current_app.config`, `app.config`, a local `config`), across lines.
    """
    read = re.compile(r"config(?:\.get\(|\[)\s*[\"']([A-Z][A-Z0-9_]*)[\"']")
    return {key for path in SOURCE.glob("*.py") for key in read.findall(path.read_text(encoding="utf-8"))}


def login_manager_public_names():
    """What a LoginManager offers: its methods, properties and the attributes __init__ sets."""
    return {name for name in dir(flask_login.LoginManager()) if not name.startswith("_")}


def missing_and_extra(listed, installed):
    return sorted(installed - listed), sorted(listed - installed)


def test_the_page_names_the_installed_version():
    """The intro names the version the page was checked against; its links to the docs too."""
    installed = importlib.metadata.version("Flask-Login")
    intro = PAGE.read_text(encoding="utf-8").split("\n## ", 1)[0]
    named = re.findall(r"Flask-Login (\d+(?:\.\d+)+)", intro)
    assert named, f"{PAGE.name}: the intro names no Flask-Login version"
    assert set(named) == {installed}, f"{PAGE.name} names Flask-Login {named}; installed: {installed}"
    for version in re.findall(r"flask-login\.readthedocs\.io/en/([^/]+)/", PAGE.read_text(encoding="utf-8")):
        assert version == installed, f"{PAGE.name} links to the docs of {version}; installed: {installed}"


def test_the_first_table_lists_every_name_flask_login_exports():
    missing, extra = missing_and_extra(set(rows(EXPORTS)), set(flask_login.__all__))
    assert not missing, f"{PAGE.name}, {EXPORTS}: no row for {missing}"
    assert not extra, f"{PAGE.name}, {EXPORTS}: not in flask_login.__all__: {extra}"


def test_the_second_table_lists_every_public_name_of_login_manager():
    missing, extra = missing_and_extra(set(rows(MANAGER)), login_manager_public_names())
    assert not missing, f"{PAGE.name}, {MANAGER}: no row for {missing}"
    assert not extra, f"{PAGE.name}, {MANAGER}: LoginManager has no {extra}"


def test_the_third_table_lists_every_config_key_flask_login_reads():
    keys = config_keys_read()
    # The search itself must work: these keys are read in 0.6.3 and meant to stay.
    assert {"REMEMBER_COOKIE_DURATION", "SESSION_PROTECTION", "USE_SESSION_FOR_NEXT"} <= keys
    missing, extra = missing_and_extra(set(rows(CONFIG)), keys)
    assert not missing, f"{PAGE.name}, {CONFIG}: no row for {missing}"
    assert not extra, f"{PAGE.name}, {CONFIG}: Flask-Login does not read {extra}"


def test_every_name_of_flask_login_config_is_on_the_page():
    """The defaults and settings of flask_login/config.py, exported or not (COOKIE_SAMESITE, EXEMPT_METHODS)."""
    page = PAGE.read_text(encoding="utf-8")
    names = [name for name in vars(flask_login.config) if name.isupper()]
    assert "EXEMPT_METHODS" in names
    missing = [name for name in names if f"`{name}`" not in page]
    assert not missing, f"{PAGE.name} never names {missing}, from flask_login/config.py"


def test_the_session_keys_are_the_ones_flask_login_writes():
    missing, extra = missing_and_extra(set(rows(SESSION)), flask_login.config.SESSION_KEYS)
    assert not missing, f"{PAGE.name}, {SESSION}: no row for {missing}"
    assert not extra, f"{PAGE.name}, {SESSION}: Flask-Login does not write {extra}"


@pytest.mark.parametrize("heading", [EXPORTS, MANAGER, CONFIG, SESSION])
def test_every_row_says_where_it_is_taught_or_why_it_is_left_out(heading):
    """A link to the chapter section that teaches it; or "Left out:", a reason, and where to read on."""
    unsaid = []
    for name, where in rows(heading).items():
        if where.startswith("Left out:"):
            reason = LINK.sub("", where.removeprefix("Left out:")).strip(" .;:")
            if not reason or not LINK.search(where):
                unsaid.append(name)
        elif not TAUGHT_IN.match(where):
            unsaid.append(name)
    assert not unsaid, (
        f"{PAGE.name}, {heading}: these rows neither start with a link to a chapter's section"
        f" nor say `Left out:`, why, and a link to read on: {unsaid}"
    )
