"""The SQL catalog repository: the database enforces one book per ISBN, even under races."""
from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain import Book, BookQuery, Page
from ..errors import DuplicateIsbn
from .base import BookRepository
from .models import BookRow, ShelfRow
from .sql_common import aware, delete_by_key

BOOK_COLUMNS = [f.name for f in dataclasses.fields(Book) if f.name not in ("average_rating", "rating_count")]


def _like(column, needle: str):
    return func.lower(column).contains(needle.lower(), autoescape=True)


def to_book(row: BookRow) -> Book:
    book = Book(**{name: getattr(row, name) for name in BOOK_COLUMNS})
    book.created_at, book.updated_at = aware(book.created_at), aware(book.updated_at)
    return book


def books_with_ratings(session: Session, books: list[Book]) -> list[Book]:
    """Fill in rating figures for a list of books with one grouped query, not one per book."""
    if not books:
        return books
    figures = dict((book_id, (average, count)) for book_id, average, count in session.execute(
        select(ShelfRow.book_id, func.avg(ShelfRow.rating), func.count(ShelfRow.rating))
        .where(ShelfRow.book_id.in_({book.id for book in books}), ShelfRow.rating.is_not(None))
        .group_by(ShelfRow.book_id)).all())
    for book in books:
        average, book.rating_count = figures.get(book.id, (None, 0))
        book.average_rating = round(float(average), 2) if average is not None else None
    return books


class SqlBooks(BookRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    @contextmanager
    def _claiming_isbn(self, isbn: str | None):
        """Make changes in a savepoint; a unique-index violation on the ISBN becomes DUPLICATE_ISBN."""
        try:
            with self.session.begin_nested():
                yield
                self.session.flush()
        except IntegrityError:
            owner = self.session.scalar(select(BookRow.id).where(BookRow.isbn == isbn)) if isbn else None
            if owner is None:
                raise
            raise DuplicateIsbn(owner) from None

    def add(self, book: Book) -> Book:
        row = BookRow(**{name: getattr(book, name) for name in BOOK_COLUMNS if name != "id"})
        with self._claiming_isbn(book.isbn):
            self.session.add(row)
        return books_with_ratings(self.session, [to_book(row)])[0]

    def get(self, book_id: int) -> Book | None:
        row = self.session.get(BookRow, book_id)
        return books_with_ratings(self.session, [to_book(row)])[0] if row else None

    def get_by_isbn(self, isbn13: str) -> Book | None:
        row = self.session.scalar(select(BookRow).where(BookRow.isbn == isbn13))
        return books_with_ratings(self.session, [to_book(row)])[0] if row else None

    def search(self, query: BookQuery) -> Page:
        conditions = []
        if query.author is not None:
            conditions.append(_like(BookRow.author, query.author))
        if query.title is not None:
            conditions.append(_like(BookRow.title, query.title))
        if query.genre is not None:
            conditions.append(func.lower(BookRow.genre) == query.genre.lower())
        if query.q is not None:
            conditions.append(_like(BookRow.title, query.q) | _like(BookRow.author, query.q))
        if query.isbn is not None:
            conditions.append(BookRow.isbn == query.isbn)
        if query.available is not None:
            conditions.append(BookRow.available == query.available)
        total = self.session.scalar(select(func.count(BookRow.id)).where(*conditions))
        rows = self.session.scalars(select(BookRow).where(*conditions).order_by(*self._order(query))
                                    .offset(query.offset).limit(query.per_page))
        return Page(books_with_ratings(self.session, [to_book(row) for row in rows]), total)

    @staticmethod
    def _order(query: BookQuery):
        column = getattr(BookRow, query.sort)
        if query.sort in ("title", "author"):
            column = func.lower(column)
        if query.descending:
            return column.desc().nulls_last(), BookRow.id.desc()
        return column.asc().nulls_last(), BookRow.id.asc()

    def update(self, book: Book) -> Book:
        with self._claiming_isbn(book.isbn):
            row = self.session.get(BookRow, book.id)
            for name in BOOK_COLUMNS:
                setattr(row, name, getattr(book, name))
        return books_with_ratings(self.session, [to_book(row)])[0]

    def delete(self, book_id: int) -> None:
        # Favorites and shelf entries go with it: ON DELETE CASCADE in the schema.
        delete_by_key(self.session, BookRow, book_id)
