"""Lookup caches: found books for a day, "not found" for an hour; in the process, or in Redis for all of them."""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable

from cachetools import TLRUCache

from ..logs import Throttle
from .base import BookMetadata, LookupCache

log = logging.getLogger(__name__)

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


class RedisLookupCache(LookupCache):
    """BookMetadata by ISBN-13 as JSON in Redis (REDIS_URL), shared by every process and host.

    A cache is an optimisation: while Redis does not answer, every get is a miss and every set is dropped,
    with a warning at most once a minute.
    """

    NOT_FOUND = "null"

    def __init__(self, client, *, ttl: float = FOUND_TTL, negative_ttl: float = NOT_FOUND_TTL,
                 prefix: str = "library:lookup:", throttle: Throttle | None = None) -> None:
        self.client, self._prefix = client, prefix
        self._ttl, self._negative_ttl = ttl, negative_ttl
        self._throttle = throttle or Throttle()

    def get(self, isbn13: str):
        """Return the cached BookMetadata, None for a cached "not found", or MISS (Redis away included)."""
        try:
            raw = self.client.get(self._prefix + isbn13)
        except Exception as error:  # any Redis failure: look up as if nothing were cached
            self._warn(error)
            return self.MISS
        if raw is None:
            return self.MISS
        data = json.loads(raw)
        return None if data is None else BookMetadata.from_dict(data)

    def set(self, isbn13: str, metadata: BookMetadata | None) -> None:
        """Remember an answer (None meaning "no provider knows it") for its time to live."""
        value = self.NOT_FOUND if metadata is None else json.dumps(metadata.to_dict())
        ttl = self._ttl if metadata is not None else self._negative_ttl
        try:
            self.client.set(self._prefix + isbn13, value, px=max(1, int(ttl * 1000)))
        except Exception as error:  # the answer stands; only the next lookup pays again
            self._warn(error)

    def _warn(self, error: Exception) -> None:
        if self._throttle.ready("lookup-cache"):
            log.warning("Redis does not answer (%s: %s): the lookup cache is bypassed", type(error).__name__, error)
