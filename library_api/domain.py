"""The library's nouns, as plain dataclasses shared by services and both stores."""
from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

SORT_KEYS = ("title", "author", "publication_year", "created_at")
# Sort keys compared by their folded form, so that both stores order text the same way.
FOLDED_SORT_KEYS = ("title", "author")
SHELF_STATUSES = ("wishlist", "reading", "completed")


# Casefolding can lengthen a text (one character can become eighteen); a key is cut to this many
# characters, at most 2,000 bytes, which any database's index can hold.
KEY_CHARS = 500
# Lists count their matches up to this many; past it the total is not worth a count of a million rows.
COUNT_LIMIT = 10_000


def fold(text: str | None) -> str | None:
    """The one case-insensitive key of a text, for every alphabet; empty (or None) is None.

    NFKC before and after casefold() makes "Émile", "E\u0301MILE" and "émile" one key (Unicode's
    NFKC_Casefold, near enough); both stores compare, index and sort only these keys.
    """
    if not text:
        return None
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())[:KEY_CHARS] or None


def sort_value(book: Book, key: str):
    """The value a catalog sorted by `key` orders this book by (folded for text)."""
    value = getattr(book, key)
    return fold(value) if key in FOLDED_SORT_KEYS else value


def new_token_stamp() -> str:
    """A random stamp that tokens carry to name their user: never reused, unlike an id."""
    return secrets.token_hex(16)


@dataclass
class Book:
    title: str
    author: str | None = None
    isbn: str | None = None
    isbn10: str | None = None
    subtitle: str | None = None
    summary: str | None = None
    cover_url: str | None = None
    publication_year: int | None = None
    genre: str | None = None
    publisher: str | None = None
    page_count: int | None = None
    source: str = "manual"
    created_at: datetime | None = None
    updated_at: datetime | None = None
    id: int | None = None
    # Read-side figures a store fills in from the shelves and copies; never written through a Book.
    average_rating: float | None = None
    rating_count: int = 0
    copies: int = 0
    available_copies: int = 0

    @property
    def available(self) -> bool:
        """Whether at least one copy is on the shelf."""
        return self.available_copies > 0


# Figures a store computes when it reads a book, never stores as the book's own.
BOOK_READ_SIDE = ("average_rating", "rating_count", "copies", "available_copies")


# Fields a caller may set on a book; everything else is the library's to decide.
BOOK_WRITABLE = ("isbn", "title", "author", "subtitle", "summary", "cover_url", "publication_year",
                 "genre", "publisher", "page_count")


