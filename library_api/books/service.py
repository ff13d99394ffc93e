"""The catalog's rules: looking books up, keeping one book per ISBN, editing and removing them."""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from ..borrow.queue import take_turn
from ..domain import BOOK_WRITABLE, Book, BookQuery, CirculationRules, Copy, Page, sort_value
from ..errors import Conflict, DuplicateIsbn, NotFound, Unprocessable, UpstreamUnavailable, found
from ..isbns import isbn10_of, normalize_isbn
from ..providers.base import BookMetadata
from ..store.base import UnitOfWork

if TYPE_CHECKING:
    from ..providers.lookup import MetadataLookup

log = logging.getLogger(__name__)

# What a refresh may fill on a stored book, each only while it is empty.
REFRESHABLE = ("title", "author", "summary", "cover_url", "publication_year", "subtitle", "publisher",
               "page_count", "genre")
# Books an export reads per unit of work: a short read transaction each, never the whole table at once.
EXPORT_CHUNK = 500


def list_books(uow: UnitOfWork, *, query: BookQuery) -> Page:
    """One page of the catalog. Raises BadRequest INVALID_ISBN for a malformed isbn filter."""
    if query.isbn is not None:
        query = dataclasses.replace(query, isbn=normalize_isbn(query.isbn))
    with uow.reading():
        return uow.books.search(query)


def export_books(uow: UnitOfWork, *, query: BookQuery) -> Iterator[list[Book]]:
    """Every book matching the query's filters, oldest first, EXPORT_CHUNK at a time, each chunk read in a
    unit of work of its own. Raises BadRequest INVALID_ISBN for a malformed isbn filter (before any chunk)."""
    if query.isbn is not None:
        query = dataclasses.replace(query, isbn=normalize_isbn(query.isbn))
    # Keyset pages by (created_at, id): each chunk starts after the last book of the one before, so a
    # book added meanwhile comes at the end and none is read twice; no count is asked per chunk.
    query = dataclasses.replace(query, sort="created_at", descending=False, page=1, per_page=EXPORT_CHUNK,
                                after=None, counted=False)
    return _chunks(uow, query)


def _chunks(uow: UnitOfWork, query: BookQuery) -> Iterator[list[Book]]:
    while True:
        with uow.reading():  # closed before the chunk is handed on: no lock or transaction while it is sent
            found = uow.books.search(query)
        if found.items:
            yield found.items
        if not found.more:
            return
        last = found.items[-1]
        query = dataclasses.replace(query, after=(sort_value(last, query.sort), last.id))


def get_book(uow: UnitOfWork, *, book_id: int) -> Book:
    """One book. Raises NotFound BOOK_NOT_FOUND."""
    with uow.reading():
        return existing_book(uow, book_id)


def add_book(uow: UnitOfWork, lookup: MetadataLookup, *, fields: dict, now: datetime) -> Book:
    """Save a book looked up by ISBN, given by hand, or both (given fields win), with `copies` copies.

    With title and author given, a book no provider knows, or that the providers failed to look up, is saved
    as given (source "manual"); with the ISBN alone those are errors. Raises BadRequest INVALID_ISBN,
    Conflict DUPLICATE_ISBN, NotFound ISBN_NOT_FOUND, UpstreamUnavailable / UpstreamTimeout, Unprocessable
    when the book would have no title.
    """
    fields = dict(fields)
    isbn = _isbn_or_none(fields.pop("isbn", None))
    copies = fields.pop("copies", 1)
    book = Book(title="", source="manual", created_at=now, updated_at=now)
    if isbn:
        _refuse_duplicate(uow, isbn)  # before asking a provider: a known duplicate needs no lookup
        metadata = _look_up(lookup, isbn, manual_fallback=bool(fields.get("title") and fields.get("author")))
        book = book_from_metadata(metadata, book) if metadata else book
        book.isbn, book.isbn10 = isbn, isbn10_of(isbn)
    book = dataclasses.replace(book, **{k: v for k, v in fields.items() if v is not None})
    if not book.title:
        raise Unprocessable("VALIDATION_ERROR", "The request did not validate",
                            title=["No provider gives this book a title; send one."])
    with uow:
        book_id = uow.books.add(book).id
        for _ in range(copies):
            uow.copies.add(Copy(book_id=book_id, created_at=now))
        book = uow.books.get(book_id)
        uow.commit()
    return book


def replace_book(uow: UnitOfWork, *, book_id: int, fields: dict, now: datetime) -> Book:
    """Replace every writable field; those left out are cleared. Raises NotFound, Conflict DUPLICATE_ISBN."""
    cleared = {name: None for name in BOOK_WRITABLE}
    return update_book(uow, book_id=book_id, changes={**cleared, **fields}, now=now)


