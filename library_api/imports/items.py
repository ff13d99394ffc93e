"""What one row of an import asks for, whichever way the rows were sent."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ImportItem:
    """One row of an import, as the caller sent it; nothing here is validated yet."""

    row: int  # from 1, in the order sent (a CSV's header line is not a row)
    isbn: str | None  # as sent; None or "" when the row names no ISBN
    # From a Goodreads export only: the book as Goodreads names it, used when no provider knows the ISBN,
    title: str | None = None
    author: str | None = None
    # and where the signed-in member keeps it: wishlist, reading or completed (None: not a shelf row).
    shelf_status: str | None = None
    rating: int | None = None  # 1-5, only with "completed"; Goodreads' 0 ("not rated") is None
    review_text: str | None = None
    date_added: datetime | None = None
