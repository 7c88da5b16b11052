"""How long `make check` takes on each reference step: `python -m kit.grader time`, `make budgets`."""

import os
import statistics
import subprocess
import sys
import time

from kit.steps import ROOT, STEPS

# The longest a learner waits for the verdict on their own step's first concept.
FIRST_VERDICT_SECONDS = 2
# A fixed piece of pure Python, timed before and after the runs: the machine's speed, whatever
# the code. Two runs of the grade compare only as well as their yardsticks agree.
YARDSTICK_ADDITIONS = 20_000_000


def yardstick_seconds():
    """Seconds the machine takes for YARDSTICK_ADDITIONS additions in Python."""
    started, total = time.perf_counter(), 0
    for number in range(YARDSTICK_ADDITIONS):
        total += number
    return time.perf_counter() - started


def one_check(number):
    """Seconds `make check STEP=N` takes once on the reference step, as a facilitator runs it:
    to the line of the step's first concept, and to the end."""
    started, first_line = time.perf_counter(), None
    with subprocess.Popen(
        [sys.executable, "-m", "kit.grader", "check", str(number), "--dir", str(STEPS[number - 1].path)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    ) as grading:
        for line in grading.stdout:
            if first_line is None and line.startswith("   1. "):
                first_line = time.perf_counter() - started
    if grading.returncode != 0:
        raise RuntimeError(f"make check STEP={number} failed on the reference step")
    return first_line, time.perf_counter() - started


def check_runs(runs=3):
    """{step number: (seconds to the first concept, seconds to the end), a pair per run}.

    The steps take turns, one run each: a busy minute on the machine slows a
    run of several steps, not every run of one, and each step's median is
    then a quiet run's.
    """
    timed = {step.number: [] for step in STEPS[1:]}
    for _ in range(runs):
        for number, pairs in timed.items():
            pairs.append(one_check(number))
    return timed


def timed_checks(runs=3):
    """(what was timed, the seconds of each run, limit) for `make check` on each reference step
    after the first: to its first concept's line, and to the end."""
    for number, pairs in check_runs(runs).items():
        yield f"make check STEP={number}: its first concept", [first for first, _ in pairs], FIRST_VERDICT_SECONDS
        yield f"make check STEP={number}", [total for _, total in pairs], STEPS[number - 1].check_seconds


def check_timings(runs=3):
    """(what was timed, median seconds, limit), as `make budgets` prints them."""
    for what, seconds, limit in timed_checks(runs):
        yield what, statistics.median(seconds), limit


def time_checks(runs=3):
    """Print how long `make check STEP=N` takes on each reference step: the median of the runs,
    which the limit judges, the fastest run, which is what the code costs on a quiet
    machine, and every run in the order they ran. A median well above the fastest says that
    the machine was busy; so does a yardstick slower than its usual figure."""
    runs_said = "1 run" if runs == 1 else f"{runs} runs, the steps taking turns"
    print(f"{runs_said}; load average (1 minute) before: {os.getloadavg()[0]:.1f}; "
          f"yardstick before: {yardstick_seconds():.2f} s.\n")
    print("| make check | median s | fastest s | every run, s | limit | |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    over = 0
    for what, seconds, limit in timed_checks(runs):
        median = statistics.median(seconds)
        within = median <= limit
        over += not within
        every, verdict = " ".join(f"{each:.1f}" for each in seconds), "ok" if within else "OVER"
        print(f"| {what} | {median:.1f} | {min(seconds):.1f} | {every} | {limit} | {verdict} |")
    print(f"\nYardstick after: {yardstick_seconds():.2f} s ({YARDSTICK_ADDITIONS:,} additions in Python).")
    return over == 0
