"""What a route needs from the request's app: a unit of work, the clock, the lookup, the caller."""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from .store.base import UnitOfWork


def uow() -> UnitOfWork:
    """A fresh unit of work on the app's store."""
    return current_app.extensions["library.uow"]()


def utcnow() -> datetime:
    """The app's clock (tests inject their own through the CLOCK setting)."""
    return current_app.config["CLOCK"]()


def metadata_lookup():
    """The app's metadata lookup (providers behind a cache)."""
    return current_app.extensions["library.lookup"]


def setting(name: str):
    return current_app.config[name]
