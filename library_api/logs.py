"""The log: JSON lines (or text) carrying each request's id, and warnings that repeat at most once a minute."""
from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone

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


# Colour codes some libraries put in their messages (Werkzeug's request lines): never inside a JSON line.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# The LogRecord attributes every record has; anything else on a record was passed in `extra=` and is logged.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}


def _request_id() -> str | None:
    from flask import g, has_request_context

    return g.get("request_id") if has_request_context() else None


def _install_request_id_factory() -> None:
    """Give every record created while a request is handled its request_id (None outside requests).

    A record factory, not a Filter: a Filter on one handler misses the others (gunicorn's, pytest's), and a
    Filter on a logger misses the records its children propagate to it.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = _request_id()
        return record

    factory.adds_request_id = True
    logging.setLogRecordFactory(factory)


class RequestIdFilter(logging.Filter):
    """Makes sure a record has a request_id (the factory sets it; a record made elsewhere gets None)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, request_id, and any extra."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
                    .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": _ANSI.sub("", record.getMessage()),
            "request_id": getattr(record, "request_id", None),
        }
        line.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            line["exception"] = _ANSI.sub("", self.formatException(record.exc_info))
        return json.dumps(line, default=str, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is logged (as logging's last resort does), not to the
    stream that was sys.stderr when the first app was made."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self):
        import sys

        return sys.stderr


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure_logging(log_format: str, level: str) -> None:
    """Install the process's log handler once: JSON lines (LOG_FORMAT=json) or plain text."""
    _install_request_id_factory()
    root = logging.getLogger()
    root.setLevel(level.upper())
    ours = [handler for handler in root.handlers if getattr(handler, "library_format", None)]
    if not ours:
        handler = _StderrHandler()
        handler.library_format = log_format
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
        ours = [handler]
    for handler in ours:
        handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
        handler.library_format = log_format
    # Our access line says what Werkzeug's request line says, as JSON: its own would be a second, coloured one.
    logging.getLogger("werkzeug").setLevel(logging.WARNING if log_format == "json" else logging.NOTSET)
