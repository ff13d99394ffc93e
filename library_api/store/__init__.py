"""Choose and set up the store named by LIBRARY_STORE; hand out units of work."""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from config import ConfigError

from ..extensions import db, migrate
from .base import UnitOfWork
from .memory import MemoryStore, MemoryUnitOfWork
from .memory.one_process import claim_one_process

log = logging.getLogger(__name__)
# Found wherever the command is run from, not only from the repository's root.
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def _sqlalchemy_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def init_store(app: Flask) -> Callable[[], UnitOfWork]:
    """Bind the configured store to the app and return its unit-of-work factory."""
    from .sql import SqlUnitOfWork, models, reader_and_writer  # noqa: F401  (Flask-Migrate must know the tables)

    app.config["SQLALCHEMY_DATABASE_URI"] = url = _sqlalchemy_url(app.config["DATABASE_URL"])
    # hide_parameters: a failing statement's parameters (password hashes among them) never reach a log.
    # pool_pre_ping: a server's connection may have died while it sat in the pool (a restart), so each is
    # tried before use; a SQLite file cannot go away like that, and the ping cost every unit of work a query.
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": not url.startswith("sqlite"),
                                                        "hide_parameters": True})
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), include_name=models.described_here)

    if app.config["LIBRARY_STORE"] == "memory":
        if app.config["MEMORY_STORE_LOCK"] and app.config["SERVING"]:
            claim_one_process(app.config["MEMORY_STORE_LOCK"])
        store = MemoryStore()
        return lambda: MemoryUnitOfWork(store)

    with app.app_context():
        engine = db.engine
    # Before the first connection: a pooled connection made untuned would run without foreign keys.
    reader, writer = reader_and_writer(engine)
    if app.config["SERVING"]:
        _refuse_schema_behind(engine)
    return lambda: SqlUnitOfWork(reader, writer)


def _refuse_schema_behind(engine: Engine) -> None:
    """Stop at start, with one line, rather than serve 500s from a schema older than the code."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = set(ScriptDirectory.from_config(config).get_heads())
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except OperationalError as error:
        # The database may come up after the app; /ready says so until it does.
        log.warning("Could not check the database schema at start: %s", error.orig)
        return
    if current != heads:
        raise ConfigError(f"the database schema is at {', '.join(sorted(current)) or 'nothing'}, the code needs "
                          f"{', '.join(sorted(heads))}: run `flask --app wsgi db upgrade`")
