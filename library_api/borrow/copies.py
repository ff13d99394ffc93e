"""A book's copies: listing them (which settles its hold queue), adding and withdrawing them."""
from __future__ import annotations

from datetime import datetime

from ..books.service import existing_book
from ..domain import CirculationRules, Copy
from ..errors import Conflict, found
from ..store.base import UnitOfWork
from .queue import settle, take_turn


def list_copies(uow: UnitOfWork, *, book_id: int, now: datetime, rules: CirculationRules) -> list[Copy]:
    """The book's copies with their status, after lapsed holds have let theirs go. Raises NotFound."""
    with uow:
        existing_book(uow, book_id)
        take_turn(uow, book_id, now=now, rules=rules)
        copies = uow.copies.for_book(book_id)
        uow.commit()
    return copies


def add_copy(uow: UnitOfWork, *, book_id: int, barcode: str | None, now: datetime,
             rules: CirculationRules) -> Copy:
    """Add a copy (to the first waiting hold, if any). Raises NotFound BOOK_NOT_FOUND, Conflict BARCODE_TAKEN."""
    with uow:
        existing_book(uow, book_id)
        take_turn(uow, book_id, now=now, rules=rules)
        copy = uow.copies.add(Copy(book_id=book_id, barcode=barcode, created_at=now))
        settle(uow, book_id, now=now, rules=rules)
        copy = uow.copies.get(copy.id)
        uow.commit()
    return copy


def withdraw_copy(uow: UnitOfWork, *, copy_id: int, now: datetime, rules: CirculationRules) -> None:
    """Remove a copy that is on the shelf. Raises NotFound COPY_NOT_FOUND, Conflict COPY_ON_LOAN."""
    with uow:
        copy = _existing_copy(uow, copy_id)
        take_turn(uow, copy.book_id, now=now, rules=rules)
        copy = _existing_copy(uow, copy_id)
        if copy.status != "available":
            raise Conflict("COPY_ON_LOAN", "The copy is on loan or on the hold shelf", status=copy.status)
        uow.copies.delete(copy_id)
        uow.commit()


def _existing_copy(uow: UnitOfWork, copy_id: int) -> Copy:
    return found(uow.copies.get(copy_id), "COPY_NOT_FOUND", "Copy not found", copy_id=copy_id)
