"""Small helpers the SQL repositories share."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.orm import Session


def aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every time the app writes is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def delete_by_key(session: Session, model, key) -> bool:
    """Delete the row with this primary key; False if there was none."""
    row = session.get(model, key)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
