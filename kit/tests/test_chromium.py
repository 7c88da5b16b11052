"""Finding a browser to drive (kit/chromium.py), on a fake system built in a temporary folder.

Each test starts from a system that has no browser at all: nothing on the
PATH, an empty home folder, empty Windows folders, no Debian Chromium and no
Playwright download. It then installs a fake browser (a small executable
file) in one place, and checks that it is the one found.
"""

from pathlib import Path

import pytest

from kit import chromium

WINDOWS_FOLDERS = ["PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA"]


@pytest.fixture
def system(tmp_path, monkeypatch):
    """A fake system with no browser anywhere; its root folder."""
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in WINDOWS_FOLDERS:
        monkeypatch.setenv(name, str(tmp_path / name))
    # Playwright looks for its downloaded browsers here instead of its cache.
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "ms-playwright"))
    monkeypatch.setattr(chromium, "DEBIAN_CHROMIUM", tmp_path / "usr/lib/chromium/chromium")
    return tmp_path


def install(path):
    """A fake browser at path: a file that may be run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_the_chromium_variable_wins_over_every_browser_installed(system, monkeypatch):
    install(system / "usr/lib/chromium/chromium")
    install(system / "bin/chromium")
    named = install(system / "elsewhere/my-chrome")
    monkeypatch.setenv("CHROMIUM", str(named))
    assert chromium.find_chromium("linux") == named


@pytest.mark.parametrize("what", ["missing", "not executable", "a folder"])
def test_a_chromium_variable_that_names_no_program_is_an_error_that_names_it(
    system, monkeypatch, what
):
    install(system / "usr/lib/chromium/chromium")
    named = system / "elsewhere/my-chrome"
    if what == "not executable":
        install(named).chmod(0o644)
    if what == "a folder":
        named.mkdir(parents=True)
    monkeypatch.setenv("CHROMIUM", str(named))
    with pytest.raises(chromium.NoChromium, match=f"CHROMIUM={named} is not an executable file"):
        chromium.find_chromium("linux")


def test_debians_chromium_is_found_before_a_browser_on_the_path(system):
    debians = install(system / "usr/lib/chromium/chromium")
    install(system / "bin/google-chrome")
    assert chromium.find_chromium("linux") == debians


@pytest.mark.parametrize("name", chromium.NAMES_ON_PATH)
def test_a_browser_on_the_path_is_found(system, name):
    on_path = install(system / "bin" / name)
    assert chromium.find_chromium("linux") == on_path


@pytest.mark.parametrize("application", chromium.MACOS_APPS)
def test_a_macos_browser_in_the_users_applications_is_found(system, application):
    installed = install(system / "home/Applications" / application)
    assert chromium.find_chromium("darwin") == installed


def test_macos_browsers_are_looked_for_in_applications_first():
    places = chromium.likely_places("darwin")
    chrome = Path("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome")
    assert places.index(chrome) < places.index(Path.home() / "Applications" / chromium.MACOS_APPS[0])


@pytest.mark.parametrize("folder", WINDOWS_FOLDERS)
@pytest.mark.parametrize("program", ["Google/Chrome/Application/chrome.exe",
                                     "Microsoft/Edge/Application/msedge.exe"])
def test_a_windows_browser_is_found(system, folder, program):
    installed = install(system / folder / program)
    assert chromium.find_chromium("win32") == installed


def test_windows_prefers_chrome_to_edge(system):
    install(system / "PROGRAMFILES(X86)/Microsoft/Edge/Application/msedge.exe")
    chrome = install(system / "LOCALAPPDATA/Google/Chrome/Application/chrome.exe")
    assert chromium.find_chromium("win32") == chrome


def test_playwrights_own_chromium_is_found_when_it_was_downloaded(system):
    downloaded = install(chromium.where_playwright_puts_chromium())
    assert downloaded.is_relative_to(system / "ms-playwright")
    assert chromium.find_chromium("linux") == downloaded


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_without_a_browser_the_error_says_how_to_get_one(system, platform):
    with pytest.raises(chromium.NoChromium) as error:
        chromium.find_chromium(platform)
    message = str(error.value)
    assert "apt-get install chromium" in message
    assert "install Google Chrome" in message
    assert ".venv/bin/python -m playwright install chromium" in message
    assert "CHROMIUM=" in message


def test_playwrights_download_is_looked_for_while_the_tests_playwright_runs(system, playwright):
    # Without a thread of its own, asking Playwright here fails with its own error.
    with pytest.raises(chromium.NoChromium, match="playwright install chromium"):
        chromium.find_chromium("linux")


def test_without_a_browser_the_browser_tests_skip_and_say_how_to_get_one(system, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        chromium.chromium_launch_args({})


def test_the_browser_tests_launch_the_browser_found_with_the_projects_flags(system, monkeypatch):
    named = install(system / "elsewhere/my-chrome")
    monkeypatch.setenv("CHROMIUM", str(named))
    assert chromium.chromium_launch_args({"headless": True}) == {
        "headless": True, "executable_path": str(named), "args": chromium.CHROMIUM_FLAGS}
