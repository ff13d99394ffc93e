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


def fold(text: str | None) -> str | None:
    """The one case-insensitive form of a text, for every alphabet; empty (or None) is None.

    NFKC before and after casefold() makes "Émile", "E\u0301MILE" and "émile" one key (Unicode's
    NFKC_Casefold, near enough); both stores compare, index and sort only these keys.
    """
    if not text:
        return None
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold()) or None


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
    available: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None
    id: int | None = None
    # Read-side figures a store fills in from the shelves; never written through a Book.
    average_rating: float | None = None
    rating_count: int = 0


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

    def __post_init__(self) -> None:
        for name in ("author", "genre", "title", "q"):
            object.__setattr__(self, name, fold(getattr(self, name)))
        object.__setattr__(self, "isbn", self.isbn or None)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Page:
    items: list = field(default_factory=list)
    total: int = 0


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
