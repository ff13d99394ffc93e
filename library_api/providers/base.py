"""What every metadata provider answers, whichever one it is."""
from __future__ import annotations

import abc
import dataclasses
import re
from dataclasses import dataclass

from stdnum import isbn as stdnum_isbn


@dataclass(frozen=True)
class BookMetadata:
    """A book's details as a provider knows them; `isbn` is always the normalised ISBN-13."""

    isbn: str
    source: str  # "openlibrary" or "google_books"
    isbn10: str | None = None
    title: str | None = None
    subtitle: str | None = None
    authors: tuple[str, ...] = ()
    summary: str | None = None
    cover_url: str | None = None
    publication_year: int | None = None
    publisher: str | None = None
    page_count: int | None = None
    genre: str | None = None

    @property
    def author(self) -> str | None:
        return ", ".join(self.authors) or None

    def missing_fields(self) -> list[str]:
        """The descriptive fields this answer lacks, which another provider may fill."""
        fillable = ("title", "authors", "summary", "cover_url", "publication_year",
                    "publisher", "page_count", "genre", "subtitle")
        return [name for name in fillable if not getattr(self, name)]

    def filled_from(self, other: BookMetadata | None) -> BookMetadata:
        """Keep this answer, taking from `other` only what this one lacks."""
        if other is None:
            return self
        return dataclasses.replace(
            self, **{name: getattr(other, name) for name in self.missing_fields() if getattr(other, name)}
        )

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["authors"] = list(self.authors)
        data["author"] = self.author
        return data

    @classmethod
    def from_dict(cls, data: dict) -> BookMetadata:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["authors"] = tuple(values.get("authors") or ())
        return cls(**values)


class PartialBookMetadata(BookMetadata):
    """An answer assembled while some provider request failed: served, but never cached."""

    @classmethod
    def of(cls, metadata: BookMetadata) -> PartialBookMetadata:
        """Mark an answer as partial, keeping every field."""
        return cls(**{field.name: getattr(metadata, field.name) for field in dataclasses.fields(metadata)})


# C0 controls except \t and \n: our SQL store rejects NUL, and a stray \r or \x0b is noise (Open Library
# writes "\r\n", which becomes "\n"). C1 characters such as U+0097, which a real Google Books description
# holds (a mis-decoded dash), are kept: they are valid text and guessing what was meant would invent data.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f]")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def clean_text(value: object) -> str | None:
    """Return a provider's string without control characters, or None if it is not a non-blank string."""
    if not isinstance(value, str):
        return None
    return _CONTROLS.sub("", value).strip() or None


def year_in(value: object) -> int | None:
    """Return the first four-digit year in a provider's date ("October 1, 1988", "2020-11")."""
    match = _YEAR.search(value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def require_isbn13(value: str) -> str:
    """Return a valid, compact ISBN-13, or raise ValueError: only such a string may reach an outbound URL."""
    if not (isinstance(value, str) and len(value) == 13 and value.isdigit() and stdnum_isbn.is_valid(value)):
        raise ValueError(f"not a normalised ISBN-13: {value!r}")
    return value


class MetadataProvider(abc.ABC):
    """One source of book metadata, looked up by ISBN-13."""

    name: str
    batch_size = 1  # ISBNs lookup_many asks for in one request

    @abc.abstractmethod
    def lookup(self, isbn13: str) -> BookMetadata | None:
        """Return what the provider knows of the book, or None if it does not know it.

        Raises UpstreamUnavailable when the provider failed and UpstreamTimeout when it was too slow:
        a failure is never reported as "not known".
        """

    def lookup_many(self, isbns: list[str]) -> dict[str, BookMetadata | None]:
        """Return each ISBN-13's answer (None: not known), asking for as many at once as the provider can.

        Raises UpstreamUnavailable / UpstreamTimeout when the provider failed. This default asks one by one;
        a provider with a batch request overrides it.
        """
        return {isbn: self.lookup(isbn) for isbn in isbns}


class LookupCache(abc.ABC):
    """Remembers lookups by ISBN-13: a found book for longer, a "not found" for a shorter time."""

    MISS = object()

    @abc.abstractmethod
    def get(self, isbn13: str):
        """Return the cached BookMetadata, None for a cached "not found", or MISS."""

    @abc.abstractmethod
    def set(self, isbn13: str, metadata: BookMetadata | None) -> None:
        """Remember an answer (None meaning "no provider knows it")."""
