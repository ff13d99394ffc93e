"""`flask --app wsgi expire-holds`: let every lapsed ready hold go, for a cron job."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..web import circulation_rules, utcnow, uow
from . import holds


@click.command("expire-holds")
@with_appcontext
def expire_holds() -> None:
    """Expire ready holds whose time on the hold shelf is over, passing their copies on."""
    settled = holds.expire_holds(uow(), now=utcnow(), rules=circulation_rules())
    click.echo(f"Settled the hold queues of {settled} book(s).")
