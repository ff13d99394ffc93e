"""`flask --app wsgi create-admin USERNAME [--password P]`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..errors import DomainError
from ..web import utcnow, uow
from . import service
from .schemas import RegisterIn


@click.command("create-admin")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The new admin's password (prompted for when left out).")
@with_appcontext
def create_admin(username: str, password: str) -> None:
    """Create an administrator account."""
    errors = RegisterIn().validate({"username": username, "password": password})
    if errors:
        raise click.UsageError("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items()))
    try:
        user = service.make_admin(uow(), current_app.extensions["library.passwords"], username=username,
                                  password=password, now=utcnow())
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created admin {user.username} (id {user.id}).")
