"""Book metadata by ISBN: Open Library first, Google Books to fill gaps or stand in, behind a cache."""
from __future__ import annotations

import functools
import importlib
import math
import time
from collections.abc import Mapping
from typing import Any

from .base import BookMetadata, LookupCache, MetadataProvider
from .cache import MemoryLookupCache, RedisLookupCache
from .google_books import GoogleBooksProvider
from .http import BUDGET_FACTOR, HttpClient, user_agent
from .rate import Clock, RateLimiter, Sleep, shared_rate_limiter
from .lookup import Bulkhead, MetadataLookup
from .openlibrary import OpenLibraryProvider

__all__ = ["BookMetadata", "LookupCache", "MetadataLookup", "MetadataProvider", "build_lookup"]

def build_lookup(settings: Mapping[str, Any], cache: LookupCache | None = None, *,
                 limiter: RateLimiter | None = None, clock: Clock = time.monotonic,
                 sleep: Sleep | None = None, redis=None) -> MetadataLookup:
    """Wire Open Library, Google Books (unless GOOGLE_BOOKS_URL is "") and a cache from the app's settings.

    The cache is `redis`'s (a client for REDIS_URL) when one is given, else one in the process.
    """
    timeout = float(settings["METADATA_TIMEOUT"])
    openlibrary_url = str(settings["OPENLIBRARY_URL"]).rstrip("/")
    # SLEEP is for tests: their sleeper records each backoff and rate-limit wait instead of spending it.
    sleep = sleep or settings.get("SLEEP") or time.sleep
    if limiter is None:
        limiter = _openlibrary_limiter(openlibrary_url, float(settings["OPENLIBRARY_RPS"]), clock, sleep)
    client = functools.partial(HttpClient, user_agent=_user_agent(settings), timeout=timeout,
                               clock=clock, sleep=sleep)
    primary = OpenLibraryProvider(client(openlibrary_url, provider=OpenLibraryProvider.name, limiter=limiter),
                                  str(settings["OPENLIBRARY_COVERS_URL"]))
    google_url = _google_books_url(settings)
    fallback = GoogleBooksProvider(client(google_url, provider=GoogleBooksProvider.name)) if google_url else None
    if cache is None:
        cache = _redis_cache(settings, redis) if redis is not None else _memory_cache(settings)
    return MetadataLookup(primary, fallback, cache=cache,
                          budget=BUDGET_FACTOR * timeout, clock=clock, bulkhead=_bulkhead(settings, timeout))


def _bulkhead(settings: Mapping[str, Any], timeout: float) -> Bulkhead:
    """LOOKUP_CONCURRENCY slots; a refused caller retries after about one provider timeout (1 to 5 s)."""
    return Bulkhead(int(settings.get("LOOKUP_CONCURRENCY", 4)), retry_after=max(1, min(5, math.ceil(timeout))))


def _openlibrary_limiter(url: str, rate: float, clock: Clock, sleep: Sleep) -> RateLimiter:
    """The process-wide limiter for this host; an injected clock or sleep gets a limiter of its own."""
    if clock is time.monotonic and sleep is time.sleep:
        return shared_rate_limiter(url, rate)
    # The shared limiter keeps real time for every app of the process; a lookup given its own time keeps
    # the rate in that time, so that its waits go to its sleeper too.
    return RateLimiter(rate, clock=clock, sleep=sleep)


def _memory_cache(settings: Mapping[str, Any]) -> MemoryLookupCache:
    return MemoryLookupCache(ttl=float(settings["LOOKUP_CACHE_TTL"]),
                             negative_ttl=float(settings["LOOKUP_NEGATIVE_CACHE_TTL"]))


def _redis_cache(settings: Mapping[str, Any], redis) -> RedisLookupCache:
    # LOOKUP_CACHE_KEY_PREFIX is for tests, which share one Redis database and keep to keys of their own.
    return RedisLookupCache(redis, ttl=float(settings["LOOKUP_CACHE_TTL"]),
                            negative_ttl=float(settings["LOOKUP_NEGATIVE_CACHE_TTL"]),
                            prefix=str(settings.get("LOOKUP_CACHE_KEY_PREFIX") or "library:lookup:"))


def _google_books_url(settings: Mapping[str, Any]) -> str:
    """The Google Books base URL; an empty string switches Google Books off."""
    return str(settings["GOOGLE_BOOKS_URL"] or "").rstrip("/")


def _user_agent(settings: Mapping[str, Any]) -> str:
    version = settings.get("APP_VERSION") or getattr(importlib.import_module("library_api"), "__version__", "0")
    return user_agent(str(version), str(settings["METADATA_CONTACT"]))

