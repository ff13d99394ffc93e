"""One ISBN lookup: the cache, then Open Library, with Google Books filling gaps or standing in."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .. import metrics
from ..errors import NotFound, UpstreamBusy, UpstreamTimeout, UpstreamUnavailable
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


class _Flight:
    """One lookup on its way to the providers, whose answer (or error) every caller of that ISBN shares."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.answer: BookMetadata | None = None
        self.error: BaseException | None = None


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
        self._flights: dict[str, _Flight] = {}
        self._flights_lock = threading.Lock()

    def lookup(self, isbn13: str) -> BookMetadata:
        """Return what the providers know of a book.

        Raises NotFound, UpstreamUnavailable, UpstreamTimeout, UpstreamBusy (every slot taken).
        """
        require_isbn13(isbn13)
        try:
            answer = self._cached_or_asked(isbn13)
        except UpstreamBusy:
            metrics.count_lookup("busy")
            raise
        except UpstreamUnavailable:
            metrics.count_lookup("failed")
            raise
        metrics.count_lookup("found" if answer is not None else "not_found")
        if answer is None:
            raise NotFound("ISBN_NOT_FOUND", "No provider knows this ISBN", isbn=isbn13)
        return answer

    def lookup_many(self, isbns: list[str]) -> dict[str, BookMetadata | None | UpstreamUnavailable]:
        """Each ISBN-13's answer: its metadata, None when no provider knows it, or the UpstreamUnavailable
        that kept it from one (a timeout included).

        The cache first; the rest in batches of the primary's batch_size, one request each under the same
        rate limiter as single lookups; the fallback for those a batch did not know, or stands in for a
        failed batch. Batch answers lack summaries and are not cached; a "nobody knows it" is. No bulkhead
        slot is taken: this runs in import runners, not in request threads.
        """
        answers: dict[str, BookMetadata | None | UpstreamUnavailable] = {}
        missing = []
        for isbn in dict.fromkeys(map(require_isbn13, isbns)):
            cached = self.cache.get(isbn)
            metrics.count_cache(hit=cached is not LookupCache.MISS)
            if cached is LookupCache.MISS:
                missing.append(isbn)
            else:
                answers[isbn] = cached
        size = self.primary.batch_size
        for start in range(0, len(missing), size):
            batch = missing[start:start + size]
            try:
                with lookup_deadline(self._budget, self._clock):
                    found: dict = self.primary.lookup_many(batch)
            except UpstreamUnavailable as error:
                log.warning("%s failed for a batch of %d: %s", self.primary.name, len(batch), error.details)
                found = dict.fromkeys(batch, error)
            answers.update((isbn, self._settled(isbn, found.get(isbn))) for isbn in batch)
        return answers

    def _settled(self, isbn13: str, found: BookMetadata | None | UpstreamUnavailable):
        """A batch's answer for one ISBN, with the fallback asked where the primary did not know or failed."""
        if isinstance(found, BookMetadata) or self.fallback is None:
            return found
        try:
            with lookup_deadline(self._budget, self._clock):
                stand_in = self.fallback.lookup(isbn13)
        except UpstreamUnavailable as error:
            return found if found is not None else error
        if found is None:
            self.cache.set(isbn13, stand_in)  # every provider answered: as a single lookup would cache it
            return stand_in
        return PartialBookMetadata.of(stand_in) if stand_in is not None else found

    def _cached_or_asked(self, isbn13: str) -> BookMetadata | None:
        answer = self.cache.get(isbn13)
        metrics.count_cache(hit=answer is not LookupCache.MISS)
        if answer is not LookupCache.MISS:
            return answer
        # Callers of one ISBN share one trip to the providers (and one slot of the bulkhead): eight
        # requests racing to add a book ask Open Library once, and are not refused as busy by each other.
        with self._flights_lock:
            flight = self._flights.get(isbn13)
            leading = flight is None
            if leading:
                flight = self._flights[isbn13] = _Flight()
        if not leading:
            return _shared(flight, self._budget)
        try:
            with self.bulkhead.slot(), lookup_deadline(self._budget, self._clock):
                answer = self._ask(isbn13)
            # A partial answer was assembled while a request failed: the next lookup may do better.
            if not isinstance(answer, PartialBookMetadata):
                self.cache.set(isbn13, answer)
            flight.answer = answer
            return answer
        except BaseException as error:
            flight.error = error
            raise
        finally:
            with self._flights_lock:
                del self._flights[isbn13]
            flight.done.set()

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


def _shared(flight: _Flight, budget: float) -> BookMetadata | None:
    """The answer of the lookup already under way, waiting at most as long as it may take."""
    if not flight.done.wait(budget + 1):
        raise UpstreamTimeout()
    if flight.error is not None:
        raise flight.error
    return flight.answer


def _filled(found: BookMetadata, fallback: MetadataProvider, isbn13: str) -> BookMetadata:
    """Fill an answer's gaps from the fallback; if the fallback fails, the answer stands, marked partial."""
    try:
        return found.filled_from(fallback.lookup(isbn13))
    except UpstreamUnavailable as error:
        log.warning("%s failed for %s: %s", fallback.name, isbn13, error.details)
        return PartialBookMetadata.of(found)
