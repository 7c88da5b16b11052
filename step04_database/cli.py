"""Command-line tools: `flask --app step04_database COMMAND`.

Every command that writes does so in one transaction: it changes all it
should, or nothing.
"""

import click
from flask.cli import with_appcontext
from peewee import IntegrityError

from . import users
from .db import db
from .users import User


def init_app(app):
    for command in (init_db, add_user, deactivate_user, activate_user, set_password):
        app.cli.add_command(command)


def valid_name(ctx, param, username):
    problem = users.name_problem(username)
    if problem:
        raise click.BadParameter(problem)
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
    with db.database.atomic():
        # Leaves existing tables alone.
        db.database.create_tables([User])
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
        with db.database.atomic():
            users.add_user(username, password)
    except IntegrityError:
        # The unique index on name, not a check before the insert: two
        # commands running at once cannot both get past it.
        raise click.ClickException(f"There is already a user called {username}.") from None
    click.echo(f"Added {username}.")


def existing_user(username):
    user = users.find_user(username)
    if user is None:
        raise click.ClickException(f"There is no user called {username}.")
    return user


@click.command("deactivate-user")
@with_appcontext
@click.argument("username", callback=valid_name)
def deactivate_user(username):
    """Switch an account off: the user loader logs the user out on the next request."""
    with db.database.atomic():
        user = existing_user(username)
        User.update(active=False).where(User.id == user.id).execute()
    click.echo(f"Deactivated {username}.")


@click.command("activate-user")
@with_appcontext
@click.argument("username", callback=valid_name)
def activate_user(username):
    """Switch an account back on: the user can log in again."""
    with db.database.atomic():
        user = existing_user(username)
        User.update(active=True).where(User.id == user.id).execute()
    click.echo(f"Activated {username}.")


@click.command("set-password")
@with_appcontext
@click.argument("username", callback=valid_name)
@password_option
def set_password(username, password):
    """Give a user a new password."""
    with db.database.atomic():
        users.change_password(existing_user(username), password)
    click.echo(f"Changed the password of {username}.")
