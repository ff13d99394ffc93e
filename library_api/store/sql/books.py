"""The SQL catalog: the database enforces one book per ISBN, even under races; filters and sorts run
on the folded keys, as the dict store's do."""
from __future__ import annotations

import dataclasses

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session

from ...domain import BOOK_READ_SIDE, FOLDED_SORT_KEYS, Book, BookQuery, Page, fold
from ...errors import DuplicateIsbn
from ..base import BookRepository
from .common import aware, delete_by_key, explaining_conflicts
from .models import BookRow, CopyRow, ShelfRow

BOOK_COLUMNS = [f.name for f in dataclasses.fields(Book) if f.name not in BOOK_READ_SIDE]
_ON_SHELF = exists().where(CopyRow.book_id == BookRow.id, CopyRow.status == "available")


def to_book(row: BookRow) -> Book:
    book = Book(**{name: getattr(row, name) for name in BOOK_COLUMNS})
    book.created_at, book.updated_at = aware(book.created_at), aware(book.updated_at)
    return book


def _fill(row: BookRow, book: Book) -> BookRow:
    for name in BOOK_COLUMNS:
        if name != "id":
            setattr(row, name, getattr(book, name))
    row.title_key, row.author_key, row.genre_key = fold(book.title), fold(book.author), fold(book.genre)
    return row


def _contains(key_column, folded_needle: str):
    return key_column.contains(folded_needle, autoescape=True)


def books_with_figures(session: Session, books: list[Book]) -> list[Book]:
    """Fill in rating and copy figures for a list of books with two grouped queries, not two per book."""
    if not books:
        return books
    ids = {book.id for book in books}
    ratings = {book_id: (average, count) for book_id, average, count in session.execute(
        select(ShelfRow.book_id, func.avg(ShelfRow.rating), func.count(ShelfRow.rating))
        .where(ShelfRow.book_id.in_(ids), ShelfRow.rating.is_not(None)).group_by(ShelfRow.book_id)).all()}
    copies = {book_id: (count, free) for book_id, count, free in session.execute(
        select(CopyRow.book_id, func.count(CopyRow.id), func.sum(case((CopyRow.status == "available", 1), else_=0)))
        .where(CopyRow.book_id.in_(ids)).group_by(CopyRow.book_id)).all()}
    for book in books:
        average, book.rating_count = ratings.get(book.id, (None, 0))
        book.average_rating = round(float(average), 2) if average is not None else None
        book.copies, book.available_copies = (int(n) for n in copies.get(book.id, (0, 0)))
    return books


class SqlBooks(BookRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def _claiming_isbn(self, isbn: str | None):
        """A unique-index violation on the ISBN becomes DUPLICATE_ISBN naming the book that has it."""
        def explain():
            owner = self.session.scalar(select(BookRow.id).where(BookRow.isbn == isbn)) if isbn else None
            return DuplicateIsbn(owner) if owner is not None else None
        return explaining_conflicts(self.session, explain)

    def _rated(self, row: BookRow) -> Book:
        return books_with_figures(self.session, [to_book(row)])[0]

    def add(self, book: Book) -> Book:
        row = _fill(BookRow(), book)
        with self._claiming_isbn(book.isbn):
            self.session.add(row)
        return self._rated(row)

    def get(self, book_id: int) -> Book | None:
        row = self.session.get(BookRow, book_id)
        return self._rated(row) if row else None

    def get_by_isbn(self, isbn13: str) -> Book | None:
        row = self.session.scalar(select(BookRow).where(BookRow.isbn == isbn13))
        return self._rated(row) if row else None

    def search(self, query: BookQuery) -> Page:
        conditions = []
        if query.author is not None:
            conditions.append(_contains(BookRow.author_key, query.author))
        if query.title is not None:
            conditions.append(_contains(BookRow.title_key, query.title))
        if query.genre is not None:
            conditions.append(BookRow.genre_key == query.genre)
        if query.q is not None:
            conditions.append(_contains(BookRow.title_key, query.q) | _contains(BookRow.author_key, query.q))
        if query.isbn is not None:
            conditions.append(BookRow.isbn == query.isbn)
        if query.available is not None:
            conditions.append(_ON_SHELF if query.available else ~_ON_SHELF)
        total = self.session.scalar(select(func.count(BookRow.id)).where(*conditions))
        rows = self.session.scalars(select(BookRow).where(*conditions).order_by(*self._order(query))
                                    .offset(query.offset).limit(query.per_page))
        return Page(books_with_figures(self.session, [to_book(row) for row in rows]), total)

    @staticmethod
    def _order(query: BookQuery):
        column = getattr(BookRow, f"{query.sort}_key" if query.sort in FOLDED_SORT_KEYS else query.sort)
        if query.descending:
            return column.desc().nulls_last(), BookRow.id.desc()
        return column.asc().nulls_last(), BookRow.id.asc()

    def update(self, book: Book) -> Book:
        with self._claiming_isbn(book.isbn):
            row = _fill(self.session.get(BookRow, book.id), book)
        return self._rated(row)

    def delete(self, book_id: int) -> None:
        # Copies, loans, holds, favorites and shelf entries go with it: ON DELETE CASCADE in the schema.
        delete_by_key(self.session, BookRow, book_id)

    def lock(self, book_id: int) -> None:
        # FOR UPDATE on PostgreSQL; SQLite has no row locks and needs none (writes begin IMMEDIATE).
        self.session.execute(select(BookRow.id).where(BookRow.id == book_id).with_for_update())
