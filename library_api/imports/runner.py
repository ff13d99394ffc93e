"""Run one import job: its rows batch by batch, then the books' summaries one by one (the fill-behind).

The state lives in the store: each batch's outcomes are committed with its books, so a runner that dies
loses no row, and the next runner starts at the first pending row. A runner holds the job's lease, renewed
with every commit; a job whose lease lapsed is taken over (see queue.resume_lapsed). Every commit checks the
lease in the same transaction, so two runners never save one job's rows.
"""
from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..books.service import refresh_book
from ..domain import ImportJob
from ..errors import DomainError, UpstreamBusy
from ..store.base import UnitOfWork
from .rows import settle_batch, wanted_isbn

if TYPE_CHECKING:
    from ..providers.lookup import MetadataLookup

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportEnv:
    """What a runner needs from the app, so that it runs in a thread, a worker or a command alike."""

    uow: Callable[[], UnitOfWork]
    lookup: MetadataLookup
    clock: Callable[[], datetime]
    batch_size: int = 100
    lease_seconds: float = 300.0
    fill_details: bool = True


class _LeaseLost(Exception):
    """Another runner holds the job now; this one stops without saving."""


def run_job(env: ImportEnv, job_id: int, *, stop: threading.Event | None = None,
            on_progress: Callable[[ImportJob], None] | None = None, details: bool = True) -> ImportJob | None:
    """Run a job until nothing is left to do, `stop` is set, or another runner holds it.

    Returns the job as this runner left it, or None when it could not take it.
    """
    stop = stop or threading.Event()
    runner = _Runner(env, job_id, uuid.uuid4().hex, stop)
    try:
        if not runner.start():
            return None
        while not stop.is_set():
            if runner.next_batch():
                job = runner.read()
                if on_progress:
                    on_progress(job)
            elif not (details and env.fill_details and runner.fill_one()) and runner.release():
                break
    except _LeaseLost:
        log.warning("Import %s: another runner took the job over", job_id)
        return None
    finally:
        runner.ahead.shutdown(wait=True, cancel_futures=True)
    return runner.read()


class _Runner:
    def __init__(self, env: ImportEnv, job_id: int, owner: str, stop: threading.Event) -> None:
        self.env, self.job_id, self.owner, self.stop = env, job_id, owner, stop
        # The next batch is looked up while this one is saved, so that the store's time hides behind the
        # rate limiter's waits; both batches' requests go through the same limiter.
        self.ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"import-{job_id}-ahead")
        self._looked_ahead: tuple[frozenset[int], Future] | None = None

    def _holding(self, uow: UnitOfWork) -> ImportJob:
        """Inside a write: lock the job and renew this runner's lease, or raise _LeaseLost."""
        now = self.env.clock()
        uow.imports.lock(self.job_id)
        if not uow.imports.claim(self.job_id, self.owner, now, now + timedelta(seconds=self.env.lease_seconds)):
            raise _LeaseLost()
        return uow.imports.get(self.job_id)

    def read(self) -> ImportJob:
        with self.env.uow().reading() as uow:
            return uow.imports.get(self.job_id)

    def start(self) -> bool:
        """Take the job's lease; False when another runner holds it, or the job is gone."""
        try:
            with self.env.uow() as uow:
                job = self._holding(uow)
                if job.counts.get("pending"):
                    job.status = "running"
                    uow.imports.update(job)
                uow.commit()
        except _LeaseLost:
            return False
        return True

    def next_batch(self) -> bool:
        """Settle the next batch of pending rows; False when none is left."""
        with self.env.uow().reading() as uow:
            rows = uow.imports.pending(self.job_id, 2 * self.env.batch_size)
        rows, upcoming = rows[:self.env.batch_size], rows[self.env.batch_size:]
        if not rows:
            return False
        isbns = {row.row: wanted_isbn(row) for row in rows}
        answers = self._answers(isbns)
        if upcoming and not self.stop.is_set():
            ahead = {row.row: wanted_isbn(row) for row in upcoming}
            self._looked_ahead = (frozenset(ahead), self.ahead.submit(self._ask, ahead))
        with self.env.uow() as uow:
            job = self._holding(uow)
            # Only rows still pending: another runner may have settled some while this one was asking (a row
            # pushed out of this window by a retry's earlier rows is merely left to the next batch).
            still = {row.row for row in uow.imports.pending(self.job_id, len(rows))}
            settled = [row for row in rows if row.row in still]
            settle_batch(uow, job, settled, isbns, answers, now=self.env.clock(), fill_details=self.env.fill_details)
            uow.imports.save_rows(settled)
            job.status = "running"
            uow.imports.update(job)
            uow.commit()
        return True

    def _ask(self, isbns: dict[int, str | None]) -> dict:
        """The providers' answers for those of these ISBNs the catalog does not have yet."""
        with self.env.uow().reading() as uow:
            asked = [isbn for isbn in dict.fromkeys(isbns.values()) if isbn]
            known = uow.books.ids_by_isbn(asked)
        return self.env.lookup.lookup_many([isbn for isbn in asked if isbn not in known])

    def _answers(self, isbns: dict[int, str | None]) -> dict:
        """This batch's answers: those looked up ahead when it is the batch that was, else asked now."""
        ahead, self._looked_ahead = self._looked_ahead, None
        if ahead is None or ahead[0] != set(isbns):
            return self._ask(isbns)
        answers = ahead[1].result()
        # A book the catalog had then may have been deleted since: ask for what is missing.
        missing = {number: isbn for number, isbn in isbns.items() if isbn and isbn not in answers}
        return {**answers, **(self._ask(missing) if missing else {})}

    def fill_one(self) -> bool:
        """Ask for one new book's details (the fill-behind, at the providers' polite rate); False when none
        is left. The job is finished first: its rows all have their outcome."""
        self._finish()
        with self.env.uow().reading() as uow:
            rows = uow.imports.awaiting_details(self.job_id, 1)
        if not rows:
            return False
        row = rows[0]
        if row.book_id is not None:
            try:
                refresh_book(self.env.uow(), self.env.lookup, book_id=row.book_id, now=self.env.clock())
            except UpstreamBusy:
                self.stop.wait(1.0)  # request threads have every lookup slot: let them go first
                return True
            except DomainError as error:  # gone, unknown or failing: the row keeps what the batch gave
                log.info("Import %s row %s: no details (%s)", self.job_id, row.row, error.code)
        with self.env.uow() as uow:
            self._holding(uow)
            row.needs_details = False
            uow.imports.save_rows([row])
            uow.commit()
        return True

    def _finish(self) -> None:
        with self.env.uow() as uow:
            job = self._holding(uow)
            if job.status != "finished" and not job.counts.get("pending"):
                job.status, job.finished_at = "finished", self.env.clock()
                uow.imports.update(job)
            uow.commit()

    def release(self) -> bool:
        """Let the job go once nothing is left; False when a retry made rows pending meanwhile."""
        self._finish()
        with self.env.uow() as uow:
            job = self._holding(uow)
            if job.counts.get("pending"):
                return False
            uow.imports.release(self.job_id, self.owner)
            uow.commit()
        return True
