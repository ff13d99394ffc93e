"""`flask --app wsgi create-admin USERNAME [--password P]`, and the admin that settings make at start-up."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from config import ConfigError

from ..errors import DomainError
from ..web import utcnow, uow
from . import service
from .schemas import RegisterIn


def _problems(username: str, password: str) -> str | None:
    """What is wrong with an admin's name and password, on one line; None when nothing is."""
    errors = RegisterIn().validate({"username": username, "password": password})
    return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items()) or None


@click.command("create-admin")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The new admin's password (prompted for when left out).")
@with_appcontext
def create_admin(username: str, password: str) -> None:
    """Create an administrator account in the SQL store."""
    if current_app.config["LIBRARY_STORE"] == "memory":
        raise click.ClickException("LIBRARY_STORE=memory keeps accounts inside the running server, which this "
                                   "command cannot reach; set ADMIN_USERNAME and ADMIN_PASSWORD for the server")
    if problems := _problems(username, password):
        raise click.UsageError(problems)
    try:
        user = service.make_admin(uow(), current_app.extensions["library.passwords"], username=username,
                                  password=password, now=utcnow())
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created admin {user.username} (id {user.id}).")


def ensure_admin(app: Flask) -> None:
    """Make the ADMIN_USERNAME account at start-up when it is missing; an existing one is never changed."""
    username, password = app.config["ADMIN_USERNAME"], app.config["ADMIN_PASSWORD"]
    if problems := _problems(username, password):
        raise ConfigError(f"ADMIN_USERNAME / ADMIN_PASSWORD: {problems}")
    with app.app_context():
        service.ensure_admin(uow(), app.extensions["library.passwords"], username=username, password=password,
                             now=utcnow())
