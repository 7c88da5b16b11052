"""Command-line tools: `flask --app step07_ending_logins COMMAND`."""

import re

import click
from flask.cli import with_appcontext
from peewee import IntegrityError

from . import logins, tokens, users
from .db import db
from .logins import Login
from .tokens import ApiToken
from .users import User


def init_app(app):
    commands = (init_db, add_user, deactivate_user, activate_user, set_password)
    for command in commands + (issue_token, revoke_tokens):
        app.cli.add_command(command)


def valid_name(ctx, param, username):
    # Letters, digits, ".", "_" and "-": no spaces, no control characters.
    if not re.fullmatch(r"[\w.-]{1,64}", username):
        raise click.BadParameter("A username is 1 to 64 letters, digits, '.', '_' or '-'.")
    return username


def valid_password(ctx, param, password):
    problem = users.password_problem(password)
    if problem:
        raise click.BadParameter(problem)
    return password


# --password for scripts; without it, a hidden prompt, asked twice.
password_option = click.password_option(callback=valid_password)


@click.command("init-db")
@with_appcontext
def init_db():
    """Create the tables and the demo accounts (safe to run again)."""
    # One transaction: all of it, or nothing.
    with db.database.atomic():
        # Leaves existing tables alone.
        db.database.create_tables([User, Login, ApiToken])
        for name, password, active in users.DEMO_ACCOUNTS:
            if users.find_user(name) is None:
                users.add_user(name, password, active)
    click.echo("The database is ready.")


@click.command("add-user")
@with_appcontext
@click.argument("username", callback=valid_name)
@password_option
def add_user(username, password):
    """Add a user who can log in."""
    try:
        users.add_user(username, password)
    except IntegrityError:
        # The unique index on name, not a check before the insert: two
        # commands running at once cannot both get past it.
        raise click.ClickException(f"There is already a user called {username}.") from None
    click.echo(f"Added {username}.")


def update_user(username, **values):
    """Change the user's row, or stop with a clear error if there is no such user."""
    if not User.update(**values).where(User.name == username).execute():
        raise click.ClickException(f"There is no user called {username}.")


@click.command("deactivate-user")
@with_appcontext
@click.argument("username", callback=valid_name)
def deactivate_user(username):
    """Switch an account off: no more logins, and its logins end at once."""
    with db.database.atomic():
        update_user(username, active=False)
        logins.end_logins(users.find_user(username))
    click.echo(f"Deactivated {username}.")


@click.command("activate-user")
@with_appcontext
@click.argument("username", callback=valid_name)
def activate_user(username):
    """Switch an account back on: the user can log in again."""
    update_user(username, active=True)
    click.echo(f"Activated {username}.")


@click.command("set-password")
@with_appcontext
@click.argument("username", callback=valid_name)
@password_option
@click.option("--revoke-tokens/--keep-tokens", "revoke", default=True, show_default=True,
              help="Also revoke the user's API tokens.")
def set_password(username, password, revoke):
    """Give a user a new password; all their logins end, and their API tokens unless kept."""
    with db.database.atomic():
        update_user(username, password_hash=users.hash_password(password))
        logins.end_logins(users.find_user(username))
        revoked = tokens.revoke_tokens_of(users.find_user(username)) if revoke else 0
    click.echo(f"Changed the password of {username}; revoked {revoked} API tokens.")


def existing_user(username):
    user = users.find_user(username)
    if user is None:
        raise click.ClickException(f"There is no user called {username}.")
    return user


def valid_token_name(ctx, param, name):
    if not (0 < len(name) <= 64 and name.isprintable()):
        raise click.BadParameter("A token's name is 1 to 64 printable characters.")
    return name


@click.command("issue-token")
@with_appcontext
@click.argument("username", callback=valid_name)
@click.option("--name", default="api", show_default=True, callback=valid_token_name,
              help="A label, to tell a user's tokens apart.")
def issue_token(username, name):
    """Issue an API token. It is printed once, alone on the last line."""
    with db.database.atomic():
        token = tokens.new_token(existing_user(username), name)
    click.echo(f'Issued the token "{name}" for {username}. It is shown only this once:')
    click.echo(token)


@click.command("revoke-tokens")
@with_appcontext
@click.argument("username", callback=valid_name)
def revoke_tokens(username):
    """Revoke all of a user's API tokens; they stop working at once."""
    with db.database.atomic():
        revoked = tokens.revoke_tokens_of(existing_user(username))
    click.echo(f"Revoked {revoked} of {username}'s tokens.")
