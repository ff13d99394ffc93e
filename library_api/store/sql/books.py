"""The SQL catalog: the database enforces one book per ISBN, even under races; filters and sorts run
on the folded keys, as the dict store's do."""
from __future__ import annotations

import dataclasses
import functools

from sqlalchemy import bindparam, column, exists, func, literal_column, or_, select, table, tuple_
from sqlalchemy.orm import Session

from ... import domain
from ...domain import BOOK_READ_SIDE, FOLDED_SORT_KEYS, Book, BookQuery, Page, capped, fold
from ...errors import DuplicateIsbn
from ..base import BookRepository
from .common import aware, delete_by_key, explaining_conflicts
from .models import BookRow, CopyRow

BOOK_COLUMNS = [f.name for f in dataclasses.fields(Book) if f.name not in BOOK_READ_SIDE]
_ON_SHELF = exists().where(CopyRow.book_id == BookRow.id, CopyRow.status == "available")
# SQLite's trigram index of the folded title and author (migration 0005): an FTS5 table over books.
_TRIGRAMS = table("books_search", column("rowid"), column("title_key"), column("author_key"))
_TRIGRAMS_MATCH = literal_column("books_search").op("MATCH")
# The number of books, kept by triggers (migration 0008).
_BOOK_COUNT = select(table("book_count", column("books")).c.books)
_LAST_ID = select(func.max(BookRow.id))
# Over 100,000 books, a match fetched by rowid from the FTS5 index and sorted costs about 3.9 µs (the
# trigram phrase test, the row, the sorter), a row read by walking a sort's index and tested with instr
# about 0.42 µs: at 2,237 matches of "müller" the walk took 0.96 ms and the matches 8.7.
SPARSE_COST = 9
# Shorter needles have no trigram to look up; they are found by scanning.
TRIGRAM = 3
# The substring filters and the folded keys each one searches.
SUBSTRING_FILTERS = {"author": ("author_key",), "title": ("title_key",), "q": ("title_key", "author_key")}


def _fill(row: BookRow, book: Book) -> BookRow:
    for name in BOOK_COLUMNS:
        if name != "id":
            setattr(row, name, getattr(book, name))
    row.title_key, row.author_key, row.genre_key = fold(book.title), fold(book.author), fold(book.genre)
    return row


def _scanned(names: tuple[str, ...], param: str, *, sqlite: bool):
    """Whether any of the key columns `names` contains the needle bound to `param`, tested row by row on
    SQLite (instr) and through pg_trgm's GIN indexes on PostgreSQL (LIKE, the parameter a pattern)."""
    keys = [getattr(BookRow, name) for name in names]
    if sqlite:
        return or_(*(func.instr(key, bindparam(param)) > 0 for key in keys))
    return or_(*(key.like(bindparam(param), escape="/") for key in keys))


def _needle_value(folded_needle: str, *, sqlite: bool) -> str:
    """What _scanned's parameter holds: the needle itself, or a LIKE pattern with its wildcards escaped."""
    if sqlite:
        return folded_needle
    return "%" + folded_needle.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def _phrase(names: tuple[str, ...], folded_needle: str) -> str:
    """An FTS5 query for the rows whose columns `names` contain the needle: with the trigram tokenizer a
    phrase is the run of its trigrams, that is the needle as a substring (read from the index alone;
    a GLOB pattern would also read each candidate row back to test it, 15 times slower here)."""
    return "{" + " ".join(names) + "} : \"" + folded_needle.replace('"', '""') + '"'


# A book's figures as correlated subqueries, so that a page comes back with its figures in one query: each
# reads the few copies or shelf entries of one book through the index on their book_id. Written as SQL text:
# SQLAlchemy walks a statement's whole tree to find it in its cache on every execution, and these four
# subqueries made that walk the larger part of a page's SQL time (1.56 ms against 0.95 ms as text).
_FIGURES = (
    "(SELECT count(*) FROM copies WHERE copies.book_id = {id})",
    "(SELECT count(*) FROM copies WHERE copies.book_id = {id} AND copies.status = 'available')",
    "(SELECT avg(shelf_entries.rating) FROM shelf_entries WHERE shelf_entries.book_id = {id})",
    "(SELECT count(shelf_entries.rating) FROM shelf_entries WHERE shelf_entries.book_id = {id})",
)


