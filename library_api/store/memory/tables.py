"""The dict store's tables and the undo log that makes a unit of work on them transactional."""
from __future__ import annotations

import dataclasses
import itertools
import threading
from collections import defaultdict

_ABSENT = object()


class MemoryStore:
    """The tables, their id counters, and the lock that makes each unit of work atomic."""

    TABLES = ("books", "isbns", "users", "usernames", "emails", "favorites", "shelf", "revoked",
              "copies", "barcodes", "loans", "open_loans_by_copy", "open_loans_by_borrower", "holds",
              "active_holds", "imports", "import_rows")

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tables: dict[str, dict] = {name: {} for name in self.TABLES}
        self.ids = defaultdict(lambda: itertools.count(1))

    def next_id(self, table: str) -> int:
        return next(self.ids[table])


class Journal:
    """Writes to the tables, remembering how to undo each until commit."""

    def __init__(self, store: MemoryStore) -> None:
        self.tables = store.tables
        self.undo: list[tuple[str, object, object]] = []

    def get(self, table: str, key):
        return copy_value(self.tables[table].get(key))

    def values(self, table: str):
        return self.tables[table].values()

    def put(self, table: str, key, value) -> None:
        self.undo.append((table, key, self.tables[table].get(key, _ABSENT)))
        self.tables[table][key] = copy_value(value)

    def pop(self, table: str, key) -> bool:
        old = self.tables[table].pop(key, _ABSENT)
        if old is not _ABSENT:
            self.undo.append((table, key, old))
        return old is not _ABSENT

    def rollback(self) -> None:
        for table, key, old in reversed(self.undo):
            if old is _ABSENT:
                self.tables[table].pop(key, None)
            else:
                self.tables[table][key] = old
        self.undo.clear()


def copy_value(value):
    """A copy of a stored dataclass, so no caller can change the store behind the journal's back."""
    return dataclasses.replace(value) if dataclasses.is_dataclass(value) else value
