"""How long `make check` takes on each reference step: `python -m kit.grader time`, `make budgets`."""

import statistics
import subprocess
import sys
import time

from kit.steps import ROOT, STEPS

# The longest a learner waits for the verdict on their own step's first concept.
FIRST_VERDICT_SECONDS = 2


def check_seconds(number, runs=3):
    """Seconds `make check STEP=N` takes on the reference step, as a facilitator runs it:
    to the line of the step's first concept, and to the end (medians)."""
    first, total = [], []
    for _ in range(runs):
        started, first_line = time.perf_counter(), None
        with subprocess.Popen(
            [sys.executable, "-m", "kit.grader", "check", str(number),
             "--dir", str(STEPS[number - 1].path)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        ) as grading:
            for line in grading.stdout:
                if first_line is None and line.startswith("   1. "):
                    first_line = time.perf_counter() - started
        first.append(first_line)
        total.append(time.perf_counter() - started)
        if grading.returncode != 0:
            raise RuntimeError(f"make check STEP={number} failed on the reference step")
    return statistics.median(first), statistics.median(total)


def check_timings(runs=3):
    """(what was timed, seconds, limit) for `make check` on each reference step after the first."""
    for step in STEPS[1:]:
        first, total = check_seconds(step.number, runs)
        yield f"make check STEP={step.number}: its first concept", first, FIRST_VERDICT_SECONDS
        yield f"make check STEP={step.number}", total, step.check_seconds


def time_checks(runs=3):
    """Print how long `make check STEP=N` takes on each reference step."""
    print("| make check | seconds | limit | |")
    print("| --- | ---: | ---: | --- |")
    over = 0
    for what, seconds, limit in check_timings(runs):
        within = seconds <= limit
        over += not within
        print(f"| {what} | {seconds:.1f} | {limit} | {'ok' if within else 'OVER'} |")
    return over == 0
