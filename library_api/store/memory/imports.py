"""The dict store's import jobs and rows; counts are taken from the rows when a job is read."""
from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime

from ...domain import ImportJob, ImportRow, Page
from ..base import ImportRepository
from .tables import Journal, MemoryStore, copy_value


def has_work(rows: list[ImportRow]) -> bool:
    """Whether a job still has rows to look at or details to fill."""
    return any(row.status == "pending" or row.needs_details for row in rows)


class MemoryImports(ImportRepository):
    def __init__(self, store: MemoryStore, journal: Journal) -> None:
        self.store, self.j = store, journal

    def _rows(self, job_id: int) -> list[ImportRow]:
        # Rows are added in row order, and a dict keeps insertion order.
        return [row for (owner, _), row in self.store.tables["import_rows"].items() if owner == job_id]

    def add(self, job: ImportJob, rows: list[ImportRow]) -> ImportJob:
        job = dataclasses.replace(job, id=self.store.next_id("imports"))
        self.j.put("imports", job.id, job)
        for row in rows:
            self.j.put("import_rows", (job.id, row.row), dataclasses.replace(row, job_id=job.id))
        return self.get(job.id)

    def get(self, job_id: int) -> ImportJob | None:
        job = self.j.get("imports", job_id)
        if job is None:
            return None
        rows = self._rows(job_id)
        return job.counted(Counter(row.status for row in rows), sum(row.needs_details for row in rows))

    def update(self, job: ImportJob) -> ImportJob:
        stored = self.j.get("imports", job.id)
        self.j.put("imports", job.id, dataclasses.replace(stored, status=job.status, finished_at=job.finished_at))
        return self.get(job.id)

    def lock(self, job_id: int) -> None:
        pass  # the unit of work holds the store's lock already

    def claim(self, job_id: int, owner: str, now: datetime, until: datetime) -> bool:
        job = self.j.get("imports", job_id)
        if job is None or (job.lease_owner not in (None, owner) and job.lease_until and job.lease_until > now):
            return False
        self.j.put("imports", job_id, dataclasses.replace(job, lease_owner=owner, lease_until=until))
        return True

    def release(self, job_id: int, owner: str) -> None:
        job = self.j.get("imports", job_id)
        if job is not None and job.lease_owner == owner:
            self.j.put("imports", job_id, dataclasses.replace(job, lease_owner=None, lease_until=None))

    def lapsed(self, now: datetime) -> list[int]:
        return [job.id for job in sorted(self.j.values("imports"), key=lambda job: job.id)
                if (job.lease_until is None or job.lease_until <= now) and has_work(self._rows(job.id))]

    def rows(self, job_id: int, page: int, per_page: int) -> Page:
        rows = self._rows(job_id)
        offset = (page - 1) * per_page
        return Page([copy_value(row) for row in rows[offset:offset + per_page]], len(rows))

    def pending(self, job_id: int, limit: int) -> list[ImportRow]:
        return [copy_value(row) for row in self._rows(job_id) if row.status == "pending"][:limit]

    def awaiting_details(self, job_id: int, limit: int) -> list[ImportRow]:
        return [copy_value(row) for row in self._rows(job_id) if row.needs_details][:limit]

    def save_rows(self, rows: list[ImportRow]) -> None:
        for row in rows:
            self.j.put("import_rows", (row.job_id, row.row), row)

    def reset_failed(self, job_id: int) -> int:
        failed = [row for row in self._rows(job_id) if row.status == "failed"]
        self.save_rows([dataclasses.replace(row, status="pending", error=None) for row in failed])
        return len(failed)