def _figures(book_id: str) -> tuple:
    return tuple(literal_column(sql.format(id=book_id)) for sql in _FIGURES)


# A book's columns and its figures: every list of books (a catalog page, a user's loans, shelf and favorites)
# selects these after its own columns and reads them back with figured_book.
FIGURED_BOOK_COLUMNS = (*(getattr(BookRow, name) for name in BOOK_COLUMNS), *_figures("books.id"))
_BOOK_AND_FIGURES = select(*FIGURED_BOOK_COLUMNS).select_from(BookRow)
# Built once, so that SQLAlchemy finds them in its cache without walking them again (0.84 ms -> 0.09 ms).
_BOOK_BY_ID = _BOOK_AND_FIGURES.where(BookRow.id == bindparam("key"))
_BOOK_BY_ISBN = _BOOK_AND_FIGURES.where(BookRow.isbn == bindparam("key"))


def figured_book(row) -> Book:
    """A Book from a row's FIGURED_BOOK_COLUMNS (or a page's columns in the same order)."""
    *columns, copies, free, average, rated = row
    book = Book(**dict(zip(BOOK_COLUMNS, columns)))
    book.created_at, book.updated_at = aware(book.created_at), aware(book.updated_at)
    book.copies, book.available_copies, book.rating_count = int(copies or 0), int(free or 0), int(rated or 0)
    book.average_rating = round(float(average), 2) if average is not None else None
    return book


# The parts of a search's shape (see _shape) besides the filters' names: which copies, and how the needles
# of SQLite's trigram index are found on a page.
_AVAILABLE, _UNAVAILABLE, _DENSE, _SPARSE = "available", "unavailable", "dense", "sparse"


def _shape(query: BookQuery, *, sqlite: bool) -> tuple[tuple, dict, tuple]:
    """The query's filters as a shape (which filters, and how each is found), their values apart as
    parameters, and the substring filters SQLite finds through its trigram index. The statements of a
    shape are built once; every search of that shape reuses them with its own values."""
    shape, params, indexed = [], {}, []
    for name in ("genre", "isbn"):
        if getattr(query, name) is not None:
            shape.append(name)
            params[name] = getattr(query, name)
    if query.available is not None:
        shape.append(_AVAILABLE if query.available else _UNAVAILABLE)
    for name, names in SUBSTRING_FILTERS.items():
        needle = getattr(query, name)
        if needle is None:
            continue
        params[name] = _needle_value(needle, sqlite=sqlite)
        # SQLite looks needles of a trigram or more up in its FTS5 table; PostgreSQL's planner uses its trigram
        # indexes itself.
        (indexed if sqlite and len(needle) >= TRIGRAM else shape).append(name)
    if indexed:
        params["match"] = " AND ".join(_phrase(SUBSTRING_FILTERS[name], getattr(query, name)) for name in indexed)
    return tuple(shape), params, tuple(indexed)


def _conditions(shape: tuple, sqlite: bool) -> list:
    """The WHERE conditions of a shape, with the filters' values as parameters named after them."""
    conditions = []
    for part in shape:
        if part == "genre":
            conditions.append(BookRow.genre_key == bindparam("genre"))
        elif part == "isbn":
            conditions.append(BookRow.isbn == bindparam("isbn"))
        elif part in (_AVAILABLE, _UNAVAILABLE):
            conditions.append(_ON_SHELF if part == _AVAILABLE else ~_ON_SHELF)
        elif part in SUBSTRING_FILTERS:
            conditions.append(_scanned(SUBSTRING_FILTERS[part], part, sqlite=sqlite))
        elif part[0] == _DENSE:  # the indexed needles tested on each row the sort's index walk reads
            conditions += [_scanned(SUBSTRING_FILTERS[name], name, sqlite=True) for name in part[1]]
        else:
            conditions.append(BookRow.id.in_(select(_TRIGRAMS.c.rowid).where(_TRIGRAMS_MATCH(bindparam("match")))))
    return conditions


