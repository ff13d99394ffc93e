"""Personal reading shelves: wishlist, reading, completed, with a rating and review once completed."""
from __future__ import annotations

import dataclasses
from datetime import datetime

from ..books.service import existing_book
from ..domain import Book, Review, ShelfEntry
from ..errors import NotOnShelf, Unprocessable
from ..store.base import UnitOfWork

ShelfItem = tuple[ShelfEntry, Book]


def list_shelf(uow: UnitOfWork, *, user_id: int, status: str | None) -> list[ShelfItem]:
    """The user's shelf, oldest first, optionally of one status."""
    with uow.reading():
        return uow.shelf.for_user(user_id, status)


def get_shelf_entry(uow: UnitOfWork, *, user_id: int, book_id: int) -> ShelfItem:
    """One book on the user's shelf. Raises NotFound if it is not there."""
    with uow.reading():
        return _entry(uow, user_id, book_id), existing_book(uow, book_id)


def add_to_shelf(uow: UnitOfWork, *, user_id: int, book_id: int, fields: dict, now: datetime) -> ShelfItem:
    """Put a book on the user's shelf. Raises NotFound BOOK_NOT_FOUND, Conflict ALREADY_ON_SHELF, Unprocessable."""
    entry = ShelfEntry(user_id=user_id, book_id=book_id, date_added=now, updated_at=now,
                       **{"status": "wishlist", **{k: v for k, v in fields.items() if v is not None}})
    _check_rating(entry)
    with uow:
        existing_book(uow, book_id)
        entry = uow.shelf.add(entry)
        book = uow.books.get(book_id)  # read after the write, so its rating figures count this entry
        uow.commit()
    return entry, book


def shelve_unless_there(uow: UnitOfWork, *, entry: ShelfEntry) -> bool:
    """Inside an open unit of work: put a book on a shelf, unless it is there already, whose entry is kept as
    it is (an import never overwrites what the member set by hand). Raises Unprocessable."""
    _check_rating(entry)
    if uow.shelf.get(entry.user_id, entry.book_id) is not None:
        return False
    uow.shelf.add(entry)
    return True


def update_shelf_entry(uow: UnitOfWork, *, user_id: int, book_id: int, changes: dict,
                       now: datetime) -> ShelfItem:
    """Change status, rating or review. Raises NotFound if the book is not on the shelf, Unprocessable."""
    with uow:
        entry = _entry(uow, user_id, book_id)
        entry = dataclasses.replace(entry, **changes, updated_at=now)
        _check_rating(entry)
        entry = uow.shelf.update(entry)
        book = uow.books.get(book_id)
        uow.commit()
    return entry, book


def remove_from_shelf(uow: UnitOfWork, *, user_id: int, book_id: int) -> None:
    """Take a book off the shelf. Raises NotFound if it was not there."""
    with uow:
        if not uow.shelf.remove(user_id, book_id):
            raise NotOnShelf(book_id)
        uow.commit()


def reviews_of_book(uow: UnitOfWork, *, book_id: int) -> list[Review]:
    """Every user's rating and review of a book, newest first. Raises NotFound BOOK_NOT_FOUND."""
    with uow.reading():
        existing_book(uow, book_id)
        return uow.shelf.reviews_for_book(book_id)


def _entry(uow: UnitOfWork, user_id: int, book_id: int) -> ShelfEntry:
    entry = uow.shelf.get(user_id, book_id)
    if entry is None:
        raise NotOnShelf(book_id)
    return entry


def _check_rating(entry: ShelfEntry) -> None:
    if entry.rating is not None and entry.status != "completed":
        raise Unprocessable("VALIDATION_ERROR", "The request did not validate", rating=[
            "Only a completed book takes a rating; mark it completed, or send rating: null."])

