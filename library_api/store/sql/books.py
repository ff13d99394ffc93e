"""The SQL catalog: the database enforces one book per ISBN, even under races; filters and sorts run
on the folded keys, as the dict store's do."""
from __future__ import annotations

import dataclasses

from sqlalchemy import case, column, exists, func, select, table, tuple_
from sqlalchemy.orm import Session

from ... import domain
from ...domain import BOOK_READ_SIDE, FOLDED_SORT_KEYS, Book, BookQuery, Page, capped, fold
from ...errors import DuplicateIsbn
from ..base import BookRepository
from .common import aware, delete_by_key, explaining_conflicts
from .models import BookRow, CopyRow, ShelfRow

BOOK_COLUMNS = [f.name for f in dataclasses.fields(Book) if f.name not in BOOK_READ_SIDE]
_ON_SHELF = exists().where(CopyRow.book_id == BookRow.id, CopyRow.status == "available")
# SQLite's trigram index of the folded title and author (migration 0005): an FTS5 table over books.
_TRIGRAMS = table("books_search", column("rowid"), column("title_key"), column("author_key"))
# Shorter needles have no trigram to look up; they are found by scanning.
TRIGRAM = 3


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


def _glob_literal(text: str) -> str:
    """`text` as a GLOB pattern that matches itself only."""
    return "".join(f"[{char}]" if char in "*?[" else char for char in text)


def _contains(session: Session, name: str, folded_needle: str):
    """Whether the key column `name` (title_key or author_key) contains the needle, through its trigram
    index: pg_trgm's GIN index serves LIKE on PostgreSQL, the FTS5 trigram table serves GLOB on SQLite."""
    key = getattr(BookRow, name)
    if session.get_bind().dialect.name != "sqlite":
        return key.contains(folded_needle, autoescape=True)
    if len(folded_needle) < TRIGRAM:
        return func.instr(key, folded_needle) > 0
    indexed = getattr(_TRIGRAMS.c, name).op("GLOB")(f"*{_glob_literal(folded_needle)}*")
    return BookRow.id.in_(select(_TRIGRAMS.c.rowid).where(indexed))


# A book's figures as correlated subqueries, so that a page comes back with its figures in one query: each
# reads the few copies or shelf entries of one book through the index on their book_id.
_FIGURES = (
    select(func.count(CopyRow.id)).where(CopyRow.book_id == BookRow.id).scalar_subquery(),
    select(func.count(CopyRow.id)).where(CopyRow.book_id == BookRow.id, CopyRow.status == "available")
    .scalar_subquery(),
    select(func.avg(ShelfRow.rating)).where(ShelfRow.book_id == BookRow.id).scalar_subquery(),
    select(func.count(ShelfRow.rating)).where(ShelfRow.book_id == BookRow.id).scalar_subquery(),
)
_BOOK_AND_FIGURES = select(*(getattr(BookRow, name) for name in BOOK_COLUMNS), *_FIGURES)


def _figured(row) -> Book:
    """A Book from a row of _BOOK_AND_FIGURES."""
    *columns, copies, free, average, rated = row
    book = Book(**dict(zip(BOOK_COLUMNS, columns)))
    book.created_at, book.updated_at = aware(book.created_at), aware(book.updated_at)
    _set_figures(book, copies, free, average, rated)
    return book


def _set_figures(book: Book, copies, free, average, rated) -> None:
    book.copies, book.available_copies, book.rating_count = int(copies or 0), int(free or 0), int(rated or 0)
    book.average_rating = round(float(average), 2) if average is not None else None


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
        _set_figures(book, *copies.get(book.id, (0, 0)), *ratings.get(book.id, (None, 0)))
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
        self.session.flush()
        return self._one(BookRow.id == row.id)

    def _one(self, condition) -> Book | None:
        row = self._rows(_BOOK_AND_FIGURES.where(condition)).first()
        return _figured(row) if row else None

    def add(self, book: Book) -> Book:
        row = _fill(BookRow(), book)
        with self._claiming_isbn(book.isbn):
            self.session.add(row)
        return self._rated(row)

    def get(self, book_id: int) -> Book | None:
        return self._one(BookRow.id == book_id)

    def get_by_isbn(self, isbn13: str) -> Book | None:
        return self._one(BookRow.isbn == isbn13)

    def search(self, query: BookQuery) -> Page:
        conditions = self._filters(query)
        rows = self._ordered(conditions, query)
        return Page([_figured(row) for row in rows[:query.per_page]], self._count(conditions),
                    more=len(rows) > query.per_page)

    def _filters(self, query: BookQuery) -> list:
        conditions = []
        if query.author is not None:
            conditions.append(_contains(self.session, "author_key", query.author))
        if query.title is not None:
            conditions.append(_contains(self.session, "title_key", query.title))
        if query.genre is not None:
            conditions.append(BookRow.genre_key == query.genre)
        if query.q is not None:
            conditions.append(_contains(self.session, "title_key", query.q)
                              | _contains(self.session, "author_key", query.q))
        if query.isbn is not None:
            conditions.append(BookRow.isbn == query.isbn)
        if query.available is not None:
            conditions.append(_ON_SHELF if query.available else ~_ON_SHELF)
        return conditions

    def _count(self, conditions: list) -> int | None:
        """The matches, or None past COUNT_LIMIT. A probe for the row past the limit walks at most
        COUNT_LIMIT + 1 index entries, 4-5 times faster on SQLite than counting a LIMIT subquery (whose
        rows pass one by one through a coroutine); only when it finds none are the matches counted."""
        past = select(BookRow.id).where(*conditions).offset(domain.COUNT_LIMIT).limit(1)
        if self._rows(past).first() is not None:
            return None
        return capped(self._rows(select(func.count(BookRow.id)).where(*conditions)).scalar_one())

    def _rows(self, statement):
        # Core, not the ORM: these rows become domain objects directly, with no identity map to fill.
        return self.session.connection().execute(statement)

    def _ordered(self, conditions: list, query: BookQuery) -> list:
        """One page and one book more, in two segments that each walk an index: the books with a sort
        value by (value, id), then those without one by id (nulls last in either direction)."""
        key = getattr(BookRow, f"{query.sort}_key" if query.sort in FOLDED_SORT_KEYS else query.sort)
        later = (lambda a, b: a < b) if query.descending else (lambda a, b: a > b)
        direction = (lambda c: c.desc()) if query.descending else (lambda c: c.asc())
        present = [key.is_not(None)]
        absent = [key.is_(None)]
        if query.after is not None:
            value, last_id = query.after
            if value is None:
                present = None
                absent.append(later(BookRow.id, last_id))
            else:
                present.append(later(tuple_(key, BookRow.id), tuple_(value, last_id)))
        segments = [(present, (direction(key), direction(BookRow.id))), (absent, (direction(BookRow.id),))]
        rows, offset, wanted = [], query.offset, query.per_page + 1
        for where, order in segments:
            if where is None or len(rows) == wanted:
                continue
            found = self._rows(_BOOK_AND_FIGURES.where(*conditions, *where).order_by(*order)
                               .offset(offset).limit(wanted - len(rows))).all()
            if offset and not found:
                # The offset passed this whole segment: what is left of it falls in the next one.
                skipped = self.session.scalar(select(func.count(BookRow.id)).where(*conditions, *where))
                offset = max(0, offset - skipped)
            else:
                offset = 0
            rows += found
        return rows

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
