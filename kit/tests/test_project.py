"""The set-up a newcomer relies on: pinned packages, the Makefile, CI."""

import ast
import glob
import inspect
import os
import pathlib
import shutil
import re
import subprocess
import sys

import peewee
import psycopg
import pytest

from kit.steps import ROOT, step_folders
from kit.pytest_steps import not_installed

# name==version, optionally for some platforms only: `; sys_platform == "win32"`.
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([0-9][0-9A-Za-z.\-]*)( ; .+)?$")


def requirement_lines(filename):
    for line in (ROOT / filename).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-r "):
            yield line


@pytest.mark.parametrize("filename", ["requirements.txt", "requirements-dev.txt"])
def test_every_requirement_is_pinned_to_an_exact_version(filename):
    for line in requirement_lines(filename):
        assert PIN.match(line), f"{filename}: {line!r} is not pinned as name==version"


def test_pyproject_names_the_same_versions_as_the_requirements():
    pins = {
        line.split(" ;")[0].lower()
        for filename in ("requirements.txt", "requirements-dev.txt")
        for line in requirement_lines(filename)
    }
    # Every quoted "name==version" in pyproject.toml (tomllib needs Python 3.11).
    declared = re.findall(r'"([A-Za-z0-9_.\-]+==[^"]+)"', (ROOT / "pyproject.toml").read_text())
    assert len(declared) >= 6
    assert {line.lower() for line in declared} <= pins


