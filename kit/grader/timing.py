"""How long `make check` takes on each reference step: `python -m kit.grader time`, `make budgets`."""

import contextlib
import os
import statistics
import subprocess
import sys
import time

from kit.grader.runner import TWO_PROCESSES_FROM
from kit.steps import ROOT, STEPS


def check_seconds(number, runs=3):
    """Seconds `make check STEP=N` takes on the reference step, as a facilitator runs it (median)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "kit.grader", "check", str(number),
             "--dir", str(STEPS[number - 1].path)],
            cwd=ROOT, capture_output=True, check=True,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@contextlib.contextmanager
def one_core_free():
    """Every core but one kept busy, by processes that only count."""
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range((os.cpu_count() or 1) - 1)]
    try:
        yield
    finally:
        for process in busy:
            process.kill()
            process.wait()


def check_timings(runs=3):
    """(what was timed, seconds, limit) for `make check` on each reference step after the first.

    Where two processes grade (step 4 on), once more with one core free: a
    figure for a machine that has no second core to spare, with no limit.
    """
    for step in STEPS[1:]:
        yield f"make check STEP={step.number}", check_seconds(step.number, runs), step.check_seconds
        if step.number >= TWO_PROCESSES_FROM:
            with one_core_free():
                seconds = check_seconds(step.number, runs)
            yield f"make check STEP={step.number}, with one core free", seconds, None


def time_checks(runs=3):
    """Print how long `make check STEP=N` takes on each reference step."""
    print("| make check | seconds | limit | |")
    print("| --- | ---: | ---: | --- |")
    over = 0
    for what, seconds, limit in check_timings(runs):
        within = limit is None or seconds <= limit
        over += not within
        print(f"| {what} | {seconds:.1f} | {limit or ''} | {'ok' if within else 'OVER'} |")
    return over == 0
