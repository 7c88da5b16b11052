"""Under load (`make loadtest`): no 5xx, no wrong page, no user lost or doubled."""

import re
import subprocess
import sys

import pytest

from kit.steps import ROOT

pytestmark = pytest.mark.slow


def test_logins_pages_and_add_user_together_never_fail(step, database_url):
    """kit/measure/loadtest.py exits 1 on any 5xx, connection error, wrong page, or row lost or doubled."""
    command = [sys.executable, "-m", "kit.measure.loadtest", "--step", step.name,
               "--clients", "8", "--seconds", "8", "--workers", "2"]
    if database_url:
        command += ["--database-url", database_url]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    report = result.stdout
    # Both threads tried every name: one added it, the other was refused.
    added, refused = map(int, re.search(r"(\d+) added, (\d+) refused as duplicates", report).groups())
    assert added >= 1
    assert refused == added
    assert int(re.search(r"(\d+) x 302", report).group(1)) >= 8  # every client logged in
    assert "rows         lost or doubled: 0" in report
