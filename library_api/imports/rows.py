"""What becomes of each row of an import: the rules of one batch, committed together with its books."""
from __future__ import annotations

import dataclasses
from datetime import datetime

from ..books.service import book_from_metadata
from ..domain import Book, Copy, ImportJob, ImportRow, ShelfEntry, fold
from ..errors import BadRequest, DuplicateIsbn, UpstreamUnavailable
from ..isbns import isbn10_of, normalize_isbn
from ..providers.base import BookMetadata
from ..shelf.service import shelve_unless_there
from ..store.base import UnitOfWork

Answer = BookMetadata | None | UpstreamUnavailable
BookKey = str | tuple[str | None, str | None]


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


def settle_batch(uow: UnitOfWork, job: ImportJob, rows: list[ImportRow], isbns: dict[int, str | None],
                 answers: dict[str, Answer], *, now: datetime, fill_details: bool) -> None:
    """Give each row of a batch its outcome inside the batch's unit of work: its book added (with one copy,
    as POST /books does) or found, and, for a member's Goodreads row, its shelf entry."""
    valid = [row for row in rows if row.status != "invalid"]
    keys = {row.row: _book_key(row, isbns[row.row]) for row in valid}
    known: dict[BookKey, int] = {
        **uow.books.ids_by_isbn([isbn for isbn in isbns.values() if isbn]),
        **uow.books.ids_without_isbn([key for key in keys.values() if isinstance(key, tuple)])}
    creating: list[tuple[ImportRow, Book]] = []
    first: dict[BookKey, ImportRow] = {}  # the row of this batch that creates the book of a key
    for row in valid:
        isbn, key = isbns[row.row], keys[row.row]
        if key in known:
            row.status, row.book_id = "duplicate", known[key]
        elif key in first:  # two rows of one book: the second is a duplicate of the first's new book
            row.status = "duplicate"
        elif (book := _new_book(row, isbn, answers.get(isbn), now)) is not None:
            creating.append((row, book))
            first[key] = row
    _add_books(uow, creating, now=now, fill_details=fill_details)
    for row in rows:
        if row.status == "duplicate" and row.book_id is None:
            row.book_id = first[keys[row.row]].book_id
        _shelve(uow, job, row, now)


def _book_key(row: ImportRow, isbn: str | None) -> BookKey:
    """What names a row's book in the catalog: its ISBN-13, or for a row without one (a Goodreads row of a
    book with no ISBN) its folded title and author, so that a file imported twice, or exported and imported
    back, finds the books it made the first time instead of making them again."""
    return isbn or (fold(row.title), fold(row.author))


def _new_book(row: ImportRow, isbn: str | None, answer: Answer, now: datetime) -> Book | None:
    """The book a row would add, or None with the row's outcome set (not found, failed)."""
    manual = bool(row.title and row.author)  # a Goodreads row names its book: saved as given, as POST /books
    if isinstance(answer, UpstreamUnavailable) and not manual:
        row.status, row.error = "failed", f"{answer.message} ({(answer.details or {}).get('reason', 'failed')})"
        return None
    if answer is None and not manual:
        row.status, row.error = "not_found", "No provider knows this ISBN"
        return None
    book = Book(title=row.title or "", author=row.author, source="manual", created_at=now, updated_at=now)
    if isinstance(answer, BookMetadata):
        book = book_from_metadata(answer, book)
        book.title, book.author = book.title or row.title or "", book.author or row.author
    if not book.title:
        row.status, row.error = "not_found", "No provider gives this book a title"
        return None
    return dataclasses.replace(book, isbn=isbn, isbn10=isbn10_of(isbn) if isbn else None)


def _add_books(uow: UnitOfWork, creating: list[tuple[ImportRow, Book]], *, now: datetime,
               fill_details: bool) -> None:
    """Add the batch's new books at once; one by one if someone else added one of their ISBNs meanwhile."""
    try:
        ids = uow.books.add_many([book for _, book in creating])
    except DuplicateIsbn:
        ids = []
        for row, book in creating:
            try:
                ids.append(uow.books.add(book).id)
            except DuplicateIsbn as error:
                ids.append(None)
                row.status, row.book_id = "duplicate", error.details["book_id"]
    uow.copies.add_many([Copy(book_id=book_id, created_at=now) for book_id in ids if book_id is not None])
    for (row, book), book_id in zip(creating, ids):
        if book_id is not None:
            row.status, row.book_id, row.error = "created", book_id, None
            # A batch answer has no summary; a book saved as given may have details somewhere by now.
            row.needs_details = fill_details and book.isbn is not None and not book.summary


def _shelve(uow: UnitOfWork, job: ImportJob, row: ImportRow, now: datetime) -> None:
    if job.to_shelf and job.owner_id and row.shelf_status and row.book_id is not None:
        rating = row.rating if row.shelf_status == "completed" else None
        shelve_unless_there(uow, entry=ShelfEntry(
            user_id=job.owner_id, book_id=row.book_id, status=row.shelf_status, rating=rating,
            review_text=row.review_text, date_added=row.date_added or now, updated_at=now))