@functools.lru_cache(maxsize=256)
def _counts(shape: tuple, sqlite: bool, indexed: bool) -> tuple:
    """(probe for the match past COUNT_LIMIT or None, count of the matches) of a filtered search, built
    once; the limit is a parameter (count_limit, and count_cap one past it)."""
    conditions = _conditions(shape, sqlite)
    if indexed:
        # Counted from the index, which hands its matches over one by one and so stops at the limit
        # (read alone, without the books, when no other filter needs them).
        match = _TRIGRAMS_MATCH(bindparam("match"))
        matches = (select(_TRIGRAMS.c.rowid).where(match) if not conditions else
                   select(BookRow.id).select_from(_TRIGRAMS.join(BookRow, BookRow.id == _TRIGRAMS.c.rowid))
                   .where(match, *conditions))
    elif shape == (_AVAILABLE,):
        # The books with a copy on the shelf, counted from the copies' (book_id, status) index in one
        # walk, not by a test of each book (1M books: 1.9 ms against 6.5 on SQLite, 4.6 against 9.9 on
        # PostgreSQL, to find the 10,001st); every copy belongs to a book (a cascading foreign key).
        matches = select(CopyRow.book_id).where(CopyRow.status == "available").distinct()
    else:
        matches = select(BookRow.id).where(*conditions)
    if indexed or any(part in SUBSTRING_FILTERS for part in shape):
        # A needle's matches cost a test each (a phrase of trigram positions, a GIN bitmap gathering every
        # match, or a row scan) whether probed or counted: one capped count reads them once, not twice.
        return None, select(func.count()).select_from(matches.limit(bindparam("count_cap")).subquery())
    return matches.offset(bindparam("count_limit")).limit(1), select(func.count()).select_from(matches.subquery())


def _build_segments(sort: str, descending: bool, cursor: str | None, conditions: list) -> tuple:
    """(statement, count of its segment) for the books with a sort value, ordered by (value, id), and
    for those without, by id; `cursor` is None, "value" or "null" (the kind of sort value it stopped at).
    Parameters: after_value, after_id (with a cursor), skip and take, and the conditions' own."""
    key = getattr(BookRow, f"{sort}_key" if sort in FOLDED_SORT_KEYS else sort)
    later = (lambda a, b: a < b) if descending else (lambda a, b: a > b)
    direction = (lambda c: c.desc()) if descending else (lambda c: c.asc())
    after_id = bindparam("after_id", type_=BookRow.id.type)
    present, absent = [key.is_not(None)], [key.is_(None)]
    if cursor == "null":
        present = None
        absent.append(later(BookRow.id, after_id))
    elif cursor == "value":
        present.append(later(tuple_(key, BookRow.id), tuple_(bindparam("after_value", type_=key.type), after_id)))
    segments = [(present, (key, BookRow.id)), (absent, (BookRow.id,))]
    return tuple((_with_figures(select(*(getattr(BookRow, name) for name in BOOK_COLUMNS), *order)
                                .where(*conditions, *where).order_by(*map(direction, order))
                                .offset(bindparam("skip")).limit(bindparam("take")), len(order), direction),
                  select(func.count(BookRow.id)).where(*conditions, *where))
                 for where, order in segments if where is not None)


def _with_figures(page, order_columns: int, direction):
    """The page's books with their figures, computed for the page's rows only: PostgreSQL computes a
    select list for each row an OFFSET skips too (page=200: 10,000 x 4 subqueries, 340 ms a page)."""
    inner = page.subquery("page")
    order = list(inner.c)[-order_columns:]
    return select(*(inner.c[name] for name in BOOK_COLUMNS), *_figures("page.id")).order_by(*map(direction, order))


@functools.lru_cache(maxsize=512)
def _segments(sort: str, descending: bool, cursor: str | None, shape: tuple, sqlite: bool) -> tuple:
    # Built once per sort and shape: SQLAlchemy then finds a statement in its cache without walking it
    # (0.70 -> 0.33 ms a page), and a filtered page is not built anew (3 ms with a substring filter).
    return _build_segments(sort, descending, cursor, _conditions(shape, sqlite))


