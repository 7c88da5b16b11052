"""How the property-based tests (Hypothesis) try their examples.

Each test reuses its app across examples on purpose: every example makes
its own requests, and derandomize=True makes every run try the same inputs,
so that a failure is reproducible. How many examples: tests/conftest.py.
"""

from hypothesis import HealthCheck, settings


FUZZ = settings(
    deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
