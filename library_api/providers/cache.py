"""An in-process lookup cache: found books for a day, "not found" for an hour."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from cachetools import TLRUCache

from .base import BookMetadata, LookupCache

FOUND_TTL = 24 * 3600.0
# Shorter, because a book unknown today may be catalogued tomorrow.
NOT_FOUND_TTL = 3600.0
MAXSIZE = 4096


class MemoryLookupCache(LookupCache):
    """A TLRU cache of BookMetadata by ISBN-13, one per process; thread-safe."""

    def __init__(self, *, ttl: float = FOUND_TTL, negative_ttl: float = NOT_FOUND_TTL, maxsize: int = MAXSIZE,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self._ttl, self._negative_ttl = ttl, negative_ttl
        self._cache: TLRUCache = TLRUCache(maxsize, self._expires, timer)
        # cachetools caches are not thread-safe; even a read reorders the LRU list.
        self._lock = threading.Lock()

    def get(self, isbn13: str):
        """Return the cached BookMetadata, None for a cached "not found", or MISS."""
        with self._lock:
            return self._cache.get(isbn13, self.MISS)

    def set(self, isbn13: str, metadata: BookMetadata | None) -> None:
        """Remember an answer (None meaning "no provider knows it")."""
        with self._lock:
            self._cache[isbn13] = metadata

    def _expires(self, _key: str, metadata: BookMetadata | None, now: float) -> float:
        return now + (self._ttl if metadata is not None else self._negative_ttl)
