"""`make canary`: the full suite on what a reader will install next.

A fresh environment in .canary/ with the newest release of every package that
requirements.txt and requirements-dev.txt pin, or with Flask-Login from a
local checkout (FLASK_LOGIN=path, for its unreleased main branch). The full
suite runs there (as `make test FULL=1` runs it, with the same servers if
TEST_DATABASE_URL and TEST_REDIS_URL name them); each test that fails there
runs again in the pinned .venv. The summary says which versions differ from
the pins, and which tests fail only on the newer packages: the claims and
code to look at before raising a pin. For maintainers; not part of `make test`.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from kit.steps import ROOT

CANARY = ROOT / ".canary"
PINNED_PYTHON = ROOT / ".venv" / "bin" / "python"
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")


def pinned_names():
    """Every package the requirements files pin (for this platform), by name."""
    names = []
    for file in REQUIREMENTS:
        for line in (ROOT / file).read_text().splitlines():
            found = re.match(r"([A-Za-z0-9_.-]+)==[^;\s]+\s*(;\s*(.+))?$", line.strip())
            if found and not (found.group(3) and "win32" in found.group(3)):
                names.append(found.group(1))
    return names


def installed(python):
    """{name: version} of what the environment of python holds, names lowercased."""
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format=json"],
                            capture_output=True, text=True, check=True).stdout
    return {package["name"].lower().replace("_", "-"): package["version"] for package in json.loads(listed)}


def make_environment(flask_login):
    """A new .canary/venv with the newest releases, or Flask-Login from the checkout given."""
    shutil.rmtree(CANARY, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(CANARY / "venv")], check=True)
    python = CANARY / "venv" / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade"]
    subprocess.run([*pip, *pinned_names()], check=True)
    if flask_login:
        subprocess.run([*pip, str(Path(flask_login).resolve())], check=True)
    # make's stamp of an installed environment: the tests' fresh clones link
    # their .venv to this one, and `make run` there must not build its own.
    (CANARY / "venv" / "installed").touch()
    return python


def run_suite(python, name, tests=()):
    """The full suite (or the tests given) with python: the ids of the tests that failed.

    pytest's own cache (`lastfailed`), in a folder of this run's own, names them.
    """
    cache = CANARY / f"cache-{name}"
    env = {**os.environ, "FULL": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    command = [str(python), "-m", "pytest", "-q", "-o", f"cache_dir={cache}"]
    command += ["-n", "auto", "--dist", "worksteal"] if not tests else []
    subprocess.run([*command, *tests], cwd=ROOT, env=env)
    lastfailed = cache / "v" / "cache" / "lastfailed"
    return sorted(json.loads(lastfailed.read_text())) if lastfailed.exists() else []


def summary(pinned, newer, only_newer, failed_both):
    lines = ["Versions that differ from the pins:"]
    changed = sorted(name for name in newer if pinned.get(name) != newer[name] and name in pinned)
    lines += [f"  {name}: {pinned[name]} -> {newer[name]}" for name in changed] or ["  none"]
    lines.append("Tests that fail on the newer packages and pass on the pinned ones:")
    lines += [f"  {test}" for test in only_newer] or ["  none"]
    if failed_both:
        lines.append("Tests that fail on both (the machine, not the packages):")
        lines += [f"  {test}" for test in failed_both]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flask-login", help="a local checkout of Flask-Login to install")
    args = parser.parse_args()
    python = make_environment(args.flask_login)
    failed = run_suite(python, "newer")
    again = run_suite(PINNED_PYTHON, "pinned", failed) if failed else []
    only_newer = [test for test in failed if test not in again]
    report = summary(installed(PINNED_PYTHON), installed(python), only_newer, again)
    (CANARY / "summary.txt").write_text(report + "\n")
    print(report)
    return 1 if only_newer else 0


if __name__ == "__main__":
    sys.exit(main())
