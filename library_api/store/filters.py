"""Catalog filtering and ordering for the dict store, matching what the SQL store's queries do."""
from __future__ import annotations

from ..domain import Book, BookQuery


def _contains(haystack: str | None, needle: str) -> bool:
    return needle.lower() in (haystack or "").lower()


def book_matches(book: Book, query: BookQuery) -> bool:
    """Whether a book passes every filter the query sets."""
    return all((
        query.author is None or _contains(book.author, query.author),
        query.title is None or _contains(book.title, query.title),
        query.genre is None or (book.genre or "").lower() == query.genre.lower(),
        query.q is None or _contains(book.title, query.q) or _contains(book.author, query.q),
        query.isbn is None or book.isbn == query.isbn,
        query.available is None or book.available == query.available,
    ))


def sort_books(books: list[Book], key: str, descending: bool) -> list[Book]:
    """Order by one key, ties broken by id in the same direction; books without the key go last."""
    def value(book: Book):
        raw = getattr(book, key)
        return raw.lower() if isinstance(raw, str) else raw

    present = sorted((b for b in books if value(b) is not None), key=lambda b: (value(b), b.id),
                     reverse=descending)
    absent = sorted((b for b in books if value(b) is None), key=lambda b: b.id, reverse=descending)
    return present + absent
