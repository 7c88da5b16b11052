"""Under load (tools/loadtest.py): no 5xx, no wrong page, no user lost or doubled."""

import pytest

from tools import loadtest

pytestmark = [pytest.mark.since(4), pytest.mark.slow]


def test_logins_pages_and_add_user_together_never_fail(step, database_url):
    figures = loadtest.run(step.name, clients=8, seconds=8, workers=2, database_url=database_url)
    assert loadtest.problems(figures) == []
    # Both threads tried every name: one added it, the other was refused.
    assert figures["adds_succeeded"] >= 1
    assert figures["adds_refused_as_duplicates"] == figures["adds_succeeded"]
    assert figures["statuses"].get(302, 0) >= 8  # every client logged in
