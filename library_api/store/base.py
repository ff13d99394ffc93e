"""The repository interfaces and the unit of work: what services may ask of a store."""
from __future__ import annotations

import abc
from contextvars import ContextVar
from datetime import datetime

from ..domain import (Book, BookQuery, Copy, Hold, ImportJob, ImportRow, Loan, LoanQuery, Page, Review, ShelfEntry,
                      User)


class BookRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, book: Book) -> Book:
        """Store a new book and return it with its id; Conflict DUPLICATE_ISBN if the ISBN is taken."""

    @abc.abstractmethod
    def get(self, book_id: int) -> Book | None: ...

    @abc.abstractmethod
    def get_by_isbn(self, isbn13: str) -> Book | None: ...

    @abc.abstractmethod
    def ids_by_isbn(self, isbns: list[str]) -> dict[str, int]:
        """The ids of the books that have these ISBN-13s, in one query (an import's batch)."""

    @abc.abstractmethod
    def ids_without_isbn(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """The ids of the books with no ISBN whose folded (title, author) is one of `keys`, the oldest book
        of each, in one query (an import's rows that name their book by title and author alone)."""

    @abc.abstractmethod
    def add_many(self, books: list[Book]) -> list[int]:
        """Store new books at once and return their ids in order; Conflict DUPLICATE_ISBN (nothing stored)
        if any ISBN is taken. For an import's batch: no figures are read back."""

    @abc.abstractmethod
    def search(self, query: BookQuery) -> Page:
        """One page of the catalog, filtered and sorted, with the total before paging."""

    @abc.abstractmethod
    def update(self, book: Book) -> Book:
        """Replace the stored book; Conflict DUPLICATE_ISBN if its new ISBN is taken."""

    @abc.abstractmethod
    def delete(self, book_id: int) -> None:
        """Remove the book with its copies, holds, loans, favorites and shelf entries."""

    @abc.abstractmethod
    def lock(self, book_id: int) -> None:
        """Hold the book against other writers until the unit of work ends, so that circulation
        changes of one book happen one after another (a no-op where writers are serialised anyway)."""


class UserRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, user: User) -> User:
        """Store a new user; Conflict USERNAME_TAKEN / EMAIL_TAKEN (case-insensitive)."""

    @abc.abstractmethod
    def get(self, user_id: int) -> User | None: ...

    @abc.abstractmethod
    def get_by_login(self, login: str) -> User | None:
        """The user whose username or email is `login`, ignoring letter case."""

    @abc.abstractmethod
    def update(self, user: User) -> User: ...

    @abc.abstractmethod
    def lock(self, user_id: int) -> None:
        """Hold the user against other writers until the unit of work ends (their loan count)."""

    @abc.abstractmethod
    def search(self, q: str | None, page: int, per_page: int) -> Page:
        """Users whose name, username or email contains the folded `q`, by id."""


class FavoriteRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, user_id: int, book_id: int, now: datetime) -> bool:
        """Mark a favorite; False if it already was one."""

    @abc.abstractmethod
    def remove(self, user_id: int, book_id: int) -> bool:
        """Unmark a favorite; False if it was not one."""

    @abc.abstractmethod
    def has(self, user_id: int, book_id: int) -> bool: ...

    @abc.abstractmethod
    def books_for_user(self, user_id: int) -> list[Book]:
        """The user's favorite books, oldest favorite first."""


class ShelfRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, entry: ShelfEntry) -> ShelfEntry:
        """Put a book on a shelf; Conflict ALREADY_ON_SHELF if it is there."""

    @abc.abstractmethod
    def get(self, user_id: int, book_id: int) -> ShelfEntry | None: ...

    @abc.abstractmethod
    def update(self, entry: ShelfEntry) -> ShelfEntry: ...

    @abc.abstractmethod
    def remove(self, user_id: int, book_id: int) -> bool:
        """Take a book off a shelf; False if it was not there."""

    @abc.abstractmethod
    def for_user(self, user_id: int, status: str | None = None) -> list[tuple[ShelfEntry, Book]]:
        """The user's shelf, oldest entry first, optionally of one status."""

    @abc.abstractmethod
    def reviews_for_book(self, book_id: int) -> list[Review]:
        """Every rating or review of a book, newest first."""


class TokenRepository(abc.ABC):
    @abc.abstractmethod
    def revoke(self, jti: str, expires_at: datetime) -> None:
        """Remember a token as revoked until it would have expired anyway."""

    @abc.abstractmethod
    def bearer(self, user_id: int, jti: str) -> tuple[User | None, bool]:
        """The user a token names by id (None if gone) and whether the token is revoked, in one read."""

    @abc.abstractmethod
    def purge_expired(self, now: datetime) -> int:
        """Forget revocations of tokens that have expired; return how many."""


class CopyRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, copy: Copy) -> Copy:
        """Store a copy; without a barcode it gets "C" and its id in 8 digits. Conflict BARCODE_TAKEN."""

    @abc.abstractmethod
    def add_many(self, copies: list[Copy]) -> None:
        """Store copies without barcodes at once; each gets "C" and its id in 8 digits."""

    @abc.abstractmethod
    def get(self, copy_id: int) -> Copy | None: ...

    @abc.abstractmethod
    def get_by_barcode(self, barcode: str) -> Copy | None: ...

    @abc.abstractmethod
    def for_book(self, book_id: int) -> list[Copy]:
        """The book's copies by id, each on loan showing its due date."""

    @abc.abstractmethod
    def set_status(self, copy_id: int, status: str) -> None: ...

    @abc.abstractmethod
    def delete(self, copy_id: int) -> None: ...


class LoanRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, loan: Loan) -> Loan:
        """Store a new loan. The store refuses a second open loan of a copy (NoCopyFree) or of a book
        for one user (AlreadyHasCopy), even under races."""

    @abc.abstractmethod
    def get(self, loan_id: int) -> Loan | None: ...

    @abc.abstractmethod
    def update(self, loan: Loan) -> Loan: ...

    @abc.abstractmethod
    def open_for_copy(self, copy_id: int) -> Loan | None: ...

    @abc.abstractmethod
    def open_for(self, user_id: int, book_id: int) -> Loan | None: ...

    @abc.abstractmethod
    def open_for_user(self, user_id: int) -> list[Loan]:
        """The user's open loans, oldest first."""

    @abc.abstractmethod
    def open_with_books(self, user_id: int) -> list[tuple[Loan, Book]]:
        """The user's open loans, oldest first, each with its book and the book's figures."""

    @abc.abstractmethod
    def soonest_due(self, book_id: int) -> Loan | None:
        """The book's open loan that is due back first."""

    @abc.abstractmethod
    def search(self, query: LoanQuery) -> Page:
        """Loans newest first (by id), filtered by status, user and book."""


class HoldRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, hold: Hold) -> Hold:
        """Queue a hold; Conflict HOLD_EXISTS if the user already has an active one for the book."""

    @abc.abstractmethod
    def get(self, hold_id: int) -> Hold | None: ...

    @abc.abstractmethod
    def update(self, hold: Hold) -> Hold: ...

    @abc.abstractmethod
    def active_for(self, user_id: int, book_id: int) -> Hold | None: ...

    @abc.abstractmethod
    def for_book(self, book_id: int, status: str) -> list[Hold]:
        """The book's holds of one status, in queue order (by id), with their positions."""

    @abc.abstractmethod
    def for_user(self, user_id: int, page: int, per_page: int) -> Page:
        """Every hold of the user, newest first, waiting ones with their positions."""

    @abc.abstractmethod
    def books_with_lapsed(self, now) -> list[int]:
        """The books with a ready hold whose time on the hold shelf is over."""


class ImportRepository(abc.ABC):
    """Import jobs and their rows. A job read from here carries its counts, taken from its rows."""

    @abc.abstractmethod
    def add(self, job: ImportJob, rows: list[ImportRow]) -> ImportJob:
        """Store a new job with its rows (their job_id is set here) and return it with its id."""

    @abc.abstractmethod
    def get(self, job_id: int) -> ImportJob | None: ...

    @abc.abstractmethod
    def update(self, job: ImportJob) -> ImportJob:
        """Save the job's status and finished_at (its lease changes only by claim and release)."""

    @abc.abstractmethod
    def lock(self, job_id: int) -> None:
        """Hold the job against other writers until the unit of work ends."""

    @abc.abstractmethod
    def claim(self, job_id: int, owner: str, now: datetime, until: datetime) -> bool:
        """Take (or renew) the job's lease for `owner` until `until`, if it is free, lapsed or owner's own;
        False when another runner holds it."""

    @abc.abstractmethod
    def release(self, job_id: int, owner: str) -> None:
        """Let go of the job's lease, if `owner` holds it."""

    @abc.abstractmethod
    def lapsed(self, now: datetime) -> list[int]:
        """Jobs with work left (rows pending, or details to fill) whose lease is free or lapsed, oldest first."""

    @abc.abstractmethod
    def rows(self, job_id: int, page: int, per_page: int) -> Page:
        """One page of the job's rows, in row order."""

    @abc.abstractmethod
    def pending(self, job_id: int, limit: int) -> list[ImportRow]:
        """The first `limit` rows without an outcome, in row order."""

    @abc.abstractmethod
    def awaiting_details(self, job_id: int, limit: int) -> list[ImportRow]:
        """The first `limit` rows whose book waits for the fill-behind, in row order."""

    @abc.abstractmethod
    def save_rows(self, rows: list[ImportRow]) -> None:
        """Store these rows' outcomes."""

    @abc.abstractmethod
    def reset_failed(self, job_id: int) -> int:
        """Make the job's failed rows pending again; return how many."""


class NestedUnitOfWork(RuntimeError):
    """A unit of work was opened inside another: a programming error, never a request's fault."""


# The unit of work open in this thread (or task), if any.
_open_unit: ContextVar[UnitOfWork | None] = ContextVar("open_unit_of_work", default=None)


class UnitOfWork(abc.ABC):
    """One transaction: nothing persists without commit(), and leaving the block rolls back.

    `with uow:` is a write transaction; `with uow.reading():` a read-only one, which on SQLite never
    waits for a writer. Units of work do not nest: an inner one would be a second transaction that the
    outer one cannot see or undo, so opening one inside another raises NestedUnitOfWork.
    """

    books: BookRepository
    users: UserRepository
    favorites: FavoriteRepository
    shelf: ShelfRepository
    tokens: TokenRepository
    copies: CopyRepository
    loans: LoanRepository
    holds: HoldRepository
    imports: ImportRepository

    _writing = True

    def reading(self) -> UnitOfWork:
        """This unit of work, to be entered for reads only."""
        self._writing = False
        return self

    def __enter__(self) -> UnitOfWork:
        if _open_unit.get() is not None:
            raise NestedUnitOfWork("A unit of work is already open here; finish it before starting another")
        self._begin(writing=self._writing)
        self._token = _open_unit.set(self)
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self._end()
        finally:
            _open_unit.reset(self._token)
            self._writing = True

    @abc.abstractmethod
    def _begin(self, *, writing: bool) -> None:
        """Start the transaction and expose the repositories."""

    @abc.abstractmethod
    def _end(self) -> None:
        """Roll back whatever was not committed and release the transaction."""

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...
