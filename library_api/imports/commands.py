"""`flask --app wsgi import-isbns FILE` (an import in the foreground) and `import-worker` (RQ's worker)."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ..errors import DomainError
from ..web import utcnow, uow
from . import goodreads, service
from .queue import RqRunner, import_env, resume_lapsed
from .runner import run_job


def _items(name: str, text: str):
    """A .csv file (a column of ISBNs, or a Goodreads export) through the Goodreads reader; any other file
    holds one ISBN a line (blank lines skipped)."""
    if name.lower().endswith(".csv"):
        return goodreads.read_csv(text)
    return service.items_from_isbns([line.strip() for line in text.splitlines() if line.strip()])


def _refuse_memory_store(command: str) -> None:
    if current_app.config["LIBRARY_STORE"] == "memory":
        raise click.ClickException(f"LIBRARY_STORE=memory keeps the catalog inside the running server, which "
                                   f"{command} cannot reach; set LIBRARY_STORE=sql, or POST /imports to the server")


@click.command("import-isbns")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--no-details", is_flag=True, help="Leave the summaries to the server's fill-behind.")
@with_appcontext
def import_isbns(file, no_details: bool) -> None:
    """Import the ISBNs of FILE (one a line, or a .csv of ISBNs or a Goodreads export), with a progress bar."""
    from tqdm import tqdm

    _refuse_memory_store("import-isbns")
    try:
        job = service.start_import(uow(), actor=None, items=_items(file.name, file.read()), now=utcnow())
    except DomainError as error:
        raise click.ClickException(f"{error.message}: {error.details}") from None
    with tqdm(total=job.total, unit="row", file=sys.stderr, desc=f"import {job.id}") as bar:
        def progress(now_job):
            bar.update(now_job.done - bar.n)
        job = run_job(import_env(current_app), job.id, on_progress=progress, details=not no_details) or job
    counts = ", ".join(f"{status} {job.counts.get(status, 0)}" for status in
                       ("created", "duplicate", "not_found", "invalid", "failed"))
    click.echo(f"Import {job.id}: {job.total} rows: {counts}.")
    if job.counts.get("failed") or job.counts.get("invalid"):
        sys.exit(1)


@click.command("import-worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty (for tests and cron).")
@with_appcontext
def import_worker(burst: bool) -> None:
    """Run import jobs from the RQ queue in Redis (REDIS_URL), resuming those whose runner died."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    _refuse_memory_store("import-worker")
    if not current_app.config["REDIS_URL"]:
        raise click.ClickException("import-worker needs REDIS_URL (the queue lives in Redis)")
    queue = Queue(current_app.config["IMPORT_QUEUE"], connection=Redis.from_url(current_app.config["REDIS_URL"]))
    runner = RqRunner(import_env(current_app), current_app.config["REDIS_URL"], queue.name)
    resumed = resume_lapsed(current_app, runner.submit)
    click.echo(f"Resumed {len(resumed)} import(s); working on queue {queue.name}.")
    # SimpleWorker runs each job in this process, inside this app's context (no fork per job).
    SimpleWorker([queue], connection=queue.connection).work(burst=burst)
