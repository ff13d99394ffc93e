"""The SQLAlchemy unit of work: a session of its own per unit, a read or a write transaction."""
from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ..base import UnitOfWork
from .accounts import SqlTokens, SqlUsers
from .books import SqlBooks
from .imports import SqlImports
from .loans import SqlCopies, SqlHolds, SqlLoans
from .shelves import SqlFavorites, SqlShelf


class SqlUnitOfWork(UnitOfWork):
    """Opens a session on enter and closes it on exit, as cosmicpython's SqlAlchemyUnitOfWork does.

    Reads and writes go through engines that differ only in how SQLite begins (see engine.py).
    """

    def __init__(self, reader: Engine, writer: Engine) -> None:
        self.reader, self.writer = reader, writer

    def _begin(self, *, writing: bool) -> None:
        self.session = Session(bind=self.writer if writing else self.reader, expire_on_commit=False)
        self.books = SqlBooks(self.session)
        self.users = SqlUsers(self.session)
        self.favorites = SqlFavorites(self.session)
        self.shelf = SqlShelf(self.session)
        self.tokens = SqlTokens(self.session)
        self.copies = SqlCopies(self.session)
        self.loans = SqlLoans(self.session)
        self.holds = SqlHolds(self.session)
        self.imports = SqlImports(self.session)

    def _end(self) -> None:
        self.session.close()  # rolls back whatever was not committed

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
