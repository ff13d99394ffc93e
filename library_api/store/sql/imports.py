"""SQL repository for import jobs and their rows; counts are taken from the rows when a job is read."""
from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session

from ...domain import ImportJob, ImportRow, Page
from ..base import ImportRepository
from .common import aware
from .models import ImportJobRow, ImportRowRow

JOB_COLUMNS = ("id", "owner_id", "status", "to_shelf", "created_at", "finished_at", "lease_owner", "lease_until")
ROW_COLUMNS = [f.name for f in dataclasses.fields(ImportRow)]
_TIMES = ("created_at", "finished_at", "lease_until")


def _to_job(row: ImportJobRow) -> ImportJob:
    values = {name: getattr(row, name) for name in JOB_COLUMNS}
    return ImportJob(**{**values, **{name: aware(values[name]) for name in _TIMES}})


def _to_row(row: ImportRowRow) -> ImportRow:
    found = ImportRow(**{name: getattr(row, name) for name in ROW_COLUMNS})
    found.date_added = aware(found.date_added)
    return found


def _work_left():
    return exists().where(ImportRowRow.job_id == ImportJobRow.id,
                          or_(ImportRowRow.status == "pending", ImportRowRow.needs_details.is_(True)))


class SqlImports(ImportRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, job: ImportJob, rows: list[ImportRow]) -> ImportJob:
        stored = ImportJobRow(**{name: getattr(job, name) for name in JOB_COLUMNS if name != "id"})
        self.session.add(stored)
        self.session.flush()
        # One multi-row INSERT per thousand rows rather than ten thousand ORM objects.
        values = [{**dataclasses.asdict(row), "job_id": stored.id} for row in rows]
        for start in range(0, len(values), 1000):
            self.session.execute(ImportRowRow.__table__.insert(), values[start:start + 1000])
        return self.get(stored.id)

    def get(self, job_id: int) -> ImportJob | None:
        row = self.session.get(ImportJobRow, job_id)
        if row is None:
            return None
        counts = dict(self.session.execute(
            select(ImportRowRow.status, func.count()).where(ImportRowRow.job_id == job_id)
            .group_by(ImportRowRow.status)).all())
        details = self.session.scalar(select(func.count()).where(
            ImportRowRow.job_id == job_id, ImportRowRow.needs_details.is_(True)))
        return _to_job(row).counted(counts, details)

    def update(self, job: ImportJob) -> ImportJob:
        row = self.session.get(ImportJobRow, job.id)
        row.status, row.finished_at = job.status, job.finished_at
        self.session.flush()
        return self.get(job.id)

    def lock(self, job_id: int) -> None:
        # SQLite's write transactions are serialised already; FOR UPDATE is PostgreSQL's row lock.
        self.session.execute(select(ImportJobRow.id).where(ImportJobRow.id == job_id).with_for_update())

    def claim(self, job_id: int, owner: str, now: datetime, until: datetime) -> bool:
        # One conditional UPDATE: two runners racing for a lapsed lease cannot both see it free.
        result = self.session.execute(
            update(ImportJobRow).where(
                ImportJobRow.id == job_id,
                or_(ImportJobRow.lease_owner.is_(None), ImportJobRow.lease_owner == owner,
                    ImportJobRow.lease_until.is_(None), ImportJobRow.lease_until <= now))
            .values(lease_owner=owner, lease_until=until).execution_options(synchronize_session=False))
        return result.rowcount == 1

    def release(self, job_id: int, owner: str) -> None:
        self.session.execute(update(ImportJobRow).where(ImportJobRow.id == job_id, ImportJobRow.lease_owner == owner)
                             .values(lease_owner=None, lease_until=None).execution_options(synchronize_session=False))

    def lapsed(self, now: datetime) -> list[int]:
        free = or_(ImportJobRow.lease_until.is_(None), ImportJobRow.lease_until <= now)
        return list(self.session.scalars(select(ImportJobRow.id).where(and_(free, _work_left()))
                                         .order_by(ImportJobRow.id)))

    def rows(self, job_id: int, page: int, per_page: int) -> Page:
        found = self.session.scalars(select(ImportRowRow).where(ImportRowRow.job_id == job_id)
                                     .order_by(ImportRowRow.row).offset((page - 1) * per_page).limit(per_page))
        total = self.session.scalar(select(func.count()).where(ImportRowRow.job_id == job_id))
        return Page([_to_row(row) for row in found], total)

    def pending(self, job_id: int, limit: int) -> list[ImportRow]:
        return self._where(job_id, ImportRowRow.status == "pending", limit)

    def awaiting_details(self, job_id: int, limit: int) -> list[ImportRow]:
        return self._where(job_id, ImportRowRow.needs_details.is_(True), limit)

    def _where(self, job_id: int, condition, limit: int) -> list[ImportRow]:
        found = self.session.scalars(select(ImportRowRow).where(ImportRowRow.job_id == job_id, condition)
                                     .order_by(ImportRowRow.row).limit(limit))
        return [_to_row(row) for row in found]

    def save_rows(self, rows: list[ImportRow]) -> None:
        if rows:  # an ORM bulk UPDATE by primary key: one executemany, not a SELECT and UPDATE per row
            self.session.execute(update(ImportRowRow), [
                {"job_id": row.job_id, "row": row.row, "status": row.status, "book_id": row.book_id,
                 "error": row.error, "needs_details": row.needs_details} for row in rows])

    def reset_failed(self, job_id: int) -> int:
        result = self.session.execute(
            update(ImportRowRow).where(ImportRowRow.job_id == job_id, ImportRowRow.status == "failed")
            .values(status="pending", error=None).execution_options(synchronize_session=False))
        return result.rowcount
