"""Small helpers the SQL repositories share."""
from __future__ import annotations

from datetime import datetime, timezone


def aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every time the app writes is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value