def update_book(uow: UnitOfWork, *, book_id: int, changes: dict, now: datetime) -> Book:
    """Change some fields of a book. Raises NotFound BOOK_NOT_FOUND, Conflict DUPLICATE_ISBN, BadRequest."""
    changes = dict(changes)
    if "isbn" in changes:
        isbn = _isbn_or_none(changes["isbn"])
        changes.update(isbn=isbn, isbn10=isbn10_of(isbn) if isbn else None)
    with uow:
        book = dataclasses.replace(existing_book(uow, book_id), **changes, updated_at=now)
        book = uow.books.update(book)
        uow.commit()
    return book


def refresh_book(uow: UnitOfWork, lookup: MetadataLookup, *, book_id: int, now: datetime) -> Book:
    """Look a book's ISBN up again and fill the fields it lacks, keeping every field it has.

    Raises NotFound BOOK_NOT_FOUND / ISBN_NOT_FOUND, Unprocessable when the book has no ISBN,
    UpstreamUnavailable / UpstreamTimeout (the book is left unchanged).
    """
    with uow.reading():
        isbn = existing_book(uow, book_id).isbn
    if isbn is None:
        raise Unprocessable("VALIDATION_ERROR", "The request did not validate",
                            isbn=["The book has no ISBN to look up."])
    # Asked outside the unit of work: no store lock or transaction is held while a provider answers.
    found = book_from_metadata(lookup.lookup(isbn), Book(title=""))
    with uow:
        # Read again: the book may have been edited (or deleted) while the providers were asked.
        book = existing_book(uow, book_id)
        filled = {name: getattr(found, name) for name in REFRESHABLE
                  if getattr(book, name) is None and getattr(found, name) not in (None, "")}
        if filled and book.source == "manual":
            filled["source"] = found.source
        book = uow.books.update(dataclasses.replace(book, **filled, updated_at=now))
        uow.commit()
    return book


def delete_book(uow: UnitOfWork, *, book_id: int, now: datetime, rules: CirculationRules) -> None:
    """Remove a book with its copies, holds, loan history, favorites and shelf entries. Raises NotFound,
    Conflict BOOK_ON_LOAN while a copy is out or on the hold shelf."""
    with uow:
        existing_book(uow, book_id)
        take_turn(uow, book_id, now=now, rules=rules)
        if any(copy.status != "available" for copy in uow.copies.for_book(book_id)):
            raise Conflict("BOOK_ON_LOAN", "A copy is on loan or on the hold shelf; delete the book once it is back",
                           book_id=book_id)
        uow.books.delete(book_id)
        uow.commit()


def existing_book(uow: UnitOfWork, book_id: int) -> Book:
    """The book with this id, inside an open unit of work. Raises NotFound BOOK_NOT_FOUND."""
    return found(uow.books.get(book_id), "BOOK_NOT_FOUND", "Book not found", book_id=book_id)


def _refuse_duplicate(uow: UnitOfWork, isbn: str) -> None:
    with uow.reading():
        existing = uow.books.get_by_isbn(isbn)
    if existing is not None:
        raise DuplicateIsbn(existing.id)


def _isbn_or_none(raw: str | None) -> str | None:
    """The ISBN-13 of a given ISBN; None for none or an empty one (SPEC: "" means no ISBN)."""
    return normalize_isbn(raw) if raw and raw.strip() else None


def _look_up(lookup: MetadataLookup, isbn: str, *, manual_fallback: bool) -> BookMetadata | None:
    """The providers' answer; None if they do not know or failed, when the caller gave title and author."""
    try:
        return lookup.lookup(isbn)
    except (NotFound, UpstreamUnavailable) as error:
        if manual_fallback:
            # The caller's own fields make a book; `POST /books/<id>/refresh` can fill in details later.
            log.info("Saving %s as given: %s", isbn, error.code)
            return None
        raise


def _fit(text: str | None, limit: int) -> str | None:
    # Provider text is stored, not rejected: keep it within the column and free of NUL.
    return text.replace("\x00", "")[:limit] or None if text else None


def _within(number: int | None, low: int, high: int) -> int | None:
    return number if number is not None and low <= number <= high else None


def book_from_metadata(metadata: BookMetadata, book: Book) -> Book:
    """`book` with a provider's details, each cut to fit its column."""
    return dataclasses.replace(
        book, title=_fit(metadata.title, 500) or "", subtitle=_fit(metadata.subtitle, 500),
        author=_fit(metadata.author, 500), summary=_fit(metadata.summary, 20_000),
        cover_url=_fit(metadata.cover_url, 2048), genre=_fit(metadata.genre, 100),
        publisher=_fit(metadata.publisher, 500), source=metadata.source,
        publication_year=_within(metadata.publication_year, -3000, 2100),
        page_count=_within(metadata.page_count, 1, 100_000))
