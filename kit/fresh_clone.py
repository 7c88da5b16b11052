"""A fresh clone of the repository, `make run` in it, and a new terminal, as a new reader has them.

The docs tests run each chapter's commands here: in a copy of the files git
knows (as they are in the working tree), with `.venv` linked to the tests'
own virtual environment (so nothing is installed again), `make run STEP=N`
serving on a free port given as FLASK_RUN_PORT, and a terminal in which the
virtual environment is not activated and no variable of the tests is set.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from kit.steps import ROOT

# What a new terminal does not have: the tests' own settings.
NOT_IN_A_NEW_TERMINAL = (
    "FLASK_", "DATABASE_URL", "TEST_DATABASE_URL", "TEST_REDIS_URL", "RATELIMIT_",
    "TRUSTED_PROXIES", "VIRTUAL_ENV", "PYTEST_", "WORKSHOP_REPORT", "SCREENSHOTS", "XRAY", "FULL",
    "PYTHONPYCACHEPREFIX",
    # What `make test` hands on to the makes it starts: its settings, XRAY=1 among them.
    "MAKEFLAGS", "MFLAGS", "MAKELEVEL",
)


def make_fresh_clone(folder):
    """Copy what a clone would have into folder, modification times kept (make compares them)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a file deleted in the working tree is not copied
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    (folder / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    return folder


def new_terminal(port):
    """The environment of a new terminal, with FLASK_RUN_PORT set to port."""
    venv_bin = str(Path(sys.prefix) / "bin")
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(NOT_IN_A_NEW_TERMINAL)}
    env["PATH"] = os.pathsep.join(
        folder for folder in env.get("PATH", "").split(os.pathsep) if folder != venv_bin
    )
    env["FLASK_RUN_PORT"] = str(port)
    return env


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def make_run(clone, step_number, xray=False):
    """`make run STEP=N` (XRAY=1 if asked) in the clone, until the block ends.

    Gives the environment of the terminal to run the commands in.
    """
    port = free_port()
    env = new_terminal(port)
    log_path = clone / "make-run.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"STEP={step_number}",
             *(["XRAY=1"] if xray else [])],
            cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # the server and its reloader, stopped together
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"make run did not serve:\n{log_path.read_text()}") from None
                time.sleep(0.1)
        yield env
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def run_in_one_terminal(clone, env, command_groups):
    """Run each group of shell commands in turn, in one bash; what each printed (stdout and stderr)."""
    script = ["exec 2>&1"]
    for number, commands in enumerate(command_groups):
        script += ["printf '\\n::output %d::\\n'" % number, commands]
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)], cwd=clone, env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=300,
    )
    pieces = result.stdout.split("\n::output ")[1:]
    printed = [piece.split("::\n", 1)[1] for piece in pieces]
    assert len(printed) == len(command_groups), result.stdout
    return printed
