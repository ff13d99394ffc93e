"""TEMPORARY stand-in for the Goodreads engineer's reader, so the imports branch runs its CSV tests.

Drop at merge: the real module replaces it.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

from ..errors import Unprocessable
from .items import ImportItem

_SHELVES = {"to-read": "wishlist", "currently-reading": "reading", "read": "completed"}


def _cell(value: str | None) -> str | None:
    value = (value or "").strip()
    if value.startswith('="') and value.endswith('"'):
        value = value[2:-1]
    return value or None


def _refuse(message: str):
    return Unprocessable("VALIDATION_ERROR", "The request did not validate", file=[message])


def read_csv(text: str) -> list[ImportItem]:
    """Rows of a one-column ISBN CSV or a Goodreads export."""
    rows = list(csv.reader(io.StringIO(text)))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise _refuse("The file is empty.")
    header = [cell.strip() for cell in rows[0]]
    if "ISBN13" in header and "Title" in header:
        return [_goodreads(number, dict(zip(header, row))) for number, row in enumerate(rows[1:], start=1)]
    if all(len(row) == 1 for row in rows):
        body = rows[1:] if header[0].lower() == "isbn" else rows
        return [ImportItem(row=number, isbn=_cell(row[0])) for number, row in enumerate(body, start=1)]
    raise _refuse("Send a column of ISBNs or a Goodreads library export.")


def _goodreads(number: int, row: dict) -> ImportItem:
    rating = int(row.get("My Rating") or 0) or None
    status = _SHELVES.get((row.get("Exclusive Shelf") or "").strip())
    added = _cell(row.get("Date Added"))
    return ImportItem(row=number, isbn=_cell(row.get("ISBN13")) or _cell(row.get("ISBN")),
                      title=_cell(row.get("Title")), author=_cell(row.get("Author")), shelf_status=status,
                      rating=rating if status == "completed" else None, review_text=_cell(row.get("My Review")),
                      date_added=datetime.strptime(added, "%Y/%m/%d").replace(tzinfo=timezone.utc) if added else None)
