"""The SQLAlchemy unit of work: one db.session transaction per unit."""
from __future__ import annotations

from sqlalchemy.orm import Session

from .base import UnitOfWork
from .sql_accounts import SqlTokens, SqlUsers
from .sql_books import SqlBooks
from .sql_shelves import SqlFavorites, SqlShelf


class SqlUnitOfWork(UnitOfWork):
    """Wraps the request's db.session: commit() commits it, leaving without commit rolls it back."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __enter__(self) -> SqlUnitOfWork:
        self.books = SqlBooks(self.session)
        self.users = SqlUsers(self.session)
        self.favorites = SqlFavorites(self.session)
        self.shelf = SqlShelf(self.session)
        self.tokens = SqlTokens(self.session)
        return self

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
