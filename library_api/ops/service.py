"""Readiness rules."""
from __future__ import annotations

from ..errors import NotReady
from ..store.base import UnitOfWork


def check_ready(uow: UnitOfWork) -> dict:
    """Report each dependency's state. Raises NotReady if the store does not answer."""
    try:
        with uow.reading():
            uow.books.get(0)
    except Exception as error:  # any failure of the store means "not ready", whatever its kind
        raise NotReady("NOT_READY", "The store does not answer", store=type(error).__name__) from error
    return {"status": "ready", "checks": {"store": "ok"}}
