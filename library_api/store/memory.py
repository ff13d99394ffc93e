"""The dict store: one process's library in Python dicts, transactional through an undo log."""
from __future__ import annotations

import dataclasses
from datetime import datetime

from ..domain import Book, BookQuery, Page, Review, ShelfEntry, User
from ..errors import AlreadyOnShelf, DuplicateIsbn, NameTaken
from .base import (BookRepository, FavoriteRepository, ShelfRepository, TokenRepository, UnitOfWork,
                   UserRepository)
from .filters import book_matches, sort_books
from .memory_tables import Journal, MemoryStore, copy_value


class MemoryBooks(BookRepository):
    def __init__(self, store: MemoryStore, journal: Journal) -> None:
        self.store, self.j = store, journal

    def _claim_isbn(self, book: Book) -> None:
        owner = self.j.get("isbns", book.isbn) if book.isbn else None
        if owner is not None and owner != book.id:
            raise DuplicateIsbn(owner)
        if book.isbn:
            self.j.put("isbns", book.isbn, book.id)

    def add(self, book: Book) -> Book:
        book = dataclasses.replace(book, id=self.store.next_id("books"))
        self._claim_isbn(book)
        self.j.put("books", book.id, book)
        return self._with_ratings([book])[0]

    def get(self, book_id: int) -> Book | None:
        book = self.j.get("books", book_id)
        return self._with_ratings([book])[0] if book else None

    def many(self, book_ids: list[int]) -> list[Book]:
        """These books in this order, their ratings filled in with one pass over the shelves."""
        return self._with_ratings([self.j.get("books", book_id) for book_id in book_ids])

    def get_by_isbn(self, isbn13: str) -> Book | None:
        book_id = self.j.get("isbns", isbn13)
        return self.get(book_id) if book_id is not None else None

    def search(self, query: BookQuery) -> Page:
        found = [book for book in self.j.values("books") if book_matches(book, query)]
        ordered = sort_books(found, query.sort, query.descending)
        page = [copy_value(book) for book in ordered[query.offset:query.offset + query.per_page]]
        return Page(self._with_ratings(page), len(found))

    def update(self, book: Book) -> Book:
        old = self.j.get("books", book.id)
        if old.isbn and old.isbn != book.isbn:
            self.j.pop("isbns", old.isbn)
        self._claim_isbn(book)
        self.j.put("books", book.id, book)
        return self._with_ratings([book])[0]

    def delete(self, book_id: int) -> None:
        book = self.j.get("books", book_id)
        if book is None:
            return
        if book.isbn:
            self.j.pop("isbns", book.isbn)
        for table in ("favorites", "shelf"):
            for key in [key for key in self.store.tables[table] if key[1] == book_id]:
                self.j.pop(table, key)
        self.j.pop("books", book_id)

    def _with_ratings(self, books: list[Book]) -> list[Book]:
        """Fill in rating figures with one pass over the shelves."""
        wanted = {book.id: [] for book in books}
        for entry in self.j.values("shelf"):
            if entry.rating is not None and entry.book_id in wanted:
                wanted[entry.book_id].append(entry.rating)
        for book in books:
            ratings = wanted[book.id]
            book.rating_count = len(ratings)
            book.average_rating = round(sum(ratings) / len(ratings), 2) if ratings else None
        return books


class MemoryUsers(UserRepository):
    def __init__(self, store: MemoryStore, journal: Journal) -> None:
        self.store, self.j = store, journal

    # (index table, field) for each name that is unique whatever its letter case.
    UNIQUE_NAMES = (("usernames", "username"), ("emails", "email"))

    def _claim_names(self, user: User, old: User | None) -> None:
        for table, field in self.UNIQUE_NAMES:
            value, old_value = getattr(user, field), getattr(old, field) if old else None
            if old_value and old_value.lower() != (value or "").lower():
                self.j.pop(table, old_value.lower())
            if not value:
                continue
            owner = self.j.get(table, value.lower())
            if owner is not None and owner != user.id:
                raise NameTaken(field)
            self.j.put(table, value.lower(), user.id)

    def add(self, user: User) -> User:
        user = dataclasses.replace(user, id=self.store.next_id("users"))
        self._claim_names(user, None)
        self.j.put("users", user.id, user)
        return copy_value(user)

    def get(self, user_id: int) -> User | None:
        return self.j.get("users", user_id)

    def get_by_login(self, login: str) -> User | None:
        table = "emails" if "@" in login else "usernames"
        user_id = self.j.get(table, login.lower())
        return self.get(user_id) if user_id is not None else None

    def update(self, user: User) -> User:
        self._claim_names(user, self.j.get("users", user.id))
        self.j.put("users", user.id, user)
        return copy_value(user)


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
        reviews = [Review(e.book_id, users[e.user_id].username, e.status, e.rating, e.review_text, e.updated_at)
                   for e in self.j.values("shelf")
                   if e.book_id == book_id and (e.rating is not None or e.review_text)]
        return sorted(reviews, key=lambda r: r.updated_at, reverse=True)


class MemoryTokens(TokenRepository):
    def __init__(self, store: MemoryStore, journal: Journal) -> None:
        self.store, self.j = store, journal

    def revoke(self, jti: str, expires_at: datetime) -> None:
        self.j.put("revoked", jti, expires_at)

    def is_revoked(self, jti: str) -> bool:
        return self.j.get("revoked", jti) is not None

    def purge_expired(self, now: datetime) -> int:
        expired = [jti for jti, expires_at in self.store.tables["revoked"].items() if expires_at <= now]
        for jti in expired:
            self.j.pop("revoked", jti)
        return len(expired)


class MemoryUnitOfWork(UnitOfWork):
    """Holds the store's lock from enter to exit, so a check and the write it guards are atomic."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def __enter__(self) -> MemoryUnitOfWork:
        self.store.lock.acquire()
        self.journal = Journal(self.store)
        self.books = MemoryBooks(self.store, self.journal)
        self.users = MemoryUsers(self.store, self.journal)
        self.favorites = MemoryFavorites(self.store, self.journal)
        self.shelf = MemoryShelf(self.store, self.journal)
        self.tokens = MemoryTokens(self.store, self.journal)
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self.rollback()
        finally:
            self.store.lock.release()

    def commit(self) -> None:
        self.journal.undo.clear()

    def rollback(self) -> None:
        self.journal.rollback()
