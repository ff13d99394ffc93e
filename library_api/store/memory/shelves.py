"""The dict store's favorites and reading shelves."""
from __future__ import annotations

from datetime import datetime

from ...domain import Book, Review, ShelfEntry
from ...errors import AlreadyOnShelf
from ..base import FavoriteRepository, ShelfRepository
from .books import MemoryBooks
from .tables import Journal, MemoryStore, copy_value


class MemoryFavorites(FavoriteRepository):
    def __init__(self, store: MemoryStore, journal: Journal) -> None:
        self.store, self.j = store, journal

    def add(self, user_id: int, book_id: int, now: datetime) -> bool:
        if self.j.get("favorites", (user_id, book_id)) is not None:
            return False
        self.j.put("favorites", (user_id, book_id), now)
        return True

    def remove(self, user_id: int, book_id: int) -> bool:
        return self.j.pop("favorites", (user_id, book_id))

    def has(self, user_id: int, book_id: int) -> bool:
        return self.j.get("favorites", (user_id, book_id)) is not None

    def books_for_user(self, user_id: int) -> list[Book]:
        mine = sorted((added, book_id) for (owner, book_id), added in self.store.tables["favorites"].items()
                      if owner == user_id)
        return MemoryBooks(self.store, self.j).many([book_id for _, book_id in mine])


class MemoryShelf(ShelfRepository):
    def __init__(self, store: MemoryStore, journal: Journal) -> None:
        self.store, self.j = store, journal

    def add(self, entry: ShelfEntry) -> ShelfEntry:
        if self.j.get("shelf", (entry.user_id, entry.book_id)) is not None:
            raise AlreadyOnShelf(entry.book_id)
        self.j.put("shelf", (entry.user_id, entry.book_id), entry)
        return copy_value(entry)

    def get(self, user_id: int, book_id: int) -> ShelfEntry | None:
        return self.j.get("shelf", (user_id, book_id))

    def update(self, entry: ShelfEntry) -> ShelfEntry:
        self.j.put("shelf", (entry.user_id, entry.book_id), entry)
        return copy_value(entry)

    def remove(self, user_id: int, book_id: int) -> bool:
        return self.j.pop("shelf", (user_id, book_id))

    def for_user(self, user_id: int, status: str | None = None) -> list[tuple[ShelfEntry, Book]]:
        entries = sorted((e for e in self.j.values("shelf")
                          if e.user_id == user_id and (status is None or e.status == status)),
                         key=lambda e: (e.date_added, e.book_id))
        books = MemoryBooks(self.store, self.j).many([e.book_id for e in entries])
        return [(copy_value(e), book) for e, book in zip(entries, books)]

    def reviews_for_book(self, book_id: int) -> list[Review]:
        users = self.store.tables["users"]
        entries = sorted((e for e in self.j.values("shelf")
                          if e.book_id == book_id and (e.rating is not None or e.review_text)),
                         key=lambda e: e.user_id)
        entries.sort(key=lambda e: e.updated_at, reverse=True)  # stable: ties stay by user id, as in SQL
        return [Review(e.book_id, users[e.user_id].username, e.status, e.rating, e.review_text, e.updated_at)
                for e in entries]
