"""Holds: a place in a book's queue, a copy kept on the hold shelf once one is free, and the sweep that
lets lapsed ones go."""
from __future__ import annotations

import dataclasses
from datetime import datetime

from .. import policy
from ..books.service import existing_book
from ..domain import CirculationRules, Hold, Page, User
from ..errors import AlreadyHasCopy, Conflict, found
from ..store.base import UnitOfWork
from .queue import record, settle, take_turn
from .service import active, existing_user


def place_hold(uow: UnitOfWork, *, actor: User | None, mode: str, user_id: int | None, book_id: int,
               now: datetime, rules: CirculationRules) -> Hold:
    """Queue for a book whose copies are all out. Raises Unauthorized, Forbidden, NotFound, Conflict
    USER_INACTIVE, ALREADY_HAS_COPY, HOLD_EXISTS, COPY_AVAILABLE."""
    holder_id = policy.borrower_for(actor, user_id, mode)
    with uow:
        active(existing_user(uow, holder_id))
        existing_book(uow, book_id)
        take_turn(uow, book_id, now=now, rules=rules)
        if uow.loans.open_for(holder_id, book_id) is not None:
            raise AlreadyHasCopy(book_id)
        if any(copy.status == "available" for copy in uow.copies.for_book(book_id)):
            raise Conflict("COPY_AVAILABLE", "A copy is on the shelf: borrow it instead", book_id=book_id)
        hold = uow.holds.add(Hold(user_id=holder_id, book_id=book_id, created_at=now))
        uow.commit()
    record("hold_placed", at=now, actor_id=actor and actor.id, hold_id=hold.id, user_id=holder_id,
           book_id=book_id, position=hold.position)
    return hold


def cancel_hold(uow: UnitOfWork, *, actor: User | None, hold_id: int, now: datetime,
                rules: CirculationRules) -> None:
    """Give up a hold; a copy it kept passes to the next in line. Raises NotFound, Unauthorized,
    Forbidden, Conflict HOLD_NOT_ACTIVE."""
    with uow:
        hold = _existing_hold(uow, hold_id)
        policy.ensure_self_or_admin(actor, hold.user_id)
        take_turn(uow, hold.book_id, now=now, rules=rules)
        hold = _existing_hold(uow, hold_id)
        if hold.status not in ("waiting", "ready"):
            raise Conflict("HOLD_NOT_ACTIVE", f"The hold has ended ({hold.status})", status=hold.status)
        uow.holds.update(dataclasses.replace(hold, status="cancelled", ended_at=now, ready_until=None))
        if hold.status == "ready":
            uow.copies.set_status(hold.copy_id, "available")
            settle(uow, hold.book_id, now=now, rules=rules)
        uow.commit()
    record("hold_cancelled", at=now, actor_id=actor.id, hold_id=hold.id, user_id=hold.user_id, book_id=hold.book_id)


def user_holds(uow: UnitOfWork, *, user_id: int, page: int, per_page: int) -> Page:
    """Every hold of the user, newest first. Raises NotFound USER_NOT_FOUND."""
    with uow.reading():
        existing_user(uow, user_id)
        return uow.holds.for_user(user_id, page, per_page)


def expire_holds(uow: UnitOfWork, *, now: datetime, rules: CirculationRules) -> int:
    """Let every lapsed ready hold go (a sweep for cron); return how many books were settled."""
    with uow.reading():
        book_ids = uow.holds.books_with_lapsed(now)
    for book_id in book_ids:
        with uow:
            take_turn(uow, book_id, now=now, rules=rules)
            uow.commit()
    return len(book_ids)


def _existing_hold(uow: UnitOfWork, hold_id: int) -> Hold:
    return found(uow.holds.get(hold_id), "NOT_FOUND", "Hold not found", hold_id=hold_id)
