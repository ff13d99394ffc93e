"""SQL repositories for favorites and reading shelves."""
from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ...domain import Book, Review, ShelfEntry
from ...errors import AlreadyOnShelf, NotFound
from ..base import FavoriteRepository, ShelfRepository
from .books import FIGURED_BOOK_COLUMNS, figured_book
from .common import aware, delete_by_key, explaining_conflicts
from .models import BookRow, FavoriteRow, ShelfRow, UserRow

ENTRY_COLUMNS = [f.name for f in dataclasses.fields(ShelfEntry)]
# A user's shelf with its books and the books' figures: one query, built once.
_SHELF = (select(*(getattr(ShelfRow, name) for name in ENTRY_COLUMNS), *FIGURED_BOOK_COLUMNS)
          .join_from(ShelfRow, BookRow, BookRow.id == ShelfRow.book_id)
          .where(ShelfRow.user_id == bindparam("user_id")).order_by(ShelfRow.date_added, ShelfRow.book_id))
_SHELF_OF_STATUS = _SHELF.where(ShelfRow.status == bindparam("status"))
# A user's favorite books with their figures, in the order they were favored.
_FAVORITES = (select(*FIGURED_BOOK_COLUMNS).join_from(FavoriteRow, BookRow, BookRow.id == FavoriteRow.book_id)
              .where(FavoriteRow.user_id == bindparam("user_id")).order_by(FavoriteRow.created_at, BookRow.id))


def _to_entry(row: ShelfRow) -> ShelfEntry:
    return _read_entry({name: getattr(row, name) for name in ENTRY_COLUMNS})


def _read_entry(columns: dict) -> ShelfEntry:
    entry = ShelfEntry(**columns)
    entry.date_added, entry.updated_at = aware(entry.date_added), aware(entry.updated_at)
    return entry


def _book_gone(session: Session, book_id: int) -> NotFound | None:
    """A foreign-key race: the book was deleted between the service's check and this write."""
    if session.get(BookRow, book_id) is None:
        return NotFound("BOOK_NOT_FOUND", "Book not found", book_id=book_id)
    return None


class _AlreadyThere(Exception):
    """A concurrent request made the same favorite first."""


class SqlFavorites(FavoriteRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, user_id: int, book_id: int, now: datetime) -> bool:
        if self.session.get(FavoriteRow, (user_id, book_id)) is not None:
            return False
        def explain():
            if self.session.get(FavoriteRow, (user_id, book_id)) is not None:
                return _AlreadyThere()
            return _book_gone(self.session, book_id)
        try:
            with explaining_conflicts(self.session, explain):
                self.session.add(FavoriteRow(user_id=user_id, book_id=book_id, created_at=now))
        except _AlreadyThere:
            return False
        return True

    def remove(self, user_id: int, book_id: int) -> bool:
        return delete_by_key(self.session, FavoriteRow, (user_id, book_id))

    def has(self, user_id: int, book_id: int) -> bool:
        return self.session.get(FavoriteRow, (user_id, book_id)) is not None

    def books_for_user(self, user_id: int) -> list[Book]:
        rows = self.session.connection().execute(_FAVORITES, {"user_id": user_id})
        return [figured_book(row) for row in rows]


class SqlShelf(ShelfRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, entry: ShelfEntry) -> ShelfEntry:
        row = ShelfRow(**dataclasses.asdict(entry))

        def explain():
            if self.session.get(ShelfRow, (entry.user_id, entry.book_id)) is not None:
                return AlreadyOnShelf(entry.book_id)
            return _book_gone(self.session, entry.book_id)
        with explaining_conflicts(self.session, explain):
            self.session.add(row)
        return _to_entry(row)

    def get(self, user_id: int, book_id: int) -> ShelfEntry | None:
        row = self.session.get(ShelfRow, (user_id, book_id))
        return _to_entry(row) if row else None

    def update(self, entry: ShelfEntry) -> ShelfEntry:
        row = self.session.get(ShelfRow, (entry.user_id, entry.book_id))
        for name in ENTRY_COLUMNS:
            setattr(row, name, getattr(entry, name))
        self.session.flush()
        return _to_entry(row)

    def remove(self, user_id: int, book_id: int) -> bool:
        return delete_by_key(self.session, ShelfRow, (user_id, book_id))

    def for_user(self, user_id: int, status: str | None = None) -> list[tuple[ShelfEntry, Book]]:
        rows = self.session.connection().execute(_SHELF if status is None else _SHELF_OF_STATUS,
                                                 {"user_id": user_id, "status": status})
        count = len(ENTRY_COLUMNS)
        return [(_read_entry(dict(zip(ENTRY_COLUMNS, row))), figured_book(row[count:])) for row in rows]

    def reviews_for_book(self, book_id: int) -> list[Review]:
        rows = self.session.execute(
            select(ShelfRow, UserRow.username).join(UserRow, UserRow.id == ShelfRow.user_id)
            .where(ShelfRow.book_id == book_id,
                   ShelfRow.rating.is_not(None) | (ShelfRow.review_text.is_not(None) & (ShelfRow.review_text != "")))
            .order_by(ShelfRow.updated_at.desc(), ShelfRow.user_id))
        return [Review(e.book_id, username, e.status, e.rating, e.review_text, aware(e.updated_at))
                for e, username in rows]