def test_ci_runs_the_readmes_full_test_command_and_again_with_the_xray():
    assert "make test FULL=1" in (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test FULL=1$", ci, re.M)
    assert re.search(r"^make test FULL=1 XRAY=1$", ci, re.M)
    # `eval "$(kit/bin/throwaway-postgres start)"` carries on when the start fails.
    assert 'eval "$(' not in ci, "start each server in an assignment, then eval it"


def make_dry_run(*arguments):
    """What `make -n` would run (nothing is executed), and its exit code.

    In a reader's terminal: without the XRAY=1 of `make test XRAY=1`, which
    make also hands on to the makes it starts (in MAKEFLAGS).
    """
    env = {name: value for name, value in os.environ.items()
           if name not in ("XRAY", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", *arguments],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    return result.returncode, result.stdout + result.stderr


def test_no_test_hides_another_of_the_same_name():
    """Python keeps the last of two functions with one name: the first would never run."""
    for path in sorted([*(ROOT / "tests").rglob("test_*.py"), *(ROOT / "kit").rglob("test_*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for scope in [tree, *(node for node in ast.walk(tree) if isinstance(node, ast.ClassDef))]:
            names = [node.name for node in scope.body if isinstance(node, ast.FunctionDef)]
            twice = sorted({name for name in names if names.count(name) > 1})
            assert not twice, f"{path.relative_to(ROOT)} defines {twice} twice"


@pytest.mark.parametrize("folder", step_folders(), ids=lambda folder: folder.name)
def test_make_run_accepts_the_step_number_or_folder_name(folder):
    number = str(int(folder.name[4:6]))
    command = f".venv/bin/flask --app {folder.name} run --debug"
    for step in (number, folder.name):
        exit_code, output = make_dry_run("run", f"STEP={step}")
        assert exit_code == 0, output
        assert command in output


def test_make_run_with_xray_serves_the_step_through_the_xray():
    for step in ("3", "step03_login_required"):
        exit_code, output = make_dry_run("run", f"STEP={step}", "XRAY=1")
        assert exit_code == 0, output
        assert """.venv/bin/flask --app "kit.xray:create_app('step03_login_required')" run --debug""" in output


def test_make_run_names_a_missing_step():
    exit_code, output = make_dry_run("run", "STEP=9")
    assert exit_code == 2
    assert "No step '9'. Try: make run STEP=1" in output
    assert "flask" not in output


def test_make_run_creates_the_database_until_its_file_exists(tmp_path, monkeypatch):
    """init-db costs half a second before the first page: once the SQLite file exists, it is
    skipped; on PostgreSQL (DATABASE_URL), where no file says so, it runs every time."""
    (tmp_path / "step04_database").mkdir()
    (tmp_path / "instance").mkdir()
    monkeypatch.delenv("DATABASE_URL", raising=False)

    def prepares(**env):
        result = subprocess.run(
            ["make", "-n", "--no-print-directory", "-f", ROOT / "Makefile", "run", "STEP=4",
             "--assume-old=setup"],
            cwd=tmp_path, env={**os.environ, **env}, capture_output=True, text=True, timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return "kit.prepare step04_database" in result.stdout

    assert prepares()
    (tmp_path / "instance" / "step04_database.db").touch()
    assert not prepares()
    assert prepares(DATABASE_URL="postgresql://localhost/tutorial")


def test_make_writes_a_random_secret_key_once(tmp_path):
    """The instance key: random, readable by its owner only, never overwritten."""
    def make_key():
        subprocess.run(
            ["make", "--no-print-directory", "-f", ROOT / "Makefile", "instance/config.py"],
            cwd=tmp_path, check=True, capture_output=True, timeout=60,
        )
        return tmp_path / "instance" / "config.py"

    config = make_key()
    first = config.read_text()
    assert re.fullmatch(r"SECRET_KEY = '[0-9a-f]{64}'\n", first)
    assert config.stat().st_mode & 0o777 == 0o600
    assert make_key().read_text() == first


def test_the_steps_with_a_database_also_run_on_postgresql(request):
    """Skips without a server (fails on CI, which always has one), saying how to get one."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        not_installed(
            "step 7 ran on SQLite only. To run it on PostgreSQL too:"
            ' apt-get install postgresql; eval "$(kit/bin/throwaway-postgres start)"; make test'
        )
    with psycopg.connect(url) as connection:
        assert connection.info.server_version >= 150000
    databases = {step.database for step in request.config.steps_under_test}
    assert "postgresql" in databases


def test_throwaway_postgres_starts_after_a_server_that_died_without_stopping():
    """A killed machine leaves postmaster.pid behind; the next start must not fail on it."""
    bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bindirs:
        not_installed("PostgreSQL is not installed: apt-get install postgresql")
    folder = f"/tmp/flask-login-tutorial-postgres-{os.getpid()}"
    env = {**os.environ, "THROWAWAY_POSTGRES_DIR": folder, "THROWAWAY_POSTGRES_PORT": "54339"}
    tool = [str(ROOT / "kit" / "bin" / "throwaway-postgres")]
    # As root, the server runs as the postgres user (as the tool does it).
    as_owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []

    def start():
        return subprocess.run([*tool, "start"], env=env, capture_output=True, text=True,
                              timeout=120, cwd="/")

    try:
        assert start().returncode == 0
        pid_file = pathlib.Path(folder, "data", "postmaster.pid")
        left_behind = pid_file.read_bytes()
        subprocess.run([*as_owner, f"{bindirs[-1]}/pg_ctl", "--pgdata", f"{folder}/data",
                        "--mode=immediate", "stop"], check=True, capture_output=True, cwd="/")
        pid_file.write_bytes(left_behind)
        shutil.chown(pid_file, pid_file.parent.owner())

        again = start()
        assert again.returncode == 0, again.stderr
        url = again.stdout.strip().removeprefix("export TEST_DATABASE_URL=")
        assert url == "postgresql://postgres@127.0.0.1:54339/postgres"
        with psycopg.connect(url) as connection:
            assert connection.execute("select 1").fetchone() == (1,)
    finally:
        subprocess.run([*tool, "stop"], env=env, capture_output=True, timeout=120, cwd="/")
    assert not os.path.exists(folder)


def test_the_learners_size_budgets_hold():
    """Step 1 in 120 lines and 3 templates, the front page in 1,500 words, chapters in 2,000.

    `make budgets` prints these with the start-up times, which no test asserts.
    """
    result = subprocess.run(
        [sys.executable, "-m", "kit.measure.budgets", "--sizes-only"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Every budget holds." in result.stdout



def test_make_bench_counts_what_step_8_sends_postgresql_for_an_anonymous_page(request):
    """With DATABASE_URL, step 8 runs on PostgreSQL too, beside SQLite: a page that needs no user
    still sends one statement, the pool's check (docs/performance.md, "The pool's check")."""
    if not os.environ.get("TEST_DATABASE_URL"):
        not_installed(
            "make bench ran on SQLite only. To measure PostgreSQL too:"
            ' apt-get install postgresql; eval "$(kit/bin/throwaway-postgres start)"; make test'
        )
    url = request.getfixturevalue("postgresql_url")
    result = subprocess.run(
        [sys.executable, "-m", "kit.measure.bench", "--rounds", "1", "--requests", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "DATABASE_URL": url},
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"^\| step 8 on SQLite \| \d+ \| 0 \| \d+ \| 1 \|$", result.stdout, re.M)
    assert re.search(r"^\| step 8 on PostgreSQL \| \d+ \| 1 \| \d+ \| 2 \|$", result.stdout, re.M)
    assert ("step 8 on PostgreSQL: an anonymous page sends the database 1 statement(s):"
            " OVER the budget of none") in result.stdout

def test_make_bench_prints_its_table():
    result = subprocess.run(
        [sys.executable, "-m", "kit.measure.bench", "--rounds", "2", "--requests", "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for row in ("| step 4, logged-in home page |", "| step 8, logged-in home page |",
                "| peer: Flask-SQLAlchemy, logged-in home page |",
                "| peer: Flask-SQLAlchemy, anonymous home page |",
                "| floor: Flask-Login and sqlite3, logged-in home page |", "| `scrypt:131072:8:1` |"):
        assert row in result.stdout
    # Each app in a process of its own, and which database each used.
    assert "Each app in a process of its own" in result.stdout
    assert "a SQLite file through `playhouse.pool.PooledSqliteDatabase`" in result.stdout
    # Every loader step against the peer and against the floor, the middle half of the rounds,
    # and a verdict of three (with two rounds on a busy machine, noise can make a ratio negative).
    verdict = r"(within|at|OVER) the budget of"
    for step in ("step 4", "step 5", "step 6", "step 7", "step 8"):
        assert re.search(rf"^{step}: being logged in costs -?\d+\.\d\d of the peer's"
                         rf" \(middle half -?\d+\.\d\d–-?\d+\.\d\d\): {verdict} 0\.67\b",
                         result.stdout, re.M), step
        assert re.search(rf"^{step}: the logged-in page takes \d+\.\d\d times the floor's"
                         rf" \(middle half \d+\.\d\d–\d+\.\d\d\): {verdict} 2 times\b",
                         result.stdout, re.M), step
    # A token call timed in every step that has tokens, against its budget.
    for step in ("step 5", "step 6", "step 7", "step 8"):
        assert re.search(rf"^\| {step} \| \d+ \| \d+–\d+ \| 1 \| (within|at the budget|OVER) \|$",
                         result.stdout, re.M), step
        assert re.search(rf"^{step}: a token call takes \d+ µs .*: {verdict} 2500 µs\b", result.stdout, re.M), step


@pytest.mark.since(4)
@pytest.mark.sqlite_only
def test_the_user_loader_catches_exactly_peewees_does_not_exist(app):
    """The idiom the tutorial teaches from step 4: a query in `try`, `except Model.DoesNotExist`.

    Of the reference steps only (a learner may write `get_or_none`): the
    function registered with Flask-Login has a handler for a peewee
    DoesNotExist, and none for every exception.
    """
    # The function the step wrote, under the X-ray's wrapper if there is one.
    loader = inspect.unwrap(app.login_manager._user_callback)
    tree = ast.parse(inspect.getsource(loader).lstrip())
    handlers = [node for node in ast.walk(tree) if isinstance(node, ast.ExceptHandler)]
    caught = [eval(compile(ast.Expression(handler.type), "<except>", "eval"), loader.__globals__)
              for handler in handlers if handler.type is not None]
    assert len(caught) == len(handlers), "a bare `except:` turns every error into a logout"
    assert caught and all(issubclass(error, peewee.DoesNotExist) for error in caught), caught


# SQL written as text: a keyword of a statement followed by its second part.
SQL_TEXT = re.compile(r"\b(SELECT\b.*\bFROM|INSERT\s+INTO|UPDATE\b.*\bSET|DELETE\s+FROM)\b", re.S)


@pytest.mark.parametrize("folder", step_folders(), ids=lambda folder: folder.name)
def test_no_step_writes_sql_by_hand(folder):
    """Every query is peewee's: no execute_sql, no .raw(), no SQL in a string."""
    for path in folder.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "execute_sql" not in source and ".raw(" not in source, path
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not SQL_TEXT.search(node.value), f"{path}: {node.value!r}"


# What step 6 teaches: a word of it in steps 1 and 2 (their code or their chapter) is a lesson
# given too early. A link to step 6 is no lesson: link targets are left out.
TAUGHT_IN_STEP_6 = re.compile(
    r"remember[ -]me|remember cookie|remember_token|\b_fresh\b|\b_id\b|session protection"
    r"|fresh_login_required|confirm_login", re.I)


@pytest.mark.parametrize("folder", step_folders()[:2], ids=lambda folder: folder.name)
def test_steps_1_and_2_say_nothing_of_what_step_6_teaches(folder):
    for path in [*folder.rglob("*.py"), *folder.rglob("*.html"), folder / "README.md"]:
        text = path.read_text(encoding="utf-8").split("\n## What changed\n")[0]
        text = re.sub(r"\]\([^)]*\)", "]", text)
        assert not TAUGHT_IN_STEP_6.findall(text), (path, TAUGHT_IN_STEP_6.findall(text))
