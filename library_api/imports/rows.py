"""What becomes of each row of an import: the rules of one batch, committed together with its books."""
from __future__ import annotations

import dataclasses
from datetime import datetime

from ..books.service import book_from_metadata
from ..domain import Book, Copy, ImportJob, ImportRow, ShelfEntry
from ..errors import BadRequest, DuplicateIsbn, UpstreamUnavailable
from ..isbns import isbn10_of, normalize_isbn
from ..providers.base import BookMetadata
from ..shelf.service import shelve_unless_there
from ..store.base import UnitOfWork

Answer = BookMetadata | None | UpstreamUnavailable


def wanted_isbn(row: ImportRow) -> str | None:
    """The row's ISBN-13, or None when it has none; marks the row invalid when its ISBN is malformed or when
    it names no book at all."""
    if row.isbn and row.isbn.strip():
        try:
            return normalize_isbn(row.isbn)
        except BadRequest as error:
            row.status, row.error = "invalid", error.message
            return None
    if not (row.title and row.author):
        row.status, row.error = "invalid", "The row has no ISBN (nor a title and an author)"
    return None


def settle(uow: UnitOfWork, job: ImportJob, row: ImportRow, isbn: str | None, answer: Answer, *,
           now: datetime, fill_details: bool) -> None:
    """Give one row its outcome inside the batch's unit of work, adding its book (with one copy, as
    POST /books does) and, for a member's Goodreads row, its shelf entry."""
    if row.status != "invalid":
        _outcome(uow, row, isbn, answer, now=now, fill_details=fill_details)
    if job.to_shelf and job.owner_id and row.shelf_status and row.book_id is not None:
        rating = row.rating if row.shelf_status == "completed" else None
        shelve_unless_there(uow, entry=ShelfEntry(
            user_id=job.owner_id, book_id=row.book_id, status=row.shelf_status, rating=rating,
            review_text=row.review_text, date_added=row.date_added or now, updated_at=now))


def _outcome(uow: UnitOfWork, row: ImportRow, isbn: str | None, answer: Answer, *, now: datetime,
             fill_details: bool) -> None:
    # Also a second row of one ISBN in the same job: the first one's book is in the catalog by now.
    existing = uow.books.get_by_isbn(isbn) if isbn else None
    if existing is not None:
        row.status, row.book_id = "duplicate", existing.id
        return
    manual = bool(row.title and row.author)  # a Goodreads row names its book: saved as given, as POST /books
    if isinstance(answer, UpstreamUnavailable) and not manual:
        row.status, row.error = "failed", f"{answer.message} ({(answer.details or {}).get('reason', 'failed')})"
        return
    if answer is None and not manual:
        row.status, row.error = "not_found", "No provider knows this ISBN"
        return
    book = Book(title=row.title or "", author=row.author, source="manual", created_at=now, updated_at=now)
    if isinstance(answer, BookMetadata):
        book = book_from_metadata(answer, book)
        book.title, book.author = book.title or row.title or "", book.author or row.author
    if not book.title:
        row.status, row.error = "not_found", "No provider gives this book a title"
        return
    book = dataclasses.replace(book, isbn=isbn, isbn10=isbn10_of(isbn) if isbn else None)
    try:
        book_id = uow.books.add(book).id
    except DuplicateIsbn as error:  # added meanwhile by someone else
        row.status, row.book_id = "duplicate", error.details["book_id"]
        return
    uow.copies.add(Copy(book_id=book_id, created_at=now))
    row.status, row.book_id, row.error = "created", book_id, None
    # A batch answer has no summary; a book saved as given may have details somewhere by now.
    row.needs_details = fill_details and isbn is not None and not book.summary
