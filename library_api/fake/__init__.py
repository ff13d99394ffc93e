"""`flask --app wsgi fake-catalog N`: fill the store with N generated books, for benchmarks and demos."""
from __future__ import annotations

import random
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..web import utcnow, uow
from . import catalog, memory, sql

# Every generated user (reader<id>) signs in with this; one Argon2 hash serves them all.
FAKE_PASSWORD = "fake-catalog password"


@click.command("fake-catalog")
@click.argument("count", type=click.IntRange(1, 100_000_000))
@click.option("--seed", type=int, default=None, help="Make the same catalog every time.")
@click.option("--append", is_flag=True, help="Add to a catalog that has books already.")
@click.option("--batch-size", type=click.IntRange(1), default=5000, show_default=True,
              help="Books generated and inserted at a time.")
@with_appcontext
def fake_catalog(count: int, seed: int | None, append: bool, batch_size: int) -> None:
    """Fill the store with COUNT generated books, with copies, users, shelves and loans in proportion."""
    started = time.perf_counter()
    rng, now = random.Random(seed), utcnow()
    sql_store = current_app.config["LIBRARY_STORE"] == "sql"
    has_books = sql.book_count(db.engine) > 0 if sql_store else memory.has_books(uow())
    if has_books and not append:
        raise click.ClickException("the catalog has books already; pass --append to add to them")
    first = sql.first_ids(db.engine) if sql_store else memory.first_ids(uow())
    password_hash = current_app.extensions["library.passwords"].hash(FAKE_PASSWORD)
    users = catalog.users(catalog.user_count(count), first, rng=rng, password_hash=password_hash, now=now)
    batches = catalog.batches(count, first, rng=rng, now=now, batch_size=batch_size)
    if sql_store:
        sql.insert_all(db.engine, users, batches,
                       progress=lambda done: click.echo(f"  {done:,} books ({time.perf_counter() - started:.0f} s)"))
    else:
        click.echo("Note: the memory store lives in this process; the books go when it exits.")
        memory.insert_all(uow(), users, batches)
    click.echo(f"Made {count:,} books and {len(users):,} users (password {FAKE_PASSWORD!r}) "
               f"in {time.perf_counter() - started:.1f} s.")
