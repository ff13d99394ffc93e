"""The SQLAlchemy store (LIBRARY_STORE=sql): SQLite by default, PostgreSQL in production."""
from .engine import reader_and_writer
from .uow import SqlUnitOfWork

__all__ = ["SqlUnitOfWork", "reader_and_writer"]
