"""One ISBN lookup: the cache, then Open Library, with Google Books filling gaps or standing in."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import NotFound, UpstreamBusy, UpstreamUnavailable
from .base import BookMetadata, LookupCache, MetadataProvider, PartialBookMetadata, require_isbn13
from .cache import MemoryLookupCache
from .http import Clock, lookup_deadline

log = logging.getLogger(__name__)


class Bulkhead:
    """At most `limit` callers inside at once; one more is refused at once (UpstreamBusy), never queued.

    A slow provider then ties up `limit` request threads, not every one the server has.
    """

    def __init__(self, limit: int, *, retry_after: int = 1) -> None:
        self.limit, self.retry_after = limit, retry_after
        self._slots = threading.BoundedSemaphore(limit)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the slots for the block. Raises UpstreamBusy when none is free."""
        if not self._slots.acquire(blocking=False):
            raise UpstreamBusy(self.retry_after)
        try:
            yield
        finally:
            self._slots.release()


class MetadataLookup:
    """Finds a book's metadata by ISBN-13 within one time budget, caching answers but never failures.

    Only lookups that reach the providers take a slot of the bulkhead: a cache hit never waits on them.
    """

    def __init__(self, primary: MetadataProvider, fallback: MetadataProvider | None = None, *,
                 cache: LookupCache | None = None, budget: float = 25.0, clock: Clock = time.monotonic,
                 bulkhead: Bulkhead | None = None) -> None:
        self.primary, self.fallback = primary, fallback
        self.cache = cache if cache is not None else MemoryLookupCache()
        self.bulkhead = bulkhead if bulkhead is not None else Bulkhead(4)
        self._budget, self._clock = budget, clock

    def lookup(self, isbn13: str) -> BookMetadata:
        """Return what the providers know of a book.

        Raises NotFound, UpstreamUnavailable, UpstreamTimeout, UpstreamBusy (every slot taken).
        """
        require_isbn13(isbn13)
        answer = self.cache.get(isbn13)
        if answer is LookupCache.MISS:
            with self.bulkhead.slot(), lookup_deadline(self._budget, self._clock):
                answer = self._ask(isbn13)
            # A partial answer was assembled while a request failed: the next lookup may do better.
            if not isinstance(answer, PartialBookMetadata):
                self.cache.set(isbn13, answer)
        if answer is None:
            raise NotFound("ISBN_NOT_FOUND", "No provider knows this ISBN", isbn=isbn13)
        return answer

    def _ask(self, isbn13: str) -> BookMetadata | None:
        """Ask the primary provider, then the fallback for what it lacks; None when every one said "unknown"."""
        try:
            found = self.primary.lookup(isbn13)
        except UpstreamUnavailable as error:
            return self._instead_of_primary(isbn13, error)
        if found is None:
            # A fallback failure propagates: "not found" needs every provider to have answered.
            return self.fallback.lookup(isbn13) if self.fallback else None
        if self.fallback is None or not found.missing_fields():
            return found
        return _filled(found, self.fallback, isbn13)

    def _instead_of_primary(self, isbn13: str, error: UpstreamUnavailable) -> BookMetadata:
        """The fallback's answer when the primary failed; otherwise the primary's error (504 if a timeout)."""
        log.warning("%s failed for %s: %s", self.primary.name, isbn13, error.details)
        if self.fallback is None:
            raise error
        try:
            stand_in = self.fallback.lookup(isbn13)
        except UpstreamUnavailable as fallback_error:
            log.warning("%s failed for %s: %s", self.fallback.name, isbn13, fallback_error.details)
            raise error from None
        if stand_in is None:
            raise error
        return PartialBookMetadata.of(stand_in)


def _filled(found: BookMetadata, fallback: MetadataProvider, isbn13: str) -> BookMetadata:
    """Fill an answer's gaps from the fallback; if the fallback fails, the answer stands, marked partial."""
    try:
        return found.filled_from(fallback.lookup(isbn13))
    except UpstreamUnavailable as error:
        log.warning("%s failed for %s: %s", fallback.name, isbn13, error.details)
        return PartialBookMetadata.of(found)
