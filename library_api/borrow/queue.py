"""The hold queue's one rule, applied whenever a book's copies are read or changed: lapsed ready holds
expire, and each copy on the shelf goes to the first hold still waiting."""
from __future__ import annotations

import dataclasses
import json
import logging
from datetime import datetime, timedelta

from .. import metrics
from ..domain import CirculationRules
from ..store.base import UnitOfWork

log = logging.getLogger("library_api.circulation")


def record(event: str, *, at: datetime, actor_id: int | None = None, **fields) -> None:
    """Write one circulation event to the log as one line: who, what, when."""
    log.info(json.dumps({"event": event, "at": at.isoformat(), "actor_id": actor_id, **fields}, sort_keys=True))
    metrics.count_circulation(event)


def take_turn(uow: UnitOfWork, book_id: int, *, now: datetime, rules: CirculationRules) -> None:
    """Lock the book against other circulation changes until the unit of work ends, then settle its
    queue: the first step of every change to a book's copies, loans or holds."""
    uow.books.lock(book_id)
    settle(uow, book_id, now=now, rules=rules)


def settle(uow: UnitOfWork, book_id: int, *, now: datetime, rules: CirculationRules) -> None:
    """Expire the book's lapsed ready holds, then give each copy on the shelf to the next waiting hold.

    Runs inside the caller's unit of work, after the book is locked (see take_turn).
    """
    for hold in uow.holds.for_book(book_id, "ready"):
        if hold.ready_until <= now:
            uow.holds.update(dataclasses.replace(hold, status="expired", ended_at=now, ready_until=None))
            uow.copies.set_status(hold.copy_id, "available")
            record("hold_expired", at=now, hold_id=hold.id, user_id=hold.user_id, book_id=book_id)
    free = [copy for copy in uow.copies.for_book(book_id) if copy.status == "available"]
    for hold, copy in zip(uow.holds.for_book(book_id, "waiting"), free):
        ready_until = now + timedelta(days=rules.hold_days)
        uow.holds.update(dataclasses.replace(hold, status="ready", copy_id=copy.id, ready_until=ready_until))
        uow.copies.set_status(copy.id, "on_hold_shelf")
        record("hold_ready", at=now, hold_id=hold.id, user_id=hold.user_id, book_id=book_id, copy_id=copy.id)
