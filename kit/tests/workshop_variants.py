"""The reference steps written otherwise: the ways a learner may get a step right, and wrong.

kit/tests/test_workshop.py grades each variant: a right one must pass, a
wrong one must fail with the hint of the section that teaches its point;
the facilitator's guide lists them all.
"""

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
    "the demo accounts stored with scrypt hashes made ahead of time": (4, [
        ("cli.py", "            if users.find_user(name) is None:\n                users.add_user(name, password, active)",
         "            if users.find_user(name) is None:\n"
         "                User.create(name=name, password_hash=DEMO_HASHES[name], active=active)"),
        ("cli.py", "password_option = click.password_option(callback=valid_password)\n", '''password_option = click.password_option(callback=valid_password)

# The demo accounts' passwords, hashed once at full strength: init-db hashes nothing.
DEMO_HASHES = {
    "alice": "scrypt:131072:8:1$TpYtNYs41R6X5k8e$37c177fff0eea770d70c85247551c0f1895607103a8dccca"
             "7922e515f289362bffc16f99b18862b6ebd002000282e8c73c9c11c20e0097d3a9017c02c10bccb3",
    "bob": "scrypt:131072:8:1$gju2kejy5N0RG9Z3$7d6195685d1001d877f9b04a302f72f920b3f4dbf0406173d72e9e"
           "33de6590373215e155dcf44423171513e6b4a3c5f6de1f50b2988c527c186da485f8209bbd",
    "carol": "scrypt:131072:8:1$MRY8sgbZLcvGlNJF$e7106130a9f27a7db245fc7be404cf3dd8883e3f32688f15ac3d"
             "e02da339240eb0703df8aaff2e79504e12415085df113632e712fb553f2fa28ff1c42eed0068",
}
'''),
    ]),
    "a dummy hash for unknown users, made once in create_app": (4, [
        ("__init__.py", "    os.makedirs(app.instance_path, exist_ok=True)\n",
         "    os.makedirs(app.instance_path, exist_ok=True)\n"
         "    # What an unknown user's password is checked against: made once, never matched.\n"
         '    app.config["DUMMY_PASSWORD_HASH"] = generate_password_hash(\n'
         '        secrets.token_urlsafe(), app.config["PASSWORD_HASH_METHOD"])\n'),
        ("__init__.py", "import os\n", "import os\nimport secrets\n"),
        ("__init__.py", "from flask_wtf.csrf import CSRFProtect\n",
         "from flask_wtf.csrf import CSRFProtect\nfrom werkzeug.security import generate_password_hash\n"),
        ("users.py", '    check_password_hash(current_app.config["PASSWORD_HASH_METHOD"] + "$salt$no-hash", password)',
         '    check_password_hash(current_app.config["DUMMY_PASSWORD_HASH"], password)'),
    ]),
    "playhouse's FlaskDB in place of Flask-Peewee": (4, [
        ("db.py", "from flask_peewee.db import Database\n", "from playhouse.flask_utils import FlaskDB\n"),
        ("db.py", "db = Database()", "db = FlaskDB()"),
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
    "the API's blueprint renamed, created to the second, labels refused in other words": (5, [
        ("api.py", 'Blueprint("api",', 'Blueprint("json_api",'),
        ("auth.py", 'request.blueprint != "api"', 'request.blueprint != "json_api"'),
        ("auth.py", 'request.blueprint == "api"', 'request.blueprint == "json_api"'),
        ("api.py", 'row.created.isoformat() + "Z"', 'row.created.strftime("%Y-%m-%dT%H:%M:%SZ")'),
        ("cli.py", 'raise click.BadParameter("A token\'s name is 1 to 64 printable characters.")',
         'raise click.ClickException("Give the token a short label, on one line.")'),
    ]),
    "tokens stored as an HMAC keyed with the secret": (5, [
        ("tokens.py", "    return hashlib.sha256(token.encode()).hexdigest()",
         "    return hmac.new(current_app.secret_key.encode(), token.encode(), 'sha256').hexdigest()"),
        ("tokens.py", "import hashlib\n", "import hashlib\nimport hmac\n\nfrom flask import current_app\n"),
    ]),
    "a Bearer header with two spaces accepted": (5, [
        ("tokens.py", '    scheme, _, token = request.headers.get("Authorization", "").partition(" ")',
         '    scheme, _, token = request.headers.get("Authorization", "").partition(" ")\n'
         '    token = token.lstrip(" ")  # RFC 6750 allows more than one space'),
    ]),
    '/api/me for a browser says "token": null': (5, [
        ("api.py", '        return {"username": current_user.name, "authenticated_by": "session"}',
         '        return {"username": current_user.name, "authenticated_by": "session", "token": None}'),
    ]),
    "token ids listed as strings": (5, [
        ("api.py", '        {"id": row.id, "name": row.name,', '        {"id": str(row.id), "name": row.name,'),
    ]),
    "the remember checkbox with value 1, ticked only as 1": (6, [
        ("templates/login.html", '<input type="checkbox" name="remember">', '<input type="checkbox" name="remember" value="1">'),
        ("auth.py", 'login_user(user, remember=bool(request.form.get("remember")))',
         'login_user(user, remember=request.form.get("remember") == "1")'),
    ]),
    "a failed password change answered with a flash and a redirect": (6, [
        ("pages.py", '''            flash("Your password has been changed.")
            return redirect(url_for("pages.profile"))
    return render_template("settings.html", error=error)''', '''            flash("Your password has been changed.")
            return redirect(url_for("pages.profile"))
        flash(error)
        return redirect(url_for("pages.settings"))
    return render_template("settings.html", error=None)'''),
    ]),
    "get_id() refuses a user without a login": (7, [
        ("users.py", '''        # token of this login, not the user's id, so that it can be ended.
        return self.login_token''', '''        # token of this login, not the user's id, so that it can be ended.
        if self.login_token is None:
            raise RuntimeError(f"{self.name} has no login: log in first.")
        return self.login_token'''),
    ]),
    "the remember checkbox labelled with <label for>": (6, [
        ("templates/login.html", '<label><input type="checkbox" name="remember"> Remember me for 14 days</label>',
         '<input type="checkbox" id="remember" name="remember">\n'
         '    <label for="remember">Remember me for 14 days</label>'),
    ]),
    "the login's loader as a join with get_or_none": (7, [
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
    "logins' tokens made with token_hex": (7, [
        ("logins.py", "secrets.token_urlsafe(32)", "secrets.token_hex(32)"),
        ("logins.py", 'TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")', 'TOKEN = re.compile(r"[0-9a-f]{64}")'),
    ]),
    "the list of logins and the greeting in other markup": (7, [
        ("templates/profile.html", "      <tr>\n", '      <tr class="login">\n'),
        ("templates/profile.html", '''<td>{{ login.created.strftime("%Y-%m-%d %H:%M") }}</td>''',
         '''<td class="started"><time>{{ login.created.isoformat(timespec="seconds") }}Z</time></td>'''),
        ("templates/profile.html", "<strong>this one</strong>", "<em>this one</em>"),
        ("templates/index.html", "<h1>Hello, {{ current_user.name }}!</h1>",
         '<p class="greeting">Hello, {{ current_user.name }}!</p>'),
        ("templates/index.html", "<h1>Hello, visitor!</h1>", '<p class="greeting">Hello, visitor!</p>'),
    ]),
    "a login's fields renamed: started, browser": (7, [
        ("logins.py", "    created = DateTimeField(default=utc_now)",
         "    started = DateTimeField(default=utc_now)"),
        ("logins.py", "    user_agent = CharField(max_length=200)",
         "    browser = CharField(max_length=200)"),
        ("logins.py", "user_agent=user_agent)", "browser=user_agent)"),
        ("*.py", "Login.created", "Login.started"),
        ("templates/profile.html", "login.created", "login.started"),
        ("templates/profile.html", "login.user_agent", "login.browser"),
    ]),
    "the logins' start times with seconds and a T": (7, [
        ("templates/profile.html", '{{ login.created.strftime("%Y-%m-%d %H:%M") }}',
         '{{ login.created.strftime("%Y-%m-%dT%H:%M:%S") }}'),
    ]),
    "the throttle's refusals and the storage-down page in other words": (8, [
        ("throttle.py", '"Too many wrong passwords for this account from your address."',
         '"Slow down: that account has had enough wrong guesses from here."'),
        ("throttle.py", '"Too many wrong passwords for this account."', '"That account is locked for a while."'),
        ("throttle.py", '"Too many passwords tried from your address."', '"Your network has tried too many logins."'),
        ("throttle.py", '"The service is unavailable for a moment. Try again later."', '"Logins are paused."'),
        ("throttle.py", 'trouble="Logging in is unavailable"', 'trouble="We cannot check passwords right now"'),
    ]),
    "the database's 503 in other words": (8, [
        ("db.py", '"The service is unavailable. Try again in a few seconds."', '"No database connection is free."'),
        ("db.py", 'trouble="The site is unavailable"', 'trouble="Too many visitors at once"'),
    ]),
    "modules renamed": (8, [
        ("users.py", None, "accounts.py"),
        ("auth.py", None, "login_views.py"),
        ("*.py", "from .users import", "from .accounts import"),
        ("cli.py", "from . import logins, tokens, users", "from . import accounts as users, logins, tokens"),
        ("__init__.py", "from . import api, auth, cli, pages, throttle",
         "from . import api, cli, pages, throttle\nfrom . import login_views as auth"),
    ]),
    "the refusal without a key in other words": (8, [
        ("__init__.py", '''            "No SECRET_KEY is set. Set the FLASK_SECRET_KEY environment variable,"
            " or put SECRET_KEY in instance/config.py (`make run` writes one)."''',
         '''            "Refusing to sign cookies without a secret key: set FLASK_SECRET_KEY."'''),
    ]),
    "log out everywhere sends the user to the login page": (7, [
        ("auth.py", """    logins.end_logins(current_user)
    return logged_out("You have been logged out everywhere.")""", """    logins.end_logins(current_user)
    response = logged_out("You have been logged out everywhere.")
    response.headers["Location"] = url_for("auth.login")
    return response"""),
    ]),
    "an id of no login of the user answered with 403": (7, [
        ("auth.py", """    flash("That login has ended." if ended else "You have no such login.")
    return redirect(url_for("pages.profile"))""", """    if not ended:
        return "You have no such login.", 403
    flash("That login has ended.")
    return redirect(url_for("pages.profile"))"""),
    ]),
    "kept API tokens named in the password change's message": (7, [
        ("pages.py", '''+ (", and your API tokens are revoked." if revoke else "."))''',
         '''+ (", and your API tokens are revoked." if revoke else ". Your API tokens still work."))'''),
    ]),
    "a taken name refused with a message and ctx.exit(1)": (4, [
        ("cli.py", '        raise click.ClickException(f"There is already a user called {username}.") from None',
         '        click.echo(f"Error: there is already a user called {username}.", err=True)\n'
         '        click.get_current_context().exit(1)'),
    ]),
    "a short password refused in other words": (4, [
        ("users.py", 'return f"Use at least {MIN_PASSWORD_LENGTH} characters."',
         'return "That password is too short."'),
    ]),
    "a taken name refused with a message and SystemExit(1)": (4, [
        ("cli.py", '        raise click.ClickException(f"There is already a user called {username}.") from None',
         '        click.echo(f"{username} is taken.", err=True)\n'
         '        raise SystemExit(1) from None'),
    ]),
}

WRONG = {
    "int() without a guard": (2, "What it returns: a user or `None`, never an exception", [
        ("auth.py", '''    if not isinstance(user_id, str):
        return None
    user = USERS.get(user_id)''', '''    user = USERS.get(str(int(user_id)))'''),
    ]),
    "is_active() as a method": (2, "Active and inactive users", [
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
    "a loader that lets DoesNotExist escape": (4, ("The loader: a query that may find nothing",
                                                   "What `DoesNotExist` is"), [
        ("auth.py", """    try:
        user = User.get_by_id(int(user_id))
    except User.DoesNotExist:
        # No such row (a deleted user, say): an anonymous visitor. Catch exactly this,
        # never every exception: a database that is down must be an error page, not a logout.
        return None""", "    user = User.get_by_id(int(user_id))"),
    ]),
    "a look before the insert, a unique index, IntegrityError not caught": (
        4, ("Managing users from the command line", "The unique index on name"), [
            ("cli.py", """    try:
        users.add_user(username, password)
    except IntegrityError:
        # The unique index on name, not a check before the insert: two
        # commands running at once cannot both get past it.
        raise click.ClickException(f"There is already a user called {username}.") from None""",
             """    if users.find_user(username) is not None:
        raise click.ClickException(f"There is already a user called {username}.")
    users.add_user(username, password)"""),
        ]),
    "a token in the query string": (5, ("Tokens: random, shown once, stored as a hash", "`?api_key=`"), [
        ("tokens.py", '''    scheme, _, token = request.headers.get("Authorization", "").partition(" ")''',
         '''    if request.args.get("api_key"):
        return request.args["api_key"]
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")'''),
    ]),
    "@login_required above the route decorator": (3, "Protecting a page", [
        ("pages.py", '@bp.get("/profile")\n@login_required', '@login_required\n@bp.get("/profile")'),
    ]),
    "the login page itself behind @login_required": (3, "Protecting a page", [
        ("auth.py", '@bp.route("/login", methods=("GET", "POST"))\n', '@bp.route("/login", methods=("GET", "POST"))\n@login_required\n'),
        ("auth.py", "from flask_login import LoginManager,", "from flask_login import LoginManager, login_required,"),
    ]),
    'a database in ":memory:"': (4, "Flask-Peewee: a connection per request", [
        ("db.py", '        "name": path,\n', '        "name": ":memory:",\n'),
    ]),
    "tokens stored as they are": (5, "Tokens: random, shown once, stored as a hash", [
        ("tokens.py", "    return hashlib.sha256(token.encode()).hexdigest()", "    return token"),
    ]),
    "the API sent to the login page": (5, "The API, and its 401s", [
        ("auth.py", '    if request.blueprint == "api":', '    if False:'),
    ]),
    "the whole API exempt from CSRF": (5, "CSRF: checked for cookies, not for tokens", [
        ("api.py", "        current_app.extensions[\"csrf\"].protect()", "        pass"),
    ]),
    "@login_required where @fresh_login_required belongs": (6, "Fresh logins", [
        ("pages.py", '@bp.route("/settings", methods=("GET", "POST"))\n@fresh_login_required',
         '@bp.route("/settings", methods=("GET", "POST"))\n@login_required'),
    ]),
    "no refresh_view": (6, "Fresh logins", [
        ("auth.py", 'login_manager.refresh_view = "auth.reauthenticate"\n', ""),
    ]),
    "the remember cookie's defaults: a year, not Secure": (6, "Cookies that carry a login", [
        ("__init__.py", "        REMEMBER_COOKIE_DURATION=timedelta(days=14),\n", ""),
        ("__init__.py", "        REMEMBER_COOKIE_SECURE=True,\n", ""),
    ]),
    "a logout that only clears the cookie": (7, ("Ending logins",
                                                 "(`POST /logout`) deletes this login's row"), [
        ("auth.py", "    if current_user.is_authenticated:\n        logins.end_one_login(current_user.login)\n", ""),
    ]),
    "freshness taken from the session alone": (7, ("How long a login lasts",
                                                   "`FRESH_LOGIN_LIFETIME`"), [
        ("auth.py", '    if session.get("_fresh") and not logins.password_typed_recently(login):',
         '    if False:'),
    ]),
    "failures counted per account alone": (8, ("Password guessing that stops",
                                               "10 for one account from one address"), [
        ("throttle.py", '     lambda account, address: f"account and address:{account}|{address}",',
         '     lambda account, address: f"account:{account}",'),
    ]),
    "X-Forwarded-For believed without TRUSTED_PROXIES": (8, "Behind a proxy", [
        ("throttle.py", "    address = get_remote_address()\n", "    address = request.access_route[0]\n"),
    ]),
    "each failure counted after its password check": (8, ("Password guessing that stops",
                                                          "Counting *before* the check"), [
        ("throttle.py", '        if not limiter.limiter.hit(limit, "password", key):',
         '        if not limiter.limiter.test(limit, "password", key):'),
        ("throttle.py", "def password_accepted(account):", '''def count_failure(account):
    """A wrong password: counted once it has been checked."""
    for limit, counted_for, _ in PASSWORD_LIMITS:
        limiter.limiter.hit(limit, "password", counted_for(account, counted_address()))


def password_accepted(account):'''),
        ("auth.py", "from .throttle import count_password_attempt, password_accepted",
         "from .throttle import count_failure, count_password_attempt, password_accepted"),
        ("auth.py", '            error = "Invalid username or password."',
         '            error = "Invalid username or password."\n'
         '            count_failure(request.form.get("username", ""))'),
        ("auth.py", '        error = "That is not your password."',
         '        error = "That is not your password."\n        count_failure(current_user.name)'),
        ("pages.py", "from .throttle import count_password_attempt",
         "from .throttle import count_failure, count_password_attempt"),
        ("pages.py", '            error = "That is not your current password."',
         '            error = "That is not your current password."\n'
         '            count_failure(current_user.name)'),
    ]),
    "one count only, per account and address": (8, ("Password guessing that stops",
                                                    "100 for one address, any account"), [
        ("throttle.py", """    (parse("100 per 15 minutes"), lambda account, address: f"account:{account}",
     "Too many wrong passwords for this account."),
    (parse("100 per 15 minutes"), lambda account, address: f"address:{address}",
     "Too many passwords tried from your address."),
""", ""),
    ]),
    "a successful login clears the address's count too": (8, ("Password guessing that stops",
                                                              "100 for one address, any account"), [
        ("throttle.py", "        for limit, counted_for, _ in PASSWORD_LIMITS[:2]:",
         "        for limit, counted_for, _ in PASSWORD_LIMITS:"),
    ]),
    "a hash too big for C caught as ValueError only": (4, ("Passwords in a table",
                                                           "Malformed stored hashes"), [
        ("users.py", "        except (ValueError, OverflowError):", "        except ValueError:"),
    ]),
    "Flask-Limiter's fixed window, not a moving one": (8, ("Password guessing that stops",
                                                           "Counting *before* the check"), [
        ("__init__.py", '        RATELIMIT_STRATEGY="moving-window",\n', ""),
    ]),
    "the busy page rendered with render_template": (8, ("PostgreSQL, and why a pool",
                                                       "finding out takes a connection"), [
        ("db.py", """    page = current_app.jinja_env.get_template("unavailable.html")
    return page.render(trouble="The site is unavailable"), 503, headers""",
         """    return render_template("unavailable.html", trouble="The site is unavailable"), 503, headers"""),
        ("db.py", "from flask import current_app, request", "from flask import current_app, render_template, request"),
    ]),
    "session.clear() after logout_user()": (6, ("Remember me", "logout deletes it from *this*"), [
        ("auth.py", '''    logout_user()
    flash("You have been logged out.")''', '''    logout_user()
    session.clear()  # nothing of the old login left behind
    flash("You have been logged out.")'''),
    ]),
    "deactivate-user that only switches the account off": (7, ("Ending logins",
                                                               "end all of the user's logins"), [
        ("cli.py", "        logins.end_logins(users.find_user(username))\n", ""),
    ]),
    "Secure relaxed whenever debug is on": (6, ("Cookies that carry a login", "`app.debug` alone is not enough"), [
        ("__init__.py", '''    if app.debug and os.environ.get("FLASK_RUN_FROM_CLI") == "true":''', "    if app.debug:"),
    ]),
    "the development key kept for debug mode": (8, ("Ready for production", "The secret key"), [
        ("__init__.py", "    if not app.config[\"SECRET_KEY\"]:\n",
         "    if app.debug and not app.config[\"SECRET_KEY\"]:\n"
         "        app.config[\"SECRET_KEY\"] = \"dev\"\n"
         "    if not app.config[\"SECRET_KEY\"]:\n"),
    ]),
    "a chunked body left to Werkzeug": (8, ("Ready for production", "Bounded bodies"), [
        ("__init__.py", "    app.before_request(refuse_a_long_body_of_unknown_length)\n", ""),
    ]),
    "a database out of reach left to a 500": (8, ("PostgreSQL, and why a pool", "out of reach"), [
        ("__init__.py", "    app.register_error_handler(OperationalError, database_unavailable)\n", ""),
    ]),
    "a switched-off account refused before its password is checked": (
        4, ("Passwords in a table", "Equal work for unknown names"), [
            ("auth.py", "if user is None or not user.check_password(password) or not user.is_active:",
             "if user is None or not user.is_active or not user.check_password(password):"),
        ]),
    "a name checked with re.match and $, which lets a final newline through": (
        4, ("Managing users from the command line", "before the prompt"), [
            ("cli.py", 'if not re.fullmatch(r"[\\w.-]{1,64}", username):',
             'if not re.match(r"^[\\w.-]{1,64}$", username):'),
        ]),
    "/reauthenticate follows next unchecked": (6, ("Fresh logins", "follows `next` after the same check"), [
        ("auth.py", """            confirm_login()
            return redirect(requested_next() or url_for("index"))""", """            confirm_login()
            return redirect(request.form.get("next") or request.args.get("next") or url_for("index"))"""),
    ]),
    "the counts hit broadest first, without a look first": (
        8, ("Password guessing that stops", "The first loop refuses if any count is full"), [
            ("throttle.py", """    for limit, key, message in counts:
        if not limiter.limiter.test(limit, "password", key):
            return too_many_attempts(limit, key, message)
    for limit, key, message in counts:""", """    for limit, key, message in reversed(counts):"""),
        ]),
    "the DATABASE_URL refusal shows the whole URL": (8, ("PostgreSQL, and why a pool", "never the password"), [
        ("db.py", 'raise RuntimeError(f"DATABASE_URL must be a postgresql:// URL, not {scheme}://")',
         'raise RuntimeError(f"DATABASE_URL must be a postgresql:// URL, not {url}")'),
    ]),
    "the API's error handler on its blueprint": (
        5, ("Errors in JSON, always", "One handler does it for the whole app"), [
            ("api.py", "    app.register_error_handler(HTTPException, errors_in_json)\n", ""),
            ("api.py", "def errors_in_json(error):", "@bp.errorhandler(HTTPException)\ndef errors_in_json(error):"),
        ]),
    "an IPv6 /64 cut from the address as text": (
        8, ("Password guessing that stops", "usernames that read like addresses"), [
            ("throttle.py", 'return str(ipaddress.ip_network(f"{address}/64", strict=False))',
             'return ":".join(address.split(":")[:4]) + "::/64"'),
        ]),
    "behind a proxy, the first X-Forwarded-For entry believed": (8, "Behind a proxy", [
        ("throttle.py", "    address = get_remote_address()\n",
         "    address = request.access_route[0] if current_app.config[\"TRUSTED_PROXIES\"] "
         "else get_remote_address()\n"),
    ]),
    "the security headers on 200 answers only": (
        8, ("Security headers", "`add_security_headers`, registered with"), [
            ("__init__.py", '''    """Headers that tell browsers how to treat every answer of this site."""
''', '''    """Headers that tell browsers how to treat every answer of this site."""
    if response.status_code != 200:
        return response
'''),
        ]),
    "a token read from a cookie too": (
        5, ("CSRF: checked for cookies, not for tokens", "a token kept in a cookie"), [
            ("auth.py", "    token = tokens.bearer_token(request)\n",
             "    token = tokens.bearer_token(request) or request.cookies.get(\"api_token\")\n"),
        ]),
    "every token listed as not revoked": (5, "Revoking tokens", [
        ("api.py", '"revoked": row.revoked}', '"revoked": False}'),
    ]),
    "a password change that looks for its login, then writes, outside a transaction": (
        7, ("Ending logins", "ends every *other* login"), [
            ("logins.py", """    with db.database.atomic() as transaction:
        change_password(user, password)
        if not Login.select().where(Login.id == user.login.id).exists():
            transaction.rollback()
            return False
        end_logins(user, keep=user.login)
        if revoke_tokens:
            revoke_tokens_of(user)""", """    if not Login.select().where(Login.id == user.login.id).exists():
        return False
    change_password(user, password)
    end_logins(user, keep=user.login)
    if revoke_tokens:
        revoke_tokens_of(user)"""),
        ]),
}
