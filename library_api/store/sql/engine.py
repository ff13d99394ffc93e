"""The database engines: SQLite tuned for a web server, one engine for reads and one for writes."""
from __future__ import annotations

from sqlalchemy import Engine, event

SQLITE_BUSY_TIMEOUT_MS = 5000
# Reads through a memory map rather than a read() per page into each connection's own 2 MiB cache: a page
# of books and its figures touch pages all over the file (over 100k books, a tenth less CPU for them).
SQLITE_MMAP_BYTES = 1 << 30


def _tune_sqlite(dbapi_connection, _record) -> None:
    # WAL lets readers and a writer work at once; the busy timeout makes a second writer wait, not fail;
    # SQLite enforces foreign keys (and so ON DELETE CASCADE) only when asked, per connection.
    # pysqlite's own transaction handling breaks savepoints, so the begin event below issues BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin(connection) -> None:
    # A write transaction takes the write lock at once (IMMEDIATE), so two writers queue on the busy
    # timeout instead of one failing when it upgrades a read lock; a read (DEFERRED) never waits.
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def reader_and_writer(engine: Engine) -> tuple[Engine, Engine]:
    """The engines a unit of work binds its session to, for reading and for writing.

    PostgreSQL reads in autocommit: at its READ COMMITTED each statement takes its own snapshot inside a
    transaction or out of one, so a read-only unit's BEGIN and ROLLBACK bought nothing but two round trips
    (of a catalog page's five). SQLite's reads keep their transaction: it is what holds one WAL snapshot
    across a page and its count.
    """
    if engine.dialect.name != "sqlite":
        return engine.execution_options(isolation_level="AUTOCOMMIT"), engine
    event.listen(engine, "connect", _tune_sqlite)
    event.listen(engine, "begin", _begin)
    return engine, engine.execution_options(sqlite_begin="IMMEDIATE")
