"""The dict store's catalog: one book per ISBN, filtered and ordered on the folded keys like the SQL store."""
from __future__ import annotations

import dataclasses

from ...domain import Book, BookQuery, Page, capped, fold, sort_value
from ...errors import DuplicateIsbn
from ..base import BookRepository
from .tables import Journal, MemoryStore, copy_value


def _matches(book: Book, query: BookQuery) -> bool:
    """Whether a book passes every filter; the query's text filters are folded already."""
    title, author = fold(book.title) or "", fold(book.author) or ""
    return all((
        query.author is None or query.author in author,
        query.title is None or query.title in title,
        query.genre is None or fold(book.genre) == query.genre,
        query.q is None or query.q in title or query.q in author,
        query.isbn is None or book.isbn == query.isbn,
        query.available is None or book.available == query.available,
    ))


def _holding(index: dict, book_id: int) -> list:
    """The keys of an index keyed by (user, book) that belong to the book."""
    return [key for key in index if key[1] == book_id]


def _ordered(books: list[Book], query: BookQuery) -> list[Book]:
    """Order by one key, ties broken by id in the same direction; books without the key go last.

    After a cursor, only the books that come after it in that order, as the SQL store's keyset does.
    """
    present = sorted((b for b in books if sort_value(b, query.sort) is not None),
                     key=lambda b: (sort_value(b, query.sort), b.id), reverse=query.descending)
    absent = sorted((b for b in books if sort_value(b, query.sort) is None), key=lambda b: b.id,
                    reverse=query.descending)
    if query.after is None:
        return present + absent
    value, last_id = query.after
    later = (lambda a, b: a < b) if query.descending else (lambda a, b: a > b)
    if value is None:
        return [b for b in absent if later(b.id, last_id)]
    return [b for b in present if later((sort_value(b, query.sort), b.id), (value, last_id))] + absent


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
        return self._with_figures([book])[0]

    def get(self, book_id: int) -> Book | None:
        book = self.j.get("books", book_id)
        return self._with_figures([book])[0] if book else None

    def many(self, book_ids: list[int]) -> list[Book]:
        """These books in this order, their ratings filled in with one pass over the shelves."""
        return self._with_figures([self.j.get("books", book_id) for book_id in book_ids])

    def get_by_isbn(self, isbn13: str) -> Book | None:
        book_id = self.j.get("isbns", isbn13)
        return self.get(book_id) if book_id is not None else None

    def ids_by_isbn(self, isbns: list[str]) -> dict[str, int]:
        return {isbn: self.j.get("isbns", isbn) for isbn in isbns if self.j.get("isbns", isbn) is not None}

    def ids_without_isbn(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        wanted, found = set(keys), {}
        for book in sorted(self.j.values("books"), key=lambda book: book.id):
            key = (fold(book.title), fold(book.author))
            if book.isbn is None and key in wanted:
                found.setdefault(key, book.id)
        return found

    def add_many(self, books: list[Book]) -> list[int]:
        taken = self.ids_by_isbn([book.isbn for book in books if book.isbn])
        if taken:
            raise DuplicateIsbn(next(iter(taken.values())))
        return [self.add(book).id for book in books]

    def search(self, query: BookQuery) -> Page:
        books = self._with_copies([copy_value(book) for book in self.j.values("books")])
        found = [book for book in books if _matches(book, query)]
        ordered = _ordered(found, query)[query.offset:query.offset + query.per_page + 1]
        return Page(self._with_ratings(ordered[:query.per_page]), capped(len(found)) if query.counted else None,
                    more=len(ordered) > query.per_page)

    def update(self, book: Book) -> Book:
        old = self.j.get("books", book.id)
        if old.isbn and old.isbn != book.isbn:
            self.j.pop("isbns", old.isbn)
        self._claim_isbn(book)
        self.j.put("books", book.id, book)
        return self._with_figures([book])[0]

    def delete(self, book_id: int) -> None:
        book = self.j.get("books", book_id)
        if book is None:
            return
        if book.isbn:
            self.j.pop("isbns", book.isbn)
        for table in ("favorites", "shelf", "open_loans_by_borrower", "active_holds"):
            for key in _holding(self.store.tables[table], book_id):
                self.j.pop(table, key)
        for copy in [c for c in self.j.values("copies") if c.book_id == book_id]:
            self.j.pop("barcodes", copy.barcode)
            self.j.pop("open_loans_by_copy", copy.id)
            self.j.pop("copies", copy.id)
        for table in ("loans", "holds"):
            for key in [key for key, row in self.store.tables[table].items() if row.book_id == book_id]:
                self.j.pop(table, key)
        # An import's row keeps its outcome without the book, as the SQL store's ON DELETE SET NULL does.
        for key, row in list(self.store.tables["import_rows"].items()):
            if row.book_id == book_id:
                self.j.put("import_rows", key, dataclasses.replace(row, book_id=None))
        self.j.pop("books", book_id)

    def lock(self, book_id: int) -> None:
        pass  # the unit of work holds the store's lock already

    def _with_copies(self, books: list[Book]) -> list[Book]:
        """Fill in copy counts with one pass over the copies."""
        counts = {book.id: [0, 0] for book in books}
        for copy in self.j.values("copies"):
            if copy.book_id in counts:
                counts[copy.book_id][0] += 1
                counts[copy.book_id][1] += copy.status == "available"
        for book in books:
            book.copies, book.available_copies = counts[book.id]
        return books

    def _with_figures(self, books: list[Book]) -> list[Book]:
        """Fill in copy and rating figures with one pass over the copies and one over the shelves."""
        return self._with_ratings(self._with_copies(books))

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
