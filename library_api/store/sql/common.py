"""Small helpers the SQL repositories share."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def aware(value: datetime | None) -> datetime | None:
    """A stored time in UTC: SQLite hands back naive datetimes (the app writes UTC), PostgreSQL hands
    back its session's time zone."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def delete_by_key(session: Session, model, key) -> bool:
    """Delete the row with this primary key; False if there was none."""
    row = session.get(model, key)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


@contextmanager
def explaining_conflicts(session: Session, explain: Callable[[], Exception | None]):
    """Make changes in a savepoint; if the database refuses them (a unique or foreign key), `explain()`
    looks at the committed state and returns the domain error that names why, or None to re-raise."""
    try:
        with session.begin_nested():
            yield
            session.flush()
    except IntegrityError:
        error = explain()
        if error is None:
            raise
        raise error from None
