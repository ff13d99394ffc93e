"""Imports as the API offers them: start one, watch it, run its failed rows again."""
from __future__ import annotations

from datetime import datetime

from .. import policy
from ..domain import ImportJob, ImportRow, Page, User
from ..errors import Conflict, NotFound, Unprocessable
from ..store.base import UnitOfWork
from .items import ImportItem

MAX_ROWS = 10_000
# Longer than any ISBN with its hyphens; a longer cell is kept cut, and is invalid anyway.
ISBN_CELL = 64


def items_from_isbns(isbns: list[str]) -> list[ImportItem]:
    """A list of ISBNs as import rows, numbered from 1."""
    return [ImportItem(row=number, isbn=isbn) for number, isbn in enumerate(isbns, start=1)]


def start_import(uow: UnitOfWork, *, actor: User | None, items: list[ImportItem], now: datetime) -> ImportJob:
    """Store a queued job with one pending row per item. Rows that name a shelf go on the caller's shelf
    when the caller is signed in. Raises Unprocessable when there are no rows or more than 10,000."""
    if not items or len(items) > MAX_ROWS:
        raise Unprocessable("VALIDATION_ERROR", "The request did not validate",
                            file=[f"Send 1 to {MAX_ROWS:,} rows; this had {len(items):,}."])
    rows = [ImportRow(job_id=0, row=item.row, isbn=(item.isbn or None) and item.isbn[:ISBN_CELL],
                      title=item.title, author=item.author, shelf_status=item.shelf_status, rating=item.rating,
                      review_text=item.review_text, date_added=item.date_added) for item in items]
    to_shelf = actor is not None and any(item.shelf_status for item in items)
    job = ImportJob(created_at=now, owner_id=actor.id if actor else None, to_shelf=to_shelf)
    with uow:
        job = uow.imports.add(job, rows)
        uow.commit()
    return job


def get_import(uow: UnitOfWork, *, actor: User | None, mode: str, job_id: int, page: int,
               per_page: int) -> tuple[ImportJob, Page]:
    """A job with one page of its rows. Raises Unauthorized (no token, outside open mode), NotFound
    IMPORT_NOT_FOUND (also for another member's job: ids are not to be probed)."""
    with uow.reading():
        job = _visible_job(uow, actor, mode, job_id)
        return job, uow.imports.rows(job_id, page, per_page)


def retry_import(uow: UnitOfWork, *, actor: User | None, mode: str, job_id: int) -> tuple[ImportJob, bool]:
    """Make the job's failed rows pending again; (the job, whether there was any to run). Raises NotFound,
    Conflict IMPORT_RUNNING while its rows are being looked up."""
    with uow:
        uow.imports.lock(job_id)  # before reading: a runner finishing now is seen finished, or not at all
        job = _visible_job(uow, actor, mode, job_id)
        if job.status != "finished":
            raise Conflict("IMPORT_RUNNING", "The import is still running; retry once it has finished",
                           import_id=job_id, status=job.status)
        if uow.imports.reset_failed(job_id) == 0:
            return job, False
        job.status, job.finished_at = "queued", None
        job = uow.imports.update(job)
        uow.commit()
    return job, True


def _visible_job(uow: UnitOfWork, actor: User | None, mode: str, job_id: int) -> ImportJob:
    policy.ensure_may_read_imports(actor, mode)
    job = uow.imports.get(job_id)
    if job is None or not policy.may_see_import(actor, job.owner_id):
        raise NotFound("IMPORT_NOT_FOUND", "Import not found", import_id=job_id)
    return job
