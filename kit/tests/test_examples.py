"""The examples of docs/testing.md pass, run as a reader runs the tests of their own project.

docs/examples/testing/ is a test folder of its own, with its own pytest.ini:
the project's pytest settings, and the kit's plugins, do not reach it, and
`make test` does not collect it. This test runs it.
"""

import os
import re
import subprocess
import sys

from kit.steps import ROOT

EXAMPLES = ROOT / "docs" / "examples" / "testing"


def test_every_example_of_the_testing_page_runs_and_passes():
    # Every example is a test function of its own: each must run, and pass.
    written = sum(
        len(re.findall(r"^def test_", path.read_text(encoding="utf-8"), re.M))
        for path in EXAMPLES.glob("test_*.py")
    )
    assert written > 0, f"no tests in {EXAMPLES}"
    # Without the settings of the run that started this one (pytest-xdist's, say).
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", EXAMPLES.relative_to(ROOT).as_posix(), "-q",
         "-p", "no:cacheprovider"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    # "13 passed in 2.4s": nothing failed, skipped or warned.
    assert re.search(rf"^{written} passed in ", result.stdout, re.M), result.stdout + result.stderr
