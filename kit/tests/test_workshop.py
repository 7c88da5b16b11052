"""Workshop mode: the grader itself (a maintainer's check, like rustlings' `dev check`).

The grader is driven as a facilitator drives it: `python -m kit.grader`,
in the full suite only (`make test FULL=1`, as CI runs it). It grades every
starting folder, and variants of the reference steps: right ones, written
otherwise, must pass; the mistakes learners make must fail, with a hint from
the section that teaches the point.
"""

import json
import shutil
import subprocess
import sys

import pytest

from kit.doc_output import matches
from kit.steps import ROOT, STEP_NAMES
from kit.grader.cli import TWO_PROCESSES_FROM, hint, run_suite, started_file, worked_at_start

def workshop(*arguments):
    result = subprocess.run(
        [sys.executable, "-m", "kit.grader", *map(str, arguments)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    return result.returncode, result.stdout + result.stderr


def graded(number, folder):
    """The grader's verdict on folder as step N: its concepts, and its first failing test."""
    code, output = workshop("check", number, "--dir", folder, "--json")
    assert code == 0, output
    return json.loads(output)


def test_every_graded_test_belongs_to_a_concept_and_names_a_section_of_its_chapter():
    code, output = workshop("audit")
    assert code == 0, output
    assert output.endswith(" 0 problems.\n")


@pytest.mark.parametrize("number", range(2, len(STEP_NAMES) + 1))
def test_a_starting_folder_fails_its_steps_concepts_and_passes_the_earlier_ones(number, tmp_path):
    code, output = workshop("start", number, "--workshop", tmp_path)
    assert code == 0, output
    assert (tmp_path / "instance" / "config.py").is_file()
    for concept in graded(number, tmp_path / STEP_NAMES[number - 1])["concepts"]:
        assert concept["passed"] == (concept["step"] < number), concept["title"]


def test_the_facilitators_guide_shows_what_check_prints_on_a_new_folder(tmp_path):
    workshop("start", 3, "--workshop", tmp_path)
    folder = tmp_path / STEP_NAMES[2]
    code, printed = workshop("check", 3, "--dir", folder)
    assert code == 1
    printed = printed.replace(str(folder), "workshop/step03_login_required")
    guide = (ROOT / "docs" / "workshop.md").read_text(encoding="utf-8")
    shown = guide.split("<!-- make check on a new step 3 folder -->\n```text\n")[1].split("\n```")[0]
    # "..." in the guide stands for test counts, which grow as tests are added.
    assert matches(shown, printed.rstrip("\n")), printed


def test_start_refuses_to_overwrite_work_unless_forced(tmp_path):
    workshop("start", 2, "--workshop", tmp_path)
    learners_work = tmp_path / STEP_NAMES[1] / "auth.py"
    learners_work.write_text("# the learner's work\n")
    code, output = workshop("start", 2, "--workshop", tmp_path)
    assert code == 1
    assert "already exists and may hold your work" in output
    assert learners_work.read_text() == "# the learner's work\n"
    code, _ = workshop("start", 2, "--workshop", tmp_path, "--force")
    assert code == 0
    assert "load_user" in learners_work.read_text()


def test_a_starting_folder_is_named_as_its_step_and_says_what_to_do(tmp_path):
    workshop("start", 4, "--workshop", tmp_path)
    folder = tmp_path / "step04_database"
    assert "step03_login_required" not in (folder / "__init__.py").read_text()
    assert not (folder / "README.md").exists()
    task = (folder / "TASK.md").read_text()
    assert "make check STEP=4" in task
    assert "The loader: a query that may find nothing" in task  # a section to read
    assert '"What changed", is the whole solution' in task
    assert "## What the grader needs from your folder" in task
    assert "### Step 4" in task and "### Step 5" not in task


# Variants of the reference steps: (step, what changes, edits). An edit is
# (file, old text, new text), or (old file, None, new file) for a rename.
RIGHT = {
    "another log line": (2, [
        ("auth.py", 'current_app.logger.debug("load_user(%r)", user_id)',
         'current_app.logger.info("loading user %s", user_id)'),
    ]),
    "no log line, print": (2, [
        ("auth.py", 'current_app.logger.debug("load_user(%r)", user_id)', 'print("load_user", user_id)'),
    ]),
    "the users in another module, under another name": (2, [
        ("users.py", None, "accounts.py"),
        ("accounts.py", "USERS = {", "ACCOUNTS = {"),
        ("accounts.py", "in USERS.values()", "in ACCOUNTS.values()"),
        ("auth.py", "from .users import USERS, find_user", "from .accounts import ACCOUNTS, find_user"),
        ("auth.py", "    user = USERS.get(user_id)", "    user = ACCOUNTS.get(user_id)"),
    ]),
    "a refused next sends the user to the profile, not home": (3, [
        ("auth.py", '''@bp.route("/login", methods=("GET", "POST"))''', '''def next_page():
    """Where to go after a login: next if safe, the profile if next was refused, else home."""
    target = request.form.get("next") or request.args.get("next")
    if not target:
        return url_for("index")
    return target if is_safe_redirect(target) else url_for("pages.profile")


@bp.route("/login", methods=("GET", "POST"))'''),
        ("auth.py", 'redirect(requested_next() or url_for("index"))', "redirect(next_page())"),
    ]),
    "a refused next is carried by the login form as the profile page": (3, [
        ("auth.py", '''@bp.route("/login", methods=("GET", "POST"))''', '''def next_for_the_form():
    """The next the login form carries: the one asked for if safe, else the profile."""
    target = request.args.get("next")
    if target is None:
        return None
    return target if is_safe_redirect(target) else url_for("pages.profile")


@bp.route("/login", methods=("GET", "POST"))'''),
        ("auth.py", 'render_template("login.html", error=error, next=requested_next())',
         'render_template("login.html", error=error, next=next_for_the_form())'),
    ]),
    "the loader as User.get_or_none": (4, [
        ("auth.py", '''    try:
        user = User.get_by_id(int(user_id))
    except User.DoesNotExist:
        # No such row (a deleted user, say): an anonymous visitor. Catch exactly this,
        # never every exception: a database that is down must be an error page, not a logout.
        return None
    # A user switched off after logging in is logged out on the next request.
    if not user.is_active:''', '''    user = User.get_or_none(User.id == int(user_id))
    # A user switched off after logging in is logged out on the next request.
    if user is None or not user.is_active:'''),
    ]),
    "init-db named in single quotes": (4, [
        ("cli.py", '@click.command("init-db")', "@click.command('init-db')"),
    ]),
    "init-db named by Click after the function init_db": (4, [
        ("cli.py", '@click.command("init-db")\n@with_appcontext\ndef init_db():',
         "@click.command()\n@with_appcontext\ndef init_db():"),
    ]),
    "another model, table and fields: Account, accounts, username, enabled": (4, [
        ("users.py", "    name = CharField(max_length=64, unique=True)",
         "    username = CharField(max_length=64, unique=True)"),
        ("users.py", "    active = BooleanField(default=True)", "    enabled = BooleanField(default=True)"),
        ("users.py", "        return self.active", "        return self.enabled"),
        ("users.py", "User.create(name=name, password_hash=hash_password(password), active=active)",
         "User.create(username=name, password_hash=hash_password(password), enabled=active)"),
        ("cli.py", "update_user(username, active=False)", "update_user(username, enabled=False)"),
        ("cli.py", "update_user(username, active=True)", "update_user(username, enabled=True)"),
        ("*.py", "User.name", "User.username"),
        ("*.py", "user.name", "user.username"),
        ("*.html", "user.name", "user.username"),
        ("*.py", "User.", "Account."),
        ("auth.py", "from .users import User,", "from .users import Account,"),
        ("cli.py", "from .users import User\n", "from .users import Account\n"),
        ("cli.py", "[User]", "[Account]"),
        ("users.py", "class User(", "class Account("),
        ("users.py", 'table_name = "users"', 'table_name = "accounts"'),
    ]),
    "tokens as AccessKey rows in access_keys, made with token_hex": (5, [
        ("*.py", "ApiToken", "AccessKey"),
        ("tokens.py", 'table_name = "api_tokens"', 'table_name = "access_keys"'),
        ("tokens.py", "secrets.token_urlsafe(32)", "secrets.token_hex(32)"),
        ("tokens.py", 'TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")', 'TOKEN = re.compile(r"[0-9a-f]{64}")'),
    ]),
    "the API's blueprint renamed, last_used to the second, labels refused in other words": (5, [
        ("api.py", 'Blueprint("api",', 'Blueprint("json_api",'),
        ("auth.py", 'request.blueprint != "api"', 'request.blueprint != "json_api"'),
        ("auth.py", 'request.blueprint == "api"', 'request.blueprint == "json_api"'),
        ("api.py", 'moment.isoformat() + "Z"', 'moment.strftime("%Y-%m-%dT%H:%M:%SZ")'),
        ("cli.py", 'raise click.BadParameter("A token\'s name is 1 to 64 printable characters.")',
         'raise click.ClickException("Give the token a short label, on one line.")'),
    ]),
    "tokens stored as an HMAC keyed with the secret": (5, [
        ("tokens.py", "    return hashlib.sha256(token.encode()).hexdigest()",
         "    return hmac.new(current_app.secret_key.encode(), token.encode(), 'sha256').hexdigest()"),
        ("tokens.py", "import hashlib\n", "import hashlib\nimport hmac\n\nfrom flask import current_app\n"),
    ]),
    "the login's loader as a join with get_or_none": (6, [
        ("auth.py", '''    try:
        login = (
            Login.select(Login, User)
            .join(User)
            .where(
                (Login.token_hash == logins.hash_login_token(token))
                & (Login.created > logins.oldest_allowed())
            )
            .get()
        )
    except Login.DoesNotExist:
        # An unknown token, a login that was ended, or one past its lifetime.
        return None
    user = login.user
    # A user switched off after logging in is logged out on the next request.
    if not user.is_active:
        return None''', '''    login = (
        Login.select(Login, User)
        .join(User)
        .where((Login.token_hash == logins.hash_login_token(token))
               & (Login.created > logins.oldest_allowed()) & User.active)
        .get_or_none()
    )
    if login is None:
        return None
    user = login.user'''),
    ]),
    "logins' tokens made with token_hex": (6, [
        ("logins.py", "secrets.token_urlsafe(32)", "secrets.token_hex(32)"),
        ("logins.py", 'TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")', 'TOKEN = re.compile(r"[0-9a-f]{64}")'),
    ]),
    "the list of logins and the greeting in other markup": (6, [
        ("templates/profile.html", "      <tr>\n", '      <tr class="login">\n'),
        ("templates/profile.html", '''<td>{{ login.created.strftime("%Y-%m-%d %H:%M") }}</td>''',
         '''<td class="started"><time>{{ login.created.isoformat(timespec="seconds") }}Z</time></td>'''),
        ("templates/profile.html", "<strong>this one</strong>", "<em>this one</em>"),
        ("templates/index.html", "<h1>Hello, {{ current_user.name }}!</h1>",
         '<p class="greeting">Hello, {{ current_user.name }}!</p>'),
        ("templates/index.html", "<h1>Hello, visitor!</h1>", '<p class="greeting">Hello, visitor!</p>'),
    ]),
    "a login's fields renamed: started, browser": (6, [
        ("logins.py", "    created = DateTimeField(default=utc_now)",
         "    started = DateTimeField(default=utc_now)"),
        ("logins.py", "    user_agent = CharField(max_length=200)",
         "    browser = CharField(max_length=200)"),
        ("logins.py", "user_agent=user_agent)", "browser=user_agent)"),
        ("*.py", "Login.created", "Login.started"),
        ("templates/profile.html", "login.created", "login.started"),
        ("templates/profile.html", "login.user_agent", "login.browser"),
    ]),
    "modules renamed": (7, [
        ("users.py", None, "accounts.py"),
        ("auth.py", None, "login_views.py"),
        ("*.py", "from .users import", "from .accounts import"),
        ("cli.py", "from . import logins, tokens, users", "from . import accounts as users, logins, tokens"),
        ("__init__.py", "from . import api, auth, cli, pages, throttle",
         "from . import api, cli, pages, throttle\nfrom . import login_views as auth"),
    ]),
    "another development key, and the warning in other words": (7, [
        ("__init__.py", 'DEVELOPMENT_SECRET_KEY = "dev"', 'DEVELOPMENT_SECRET_KEY = "only-for-development"'),
        ("__init__.py", '''        "Using the development SECRET_KEY from the repository."
        " Anyone can forge sessions for this app: never use it in production."''',
         '''        "Signing cookies with a key that anyone can read: fine here, never in production."'''),
    ]),
}

WRONG = {
    "int() without a guard": (2, "What it returns: a user or `None`, never an exception", [
        ("auth.py", '''    if not isinstance(user_id, str):
        return None
    user = USERS.get(user_id)''', '''    user = USERS.get(str(int(user_id)))'''),
    ]),
    "is_active() as a method": (2, ("2. A `User` class", "@property"), [
        ("users.py", "    @property\n    def is_active(self):", "    def is_active(self):"),
    ]),
    'startswith("/") as the only check of next': (3, "Validating `next`", [
        ("redirects.py", "    return (\n        isinstance(target, str)",
         '    return isinstance(target, str) and target.startswith("/")\n    return (\n        isinstance(target, str)'),
    ]),
    "the login form carries next unchecked": (3, "Validating `next`", [
        ("auth.py", 'render_template("login.html", error=error, next=requested_next())',
         'render_template("login.html", error=error, next=request.args.get("next"))'),
    ]),
    "a loader that catches every exception": (4, ("The loader: a query that may find nothing",
                                                  "Caught here, every one of them"), [
        ("auth.py", "    except User.DoesNotExist:", "    except Exception:"),
    ]),
    "a look before the insert, no unique index": (4, ("Managing users from the command line",
                                                      "The unique index on name"), [
        ("users.py", "name = CharField(max_length=64, unique=True)", "name = CharField(max_length=64)"),
        ("cli.py", '''    try:
        users.add_user(username, password)
    except IntegrityError:
        # The unique index on name, not a check before the insert: two
        # commands running at once cannot both get past it.
        raise click.ClickException(f"There is already a user called {username}.") from None''',
         '''    if users.find_user(username) is not None:
        raise click.ClickException(f"There is already a user called {username}.")
    users.add_user(username, password)'''),
    ]),
    "a token in the query string": (5, ("Tokens: random, shown once, stored as a hash", "`?api_key=`"), [
        ("tokens.py", '''    scheme, _, token = request.headers.get("Authorization", "").partition(" ")''',
         '''    if request.args.get("api_key"):
        return request.args["api_key"]
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")'''),
    ]),
}


def test_the_facilitators_guide_lists_every_variant():
    guide = (ROOT / "docs" / "workshop.md").read_text(encoding="utf-8")
    table = guide.split("<!-- the variants of kit/tests/test_workshop.py -->\n")[1].split("\n\n")[0]
    listed = {row.split(" | ")[0].removeprefix("| "): row for row in table.splitlines()[2:]}
    assert listed.keys() == RIGHT.keys() | WRONG.keys()
    for name, (number, *_) in {**RIGHT, **WRONG}.items():
        assert listed[name].startswith(f"| {name} | {number} | {'pass' if name in RIGHT else 'fail'}")


def variant(tmp_path, number, edits):
    """A copy of reference step N with the edits made; each must apply."""
    name = STEP_NAMES[number - 1]
    folder = tmp_path / name
    shutil.copytree(ROOT / name, folder, ignore=shutil.ignore_patterns("README.md", "screenshots", "__pycache__"))
    for target, old, new in edits:
        if old is None:
            (folder / target).rename(folder / new)
            continue
        paths = sorted(folder.rglob(target)) if "*" in target else [folder / target]
        changed = 0
        for path in paths:
            text = path.read_text()
            if old in text:
                path.write_text(text.replace(old, new))
                changed += 1
        assert changed, f"the edit of {target} no longer applies: {old!r}"
    return folder


@pytest.mark.parametrize("change", RIGHT)
def test_a_right_step_written_otherwise_passes(tmp_path, change):
    number, edits = RIGHT[change]
    verdict = graded(number, variant(tmp_path, number, edits))
    assert verdict["first_failure"] is None, verdict["first_failure"]


@pytest.mark.parametrize("change", WRONG)
def test_a_known_mistake_fails_with_a_hint_from_the_section_that_teaches_it(tmp_path, change):
    number, section, edits = WRONG[change]
    section, paragraph = section if isinstance(section, tuple) else (section, None)
    failure = graded(number, variant(tmp_path, number, edits))["first_failure"]
    assert failure is not None, "the mistake passed"
    assert (failure["section"], failure["paragraph"]) == (section, paragraph), failure


def test_a_warning_from_the_folder_is_shown_and_fails_nothing(tmp_path):
    """Flask-Limiter warns when nobody names its storage: one line, not every test failed."""
    folder = variant(tmp_path, 7, [
        ("__init__.py", 'RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI", "memory://")',
         'RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI")'),
    ])
    verdict = graded(7, folder)
    assert verdict["first_failure"] is None, verdict["first_failure"]
    assert any("in-memory storage" in warning["message"] for warning in verdict["warnings"])
    code, printed = workshop("check", 7, "--dir", folder)
    assert code == 0
    assert "Warnings (" in printed and "UserWarning: Using the in-memory storage" in printed


def test_values_of_next_that_crash_are_listed_with_those_followed(tmp_path):
    folder = variant(tmp_path, 3, [
        ("redirects.py", "    return (\n        isinstance(target, str)", '''    if target and target.lower().startswith("javascript:"):
        raise ValueError("not a URL this check knows")
    return isinstance(target, str) and target.startswith("/")
    return (
        isinstance(target, str)'''),
    ])
    failure = graded(3, folder)["first_failure"]
    assert failure["test"].startswith("tests/test_next.py::test_no_hostile_next_is_followed"), failure
    message = "\n".join(failure["message"])
    assert "raised ValueError" in message and "evil.example" in message, message


def test_two_processes_share_the_tests_each_once_and_report_them_in_order():
    """From step 4 on two processes share a grade: no test is lost or run twice, and the
    results come in the order of one process, whose first failure is the one shown."""
    step = STEP_NAMES[TWO_PROCESSES_FROM - 1]
    alone = [result["test"] for result in run_suite("--collect-only", graded=step)["results"]]
    shared = [result["test"] for result in run_suite("--collect-only", graded=step, processes=2)["results"]]
    assert len(alone) > 100
    assert shared == alone


def test_only_an_earlier_steps_test_worked_at_the_start(tmp_path):
    """A step 3 test that passed in the step 2 folder passed because there was no `next` yet."""
    folder = tmp_path / STEP_NAMES[2]
    folder.mkdir()
    earlier, own = "tests/test_login.py::test_x", "tests/test_next.py::test_no_hostile_next_is_followed"
    started_file(folder).write_text(json.dumps([earlier, own]))
    worked = worked_at_start(folder, 3)
    assert worked({"test": earlier, "since": 1})
    assert not worked({"test": own, "since": 3})
    assert not worked({"test": "tests/test_login.py::test_y", "since": 1})


@pytest.mark.parametrize("section, paragraph, shown", [
    ("Protecting a page", None, 'login_manager.login_view = "auth.login"'),
    ("Protecting a page", "ask for JSON", '"application/json"'),
])
def test_a_hint_shows_what_its_paragraph_introduces(section, paragraph, shown):
    text = hint(3, section, paragraph)
    assert shown in text
    assert not text.endswith(":")


def test_a_concept_that_worked_at_the_start_and_broke_says_so(tmp_path):
    """Break step 1's carol check in a step 2 workshop: the grader says it used to work."""
    workshop("start", 2, "--workshop", tmp_path)
    folder = tmp_path / STEP_NAMES[1]
    users = folder / "users.py"
    users.write_text(users.read_text().replace("    @property\n    def is_active(self):", "    def is_active(self):"))
    code, printed = workshop("check", 2, "--dir", folder)
    assert code == 1
    assert "This worked in the folder you started from." in printed
    assert 'Hint, from step01_minimal/README.md, "2. A `User` class"' in printed


def test_verbose_lists_every_failing_test(tmp_path):
    workshop("start", 3, "--workshop", tmp_path)
    code, printed = workshop("check", 3, "--dir", tmp_path / STEP_NAMES[2], "--verbose")
    assert code == 1
    listed = printed.split("Every failing test (")[1]
    count = int(listed.split(")")[0])
    assert count > 10
    assert listed.count("(read: step 3, ") == count
