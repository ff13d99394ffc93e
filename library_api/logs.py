"""Log lines meant for operators: warnings that repeat at most once a minute."""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

WARNING_INTERVAL = 60.0


class Throttle:
    """Says yes to a key at most once per `interval` seconds: a failing dependency warns once a minute,
    not on every request."""

    def __init__(self, interval: float = WARNING_INTERVAL, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval, self._clock = interval, clock
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def ready(self, key: str) -> bool:
        with self._lock:
            now = self._clock()
            last = self._last.get(key)
            if last is not None and now - last < self._interval:
                return False
            self._last[key] = now
            return True


class LimiterStorageWarning(logging.Filter):
    """Turns flask-limiter's "Swallowing error" traceback, logged on every request while its storage is down,
    into one warning a minute per app: the limits fail open, and the log says so without flooding."""

    def __init__(self, throttle_of: Callable[[], Throttle | None]) -> None:
        super().__init__()
        self._throttle_of = throttle_of
        self._outside_apps = Throttle()  # for a record logged outside any app's context

    def filter(self, record: logging.LogRecord) -> bool:
        if "Swallowing error" not in record.getMessage():
            return True
        throttle = self._throttle_of() or self._outside_apps
        if not throttle.ready("rate-limit-storage"):
            return False
        error = record.exc_info[1] if record.exc_info else None
        record.msg = "Rate limit storage (Redis) does not answer: rate limits fail open, requests are served " \
                     "unlimited (%s: %s)"
        record.args = (type(error).__name__, error)
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = None
        return True


def install_limiter_warning(throttle_of: Callable[[], Throttle | None]) -> None:
    """Put the filter on flask-limiter's logger once per process (its Limiter serves every app)."""
    logger = logging.getLogger("flask-limiter")
    if not any(isinstance(existing, LimiterStorageWarning) for existing in logger.filters):
        logger.addFilter(LimiterStorageWarning(throttle_of))


def warn_if_per_process(settings, log: logging.Logger, environ=os.environ) -> None:
    """Say at start-up when several workers (WEB_CONCURRENCY) each keep their own limits and lookup cache."""
    try:
        workers = int(environ.get("WEB_CONCURRENCY") or 1)
    except ValueError:
        return
    if workers > 1 and not settings["REDIS_URL"] and settings["SERVING"]:
        log.warning("REDIS_URL is not set and WEB_CONCURRENCY=%d: rate limits and the ISBN lookup cache are per "
                    "process, so each of the %d workers counts and caches on its own (a client gets up to %d "
                    "times RATELIMIT_DEFAULT). Set REDIS_URL to share them.", workers, workers, workers)

