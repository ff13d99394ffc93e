"""The dict store's unit of work: the store's lock from enter to exit, and an undo log for rollback."""
from __future__ import annotations

from ..base import UnitOfWork
from .accounts import MemoryTokens, MemoryUsers
from .books import MemoryBooks
from .imports import MemoryImports
from .loans import MemoryCopies, MemoryHolds, MemoryLoans
from .shelves import MemoryFavorites, MemoryShelf
from .tables import Journal, MemoryStore


class MemoryUnitOfWork(UnitOfWork):
    """Holds the store's lock from enter to exit, so a check and the write it guards are atomic."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def _begin(self, *, writing: bool) -> None:
        self.store.lock.acquire()
        self.journal = Journal(self.store)
        self.books = MemoryBooks(self.store, self.journal)
        self.users = MemoryUsers(self.store, self.journal)
        self.favorites = MemoryFavorites(self.store, self.journal)
        self.shelf = MemoryShelf(self.store, self.journal)
        self.tokens = MemoryTokens(self.store, self.journal)
        self.copies = MemoryCopies(self.store, self.journal)
        self.loans = MemoryLoans(self.store, self.journal)
        self.holds = MemoryHolds(self.store, self.journal)
        self.imports = MemoryImports(self.store, self.journal)

    def _end(self) -> None:
        try:
            self.rollback()
        finally:
            self.store.lock.release()

    def commit(self) -> None:
        self.journal.undo.clear()

    def rollback(self) -> None:
        self.journal.rollback()