@dataclass(frozen=True)
class BookQuery:
    """Filters, order and page of a catalog listing.

    The text filters are kept folded (see fold()); an empty filter is no filter.
    """

    author: str | None = None
    genre: str | None = None
    title: str | None = None
    q: str | None = None
    isbn: str | None = None
    available: bool | None = None
    sort: str = "created_at"
    descending: bool = False
    page: int = 1
    per_page: int = 50
    # Keyset paging: the sort value and id of the last book of the previous page (instead of `page`).
    after: tuple | None = None
    # False: leave Page.total None, for a reader who walks every page and needs no count per page.
    counted: bool = True

    def __post_init__(self) -> None:
        for name in ("author", "genre", "title", "q"):
            object.__setattr__(self, name, fold(getattr(self, name)))
        object.__setattr__(self, "isbn", self.isbn or None)

    @property
    def offset(self) -> int:
        return 0 if self.after else (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Page:
    items: list = field(default_factory=list)
    total: int | None = 0  # None: more than COUNT_LIMIT (catalog pages count no further)
    more: bool = False  # whether a next page has anything


def capped(total: int) -> int | None:
    """A count as a catalog page shows it: None past COUNT_LIMIT."""
    return total if total <= COUNT_LIMIT else None


@dataclass
class User:
    username: str | None
    name: str | None = None
    email: str | None = None
    password_hash: str | None = None
    is_admin: bool = False
    is_active: bool = True
    created_at: datetime | None = None
    id: int | None = None
    # Tokens carry the stamp; a new password rotates it. The token that changed the password
    # is kept valid by its jti, so only the account's other tokens stop working.
    token_stamp: str = field(default_factory=new_token_stamp)
    kept_token_jti: str | None = None


@dataclass
class ShelfEntry:
    user_id: int
    book_id: int
    status: str = "wishlist"
    rating: int | None = None
    review_text: str | None = None
    date_added: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Review:
    """One user's rating and review of a book, as the public sees it."""

    book_id: int
    username: str | None
    status: str
    rating: int | None
    review_text: str | None
    updated_at: datetime | None


COPY_STATUSES = ("available", "on_loan", "on_hold_shelf")
ACTIVE_HOLD_STATUSES = ("waiting", "ready")
LOAN_STATUSES = ("active", "overdue", "returned")


@dataclass
class Copy:
    """One physical copy of a book; a loan is of a copy."""

    book_id: int
    barcode: str | None = None  # None: the store makes one from the id
    status: str = "available"
    created_at: datetime | None = None
    id: int | None = None
    due_at: datetime | None = None  # read side: while on loan, when it is due back


@dataclass
class Loan:
    user_id: int
    book_id: int
    copy_id: int | None
    barcode: str
    borrowed_at: datetime
    due_at: datetime
    returned_at: datetime | None = None
    renewals: int = 0
    id: int | None = None
    overdue: bool = False  # read side: derived from due_at and the clock when shown, never stored

    def is_overdue(self, now: datetime) -> bool:
        return self.returned_at is None and self.due_at < now

    def seen_at(self, now: datetime) -> Loan:
        """This loan as shown at `now`."""
        self.overdue = self.is_overdue(now)
        return self


@dataclass
class Hold:
    """A place in a book's queue; `ready` once a copy waits on the hold shelf for its holder."""

    user_id: int
    book_id: int
    created_at: datetime
    status: str = "waiting"
    ready_until: datetime | None = None
    copy_id: int | None = None
    ended_at: datetime | None = None
    id: int | None = None
    position: int | None = None  # read side: 1 for the first waiting hold of its book


@dataclass(frozen=True)
class CirculationRules:
    """The desk's settings: LOAN_DAYS, MAX_LOANS, MAX_RENEWALS, HOLD_DAYS (days may be fractions)."""

    loan_days: float = 14
    max_loans: int = 10
    max_renewals: int = 2
    hold_days: float = 3


@dataclass(frozen=True)
class LoanQuery:
    """Filters and page of a loan listing; `now` decides what is overdue."""

    now: datetime
    status: str | None = None
    user_id: int | None = None
    book_id: int | None = None
    page: int = 1
    per_page: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


IMPORT_STATUSES = ("queued", "running", "finished")
# pending: not yet looked at; every other status is the row's outcome.
IMPORT_ROW_STATUSES = ("pending", "created", "duplicate", "not_found", "invalid", "failed")


@dataclass
class ImportJob:
    """Many rows added to the catalog outside the request; its progress is counted from its rows."""

    created_at: datetime
    owner_id: int | None = None  # None: started without a token (open mode)
    status: str = "queued"
    to_shelf: bool = False  # the rows also go on the owner's shelf (a Goodreads export)
    finished_at: datetime | None = None
    # The runner working on the job holds it until lease_until, renewing it per batch; a runner that
    # died lets it lapse, and another takes the job over.
    lease_owner: str | None = None
    lease_until: datetime | None = None
    id: int | None = None
    # Read side, counted from the rows by the store.
    total: int = 0
    done: int = 0  # rows with an outcome
    failed: int = 0  # rows a retry would run again
    details_pending: int = 0  # new books whose summary the fill-behind has yet to ask for
    counts: dict = field(default_factory=dict)  # rows per status

    def counted(self, counts: dict[str, int], details_pending: int) -> ImportJob:
        """This job with its read-side figures filled in from its rows' statuses (both stores use it)."""
        self.counts = {status: n for status, n in counts.items() if n}
        self.total = sum(self.counts.values())
        self.done = self.total - self.counts.get("pending", 0)
        self.failed = self.counts.get("failed", 0)
        self.details_pending = details_pending
        return self


@dataclass
class ImportRow:
    """One row of an import: what was sent, and what became of it."""

    job_id: int
    row: int
    isbn: str | None = None  # as sent
    title: str | None = None
    author: str | None = None
    shelf_status: str | None = None
    rating: int | None = None
    review_text: str | None = None
    date_added: datetime | None = None
    status: str = "pending"
    book_id: int | None = None
    error: str | None = None
    needs_details: bool = False  # created from an answer without a summary: the fill-behind asks again
