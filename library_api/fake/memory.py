"""Generated rows into the dict store, through its repositories in one unit of work.

Every book goes in before any copy or shelf entry: the dict store's books.add() counts the copies and
ratings of the book it returns by one pass over all of them, which stays cheap only while there are none.
The store hands out its own ids, so generated ids are mapped to stored ones on the way.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ..domain import Book, BookQuery, Copy, Loan, ShelfEntry, User
from ..store.base import UnitOfWork
from ..store.memory import MemoryUnitOfWork
from .catalog import Batch, FirstIds

BOOK_FIELDS = ("isbn", "isbn10", "title", "subtitle", "author", "summary", "cover_url", "publication_year",
               "genre", "publisher", "page_count", "source", "created_at", "updated_at")
USER_FIELDS = ("username", "name", "email", "password_hash", "is_admin", "is_active", "created_at", "token_stamp")


def has_books(uow: UnitOfWork) -> bool:
    with uow.reading():
        return bool(uow.books.search(BookQuery(per_page=1)).items)


def first_ids(uow: MemoryUnitOfWork) -> FirstIds:
    """One past the largest id of each table, so that appended users get fresh reader<id> names."""
    with uow.reading():
        tables = uow.store.tables
        return FirstIds(*(max(tables[name], default=0) + 1 for name in ("books", "copies", "users", "loans")))


def insert_all(uow: UnitOfWork, users: list[dict], batches: Iterable[Batch]) -> None:
    """Add the users and every batch's rows, committing once at the end."""
    batches = list(batches)
    with uow:
        user_ids = {row["id"]: uow.users.add(User(**{f: row[f] for f in USER_FIELDS})).id for row in users}
        book_ids = {row["id"]: uow.books.add(Book(**{f: row[f] for f in BOOK_FIELDS})).id
                    for batch in batches for row in batch.books}
        copies = {}
        for batch in batches:
            for row in batch.copies:
                copies[row["id"]] = uow.copies.add(Copy(book_id=book_ids[row["book_id"]], status=row["status"],
                                                        created_at=row["created_at"]))
            for row in batch.loans:
                copy = copies[row["copy_id"]]
                loan = uow.loans.add(Loan(user_id=user_ids[row["user_id"]], book_id=copy.book_id,
                                          copy_id=copy.id, barcode=copy.barcode, borrowed_at=row["borrowed_at"],
                                          due_at=row["due_at"]))
                if row["returned_at"]:
                    # Added open, then returned, so that the store's open-loan indexes let the copy go.
                    uow.loans.update(replace(loan, returned_at=row["returned_at"]))
            for row in batch.shelf:
                uow.shelf.add(ShelfEntry(user_id=user_ids[row["user_id"]], book_id=book_ids[row["book_id"]],
                                         status=row["status"], rating=row["rating"],
                                         review_text=row["review_text"], date_added=row["date_added"],
                                         updated_at=row["updated_at"]))
        uow.commit()