def _cursor_kind(query: BookQuery) -> str | None:
    """None without a cursor, else the kind of sort value the cursor stopped at: "value" or "null"."""
    return None if query.after is None else "null" if query.after[0] is None else "value"


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
        return self._one(_BOOK_BY_ID, row.id)

    def _one(self, statement, key) -> Book | None:
        row = self.session.connection().execute(statement, {"key": key}).first()
        return figured_book(row) if row else None

    def add(self, book: Book) -> Book:
        row = _fill(BookRow(), book)
        with self._claiming_isbn(book.isbn):
            self.session.add(row)
        return self._rated(row)

    def get(self, book_id: int) -> Book | None:
        return self._one(_BOOK_BY_ID, book_id)

    def get_by_isbn(self, isbn13: str) -> Book | None:
        return self._one(_BOOK_BY_ISBN, isbn13)

    def ids_by_isbn(self, isbns: list[str]) -> dict[str, int]:
        return dict(self.session.execute(select(BookRow.isbn, BookRow.id).where(BookRow.isbn.in_(isbns))).all())

    def ids_without_isbn(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        if not keys:
            return {}
        rows = self.session.execute(
            select(BookRow.title_key, BookRow.author_key, BookRow.id)
            .where(BookRow.isbn.is_(None), tuple_(BookRow.title_key, BookRow.author_key).in_(keys))
            .order_by(BookRow.id.desc()))
        return {(title, author): book_id for title, author, book_id in rows}  # the oldest id written last

    def add_many(self, books: list[Book]) -> list[int]:
        rows = [_fill(BookRow(), book) for book in books]

        def explain():
            taken = self.ids_by_isbn([book.isbn for book in books if book.isbn])
            return DuplicateIsbn(next(iter(taken.values()))) if taken else None
        # One flush: SQLAlchemy sends a multi-row INSERT ... RETURNING id, not a statement per book.
        with explaining_conflicts(self.session, explain):
            self.session.add_all(rows)
        return [row.id for row in rows]

    def search(self, query: BookQuery) -> Page:
        sqlite = self.session.get_bind().dialect.name == "sqlite"
        shape, params, indexed = _shape(query, sqlite=sqlite)
        if not (indexed or query.counted):
            total = None  # a reader walking every page (an export) needs no count
        elif not (shape or indexed):
            total = capped(self._rows(_BOOK_COUNT).scalar_one())
        else:
            total = self._count(_counts(shape, sqlite, bool(indexed)), params)
        if indexed:
            # Dense matches: walking the sort's index and testing each row reads about
            # catalog × page / matches rows before the page is full, cheaper than fetching and sorting
            # every match (each costs SPARSE_COST times a row of the walk).
            dense = total is None or SPARSE_COST * total * total >= (query.per_page + 1) * self._last_id()
            shape += ((_DENSE, indexed) if dense else (_SPARSE,),)
        rows = self._ordered(_segments(query.sort, query.descending, _cursor_kind(query), shape, sqlite),
                             params, query)
        return Page([figured_book(row) for row in rows[:query.per_page]], total if query.counted else None,
                    more=len(rows) > query.per_page)

    def _count(self, statements: tuple, params: dict) -> int | None:
        """How many rows a select of ids finds, or None past COUNT_LIMIT. Where the matches come from an
        index walk, a probe for the row past the limit walks at most COUNT_LIMIT + 1 entries, 4-5 times
        faster on SQLite than counting a LIMIT subquery (whose rows pass one by one through a coroutine);
        only when it finds none are the matches counted."""
        probe, count = statements
        params = {**params, "count_limit": domain.COUNT_LIMIT, "count_cap": domain.COUNT_LIMIT + 1}
        if probe is not None and self._rows(probe, params).first() is not None:
            return None
        return capped(self._rows(count, params).scalar_one())

    def _last_id(self) -> int:
        """The highest id: the catalog's size, near enough, read from the end of the primary key."""
        return self._rows(_LAST_ID).scalar_one() or 0

    def _rows(self, statement, params: dict | None = None):
        # Core, not the ORM: these rows become domain objects directly, with no identity map to fill.
        return self.session.connection().execute(statement, params)

    def _ordered(self, segments: tuple, params: dict, query: BookQuery) -> list:
        """One page and one book more, in two segments that each walk an index: the books with a sort
        value by (value, id), then those without one by id (nulls last in either direction)."""
        if query.after:
            params = {**params, "after_value": query.after[0], "after_id": query.after[1]}
        rows, offset, wanted = [], query.offset, query.per_page + 1
        for statement, counted in segments:
            if len(rows) == wanted:
                break
            found = self._rows(statement, {**params, "skip": offset, "take": wanted - len(rows)}).all()
            # The offset passed this whole segment: what is left of it falls in the next one.
            offset = max(0, offset - self._rows(counted, params).scalar_one()) if offset and not found else 0
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

