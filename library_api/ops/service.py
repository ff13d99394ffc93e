"""Readiness rules."""
from __future__ import annotations

from ..errors import NotReady
from ..store.base import UnitOfWork

NAMES = {"store": "The store", "redis": "Redis"}


def check_ready(uow: UnitOfWork, redis=None) -> dict:
    """Report each dependency's state: the store, and Redis when configured. Raises NotReady naming
    each one that does not answer (its error's kind in `details`)."""
    failures = {}
    try:
        with uow.reading():
            uow.books.get(0)
    except Exception as error:  # any failure of the store means "not ready", whatever its kind
        failures["store"] = type(error).__name__
    if redis is not None:
        try:
            redis.ping()
        except Exception as error:  # the limits and the lookup cache live there
            failures["redis"] = type(error).__name__
    if failures:
        names = " and ".join(NAMES[name] for name in failures)
        raise NotReady("NOT_READY", f"{names} {'does' if len(failures) == 1 else 'do'} not answer", **failures)
    return {"status": "ready", "checks": {"store": "ok", **({"redis": "ok"} if redis is not None else {})}}
