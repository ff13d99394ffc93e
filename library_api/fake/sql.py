"""Bulk inserts of generated rows into the SQL store, in a few transactions: SQLAlchemy Core executemany,
or on PostgreSQL COPY through the same connection (executemany managed about 6,500 rows/s there, COPY
about 15,000 on the same busy machine; SQLite's executemany reuses one prepared statement and needs no help).

Ids are given explicitly (one past each table's largest), so copies' barcodes can name their ids and loans
their copies; PostgreSQL's sequences are moved past them afterwards (SQLite's AUTOINCREMENT follows by itself).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager

from sqlalchemy import Engine, func, insert, select, text

from ..store.sql.models import BookRow, CopyRow, LoanRow, ShelfRow, UserRow
from .catalog import Batch, FirstIds

# A transaction commits every this many books.
COMMIT_EVERY_BOOKS = 100_000
SEQUENCED = (BookRow, CopyRow, UserRow, LoanRow)


def book_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(BookRow.__table__))


def first_ids(engine: Engine) -> FirstIds:
    """One past the largest id of each table (its sequence, on PostgreSQL, may be further: never reuse)."""
    with engine.connect() as connection:
        def next_id(row) -> int:
            largest = connection.scalar(select(func.max(row.__table__.c.id))) or 0
            if engine.dialect.name == "postgresql":
                name = connection.scalar(text(f"SELECT pg_get_serial_sequence('{row.__tablename__}', 'id')"))
                used = connection.scalar(text(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {name}"))
                largest = max(largest, used)
            return largest + 1
        return FirstIds(book=next_id(BookRow), copy=next_id(CopyRow), user=next_id(UserRow), loan=next_id(LoanRow))


def insert_all(engine: Engine, users: list[dict], batches: Iterable[Batch], *,
               progress: Callable[[int], None] = lambda books: None) -> None:
    """Insert the users, then each batch's books, copies, loans and shelf entries, in order of reference."""
    connection = engine.connect()
    try:
        with _books_indexed_afterwards(connection):
            _insert_all(connection, users, batches, progress)
        _advance_sequences(connection)
        _analyze(connection)
    finally:
        connection.close()


@contextmanager
def _books_indexed_afterwards(connection):
    """On SQLite, drop the books' secondary indexes and triggers, and make them again (and rebuild the search
    table and the book count) once the rows are in: the sorts' and genres' indexes take their rows in random order,
    which cost three quarters of the insert time at 50k books and more the larger the catalog, while an
    index made afterwards is built from sorted rows. The statements made again are the schema's own.
    Only for an empty catalog."""
    appending = connection.dialect.name == "sqlite" and connection.exec_driver_sql(
        "SELECT 1 FROM books LIMIT 1").first() is not None
    connection.rollback()
    if connection.dialect.name != "sqlite" or appending:
        yield  # appending to a catalog: its indexes stay, rather than be built again over every book
        return
    schema = connection.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'books' AND sql IS NOT NULL "
        "AND type IN ('index', 'trigger')").all()
    for kind, name, _ in schema:
        connection.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
    connection.commit()
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()  # a failed batch: only what was committed stays, and gets its indexes
        for _, _, sql in schema:
            connection.exec_driver_sql(sql)
        if any(name.startswith("books_search") for _, name, _ in schema):
            connection.exec_driver_sql("INSERT INTO books_search(books_search) VALUES ('rebuild')")
        if any(name.startswith("book_count") for _, name, _ in schema):
            connection.exec_driver_sql("UPDATE book_count SET books = (SELECT count(*) FROM books)")
        connection.commit()


def _insert_all(connection, users: list[dict], batches: Iterable[Batch], progress: Callable[[int], None]) -> None:
    done = since_commit = 0
    transaction = connection.begin()
    _insert(connection, UserRow.__table__, users)
    for batch in batches:
        for row, rows in ((BookRow, batch.books), (CopyRow, batch.copies), (LoanRow, batch.loans),
                          (ShelfRow, batch.shelf)):
            if rows:
                _insert(connection, row.__table__, rows)
        done += len(batch.books)
        since_commit += len(batch.books)
        if since_commit >= COMMIT_EVERY_BOOKS:
            transaction.commit()
            transaction, since_commit = connection.begin(), 0
            progress(done)
    transaction.commit()


def _insert(connection, table, rows: list[dict]) -> None:
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    columns = list(rows[0])
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


def _analyze(connection) -> None:
    """Give PostgreSQL's planner the new tables' statistics and visibility map, as autovacuum would later
    (where it runs at all): without them it guesses, and a page of `available=true` over 100k books took a
    hash of every copy (680 ms) instead of a walk of 51 books (0.2 ms)."""
    if connection.dialect.name != "postgresql":
        return
    connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def _advance_sequences(connection) -> None:
    """Move PostgreSQL's id sequences past the ids given explicitly, so the next insert does not collide."""
    if connection.dialect.name != "postgresql":
        return
    with connection.begin():
        for row in SEQUENCED:
            table = row.__tablename__
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"GREATEST((SELECT max(id) FROM {table}), 1))"))
