"""Choose and set up the store named by LIBRARY_STORE; hand out units of work."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import event

from ..extensions import db, migrate
from .base import UnitOfWork
from .memory import MemoryStore, MemoryUnitOfWork

SQLITE_BUSY_TIMEOUT_MS = 5000
# Found wherever the command is run from, not only from the repository's root.
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def _tune_sqlite(dbapi_connection, _record) -> None:
    # WAL lets readers and a writer work at once; the busy timeout makes a second writer wait, not fail;
    # SQLite enforces foreign keys (and so ON DELETE CASCADE) only when asked, per connection.
    # pysqlite's own transaction handling breaks savepoints, so SQLAlchemy's begin event issues BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_immediately(connection) -> None:
    # Take the write lock at the start, so two racing transactions queue on the busy timeout
    # instead of one failing when it upgrades a read lock.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_store(app: Flask) -> Callable[[], UnitOfWork]:
    """Bind the configured store to the app and return its unit-of-work factory."""
    from . import models  # noqa: F401  (the tables must be known to Flask-Migrate)

    url = app.config["DATABASE_URL"]
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))

    if app.config["LIBRARY_STORE"] == "memory":
        store = MemoryStore()
        return lambda: MemoryUnitOfWork(store)

    from .sql import SqlUnitOfWork

    if url.startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _tune_sqlite)
            event.listen(db.engine, "begin", _begin_immediately)
    return lambda: SqlUnitOfWork(db.session)
