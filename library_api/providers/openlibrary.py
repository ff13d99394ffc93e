"""Open Library: the edition by ISBN, its work for the description, its authors' names, a cover id."""
from __future__ import annotations

import logging
import re
from typing import Any

from ..errors import UpstreamUnavailable
from ..isbns import isbn10_of
from .base import (BookMetadata, MetadataProvider, PartialBookMetadata, clean_text,
                   require_isbn13, year_in)
from .http import HttpClient

Record = dict[str, Any]

# Keys come from upstream data and become URL paths, so only this shape is ever requested.
_KEY = re.compile(r"/(?:works|authors)/OL\d+[WA]")
_REDIRECT = "/type/redirect"
# Each author is one more rate-limited request out of a bounded time budget.
MAX_AUTHORS = 5
# ISBNs per /api/books request: one polite request answers a hundred books.
BATCH_SIZE = 100
# A cover URL of jscmd=data names the cover's id: https://covers.openlibrary.org/b/id/240726-L.jpg
_COVER_ID = re.compile(r"/b/id/(\d+)-[SML]\.jpg$")

log = logging.getLogger(__name__)


class OpenLibraryProvider(MetadataProvider):
    """Looks a book up on Open Library (https://openlibrary.org/developers/api)."""

    name = "openlibrary"
    batch_size = BATCH_SIZE

    def __init__(self, client: HttpClient, covers_url: str) -> None:
        self._client = client
        self._covers_url = covers_url.rstrip("/")

    def lookup(self, isbn13: str) -> BookMetadata | None:
        """Return the edition Open Library files under this ISBN, or None if it has none."""
        # The real site answers 302 to /books/OL…M.json, which the client follows on the same host.
        edition = self._client.get_json(f"/isbn/{require_isbn13(isbn13)}.json")
        if edition is None:
            return None
        failures: list[UpstreamUnavailable] = []
        work = self._record(_work_key(edition), failures) if _needs_work(edition) else None
        metadata = BookMetadata(
            isbn=isbn13, source=self.name, isbn10=isbn10_of(isbn13),
            title=clean_text(edition.get("title")), subtitle=clean_text(edition.get("subtitle")),
            authors=self._author_names(_author_keys(edition, work or {}), failures),
            # Open Library keeps the description on the work; an edition's own one is more specific.
            summary=_text(edition.get("description")) or _text((work or {}).get("description")),
            cover_url=self._cover_url(_cover_id(edition) or _cover_id(work or {})),
            # The edition's year, not the work's first publication.
            publication_year=year_in(edition.get("publish_date")),
            publisher=_first_text(edition.get("publishers")),
            page_count=_positive_int(edition.get("number_of_pages")),
        )
        return PartialBookMetadata.of(metadata) if failures else metadata

    def lookup_many(self, isbns: list[str]) -> dict[str, BookMetadata | None]:
        """Ask /api/books for up to BATCH_SIZE ISBNs in one request (jscmd=data).

        Its answers have no description: each is marked partial, so that it is never cached as the whole
        answer and a later single lookup (edition, work) fills the summary.
        """
        if len(isbns) > BATCH_SIZE:
            raise ValueError(f"at most {BATCH_SIZE} ISBNs per request")
        keys = ",".join(f"ISBN:{require_isbn13(isbn)}" for isbn in isbns)
        answer = self._client.get_json("/api/books", params={"bibkeys": keys, "jscmd": "data", "format": "json"})
        records = answer or {}
        found = {}
        for isbn in isbns:
            record = records.get(f"ISBN:{isbn}")
            found[isbn] = self._from_data(isbn, record) if isinstance(record, dict) else None
        return found

    def _from_data(self, isbn13: str, record: Record) -> BookMetadata:
        """A jscmd=data record as BookMetadata (names inline, a cover URL instead of an id)."""
        authors = (clean_text(entry.get("name")) for entry in _dicts(record.get("authors")))
        publishers = [entry.get("name") for entry in _dicts(record.get("publishers"))]
        return PartialBookMetadata(
            isbn=isbn13, source=self.name, isbn10=isbn10_of(isbn13),
            title=clean_text(record.get("title")), subtitle=clean_text(record.get("subtitle")),
            authors=tuple(dict.fromkeys(name for name in authors if name))[:MAX_AUTHORS],
            cover_url=self._cover_url(_data_cover_id(record.get("cover"))),
            publication_year=year_in(record.get("publish_date")),
            publisher=_first_text(publishers), page_count=_positive_int(record.get("number_of_pages")),
        )

    def _record(self, key: str | None, failures: list[UpstreamUnavailable]) -> Record | None:
        """Fetch a work or author, following one redirect record; a failure is noted, not raised."""
        if key is None:
            return None
        try:
            record = self._client.get_json(f"{key}.json")
            if record is not None and _type(record) == _REDIRECT:
                target = _valid_key(record.get("location"))
                record = self._client.get_json(f"{target}.json") if target else None
        except UpstreamUnavailable as error:
            # The edition alone still answers the lookup; the gap is left for Google Books to fill,
            # and the answer is marked partial so that it is not cached.
            log.warning("Open Library %s failed: %s", key, error.details)
            failures.append(error)
            return None
        # A 404, or a redirect to a redirect, simply leaves the fields this record would give empty.
        return record if record is not None and _type(record) != _REDIRECT else None

    def _author_names(self, keys: list[str], failures: list[UpstreamUnavailable]) -> tuple[str, ...]:
        """The names of these authors that Open Library could give."""
        names = (clean_text((self._record(key, failures) or {}).get("name")) for key in keys)
        return tuple(name for name in names if name)

    def _cover_url(self, cover_id: int | None) -> str | None:
        # By id, never by ISBN: ISBN cover URLs are rate limited and answer a blank image when unknown.
        return f"{self._covers_url}/b/id/{cover_id}-L.jpg" if cover_id else None


def _needs_work(edition: Record) -> bool:
    """Whether the work could add anything: the description, a cover, or the authors."""
    return not (edition.get("description") and _cover_id(edition) and edition.get("authors"))


def _work_key(edition: Record) -> str | None:
    works = _dicts(edition.get("works"))
    return _valid_key(works[0].get("key")) if works else None


def _author_keys(edition: Record, work: Record) -> list[str]:
    """Author keys from the edition, else from the work, whose entries nest them under `author`."""
    keys = [entry.get("key") for entry in _dicts(edition.get("authors"))]
    if not any(keys):
        keys = [entry["author"].get("key") for entry in _dicts(work.get("authors"))
                if isinstance(entry.get("author"), dict)]
    valid = (key for key in map(_valid_key, keys) if key)
    return list(dict.fromkeys(valid))[:MAX_AUTHORS]


def _cover_id(record: Record) -> int | None:
    """The first real cover id; Open Library marks a removed cover with -1."""
    covers = record.get("covers")
    ids = covers if isinstance(covers, list) else []
    return next((c for c in ids if isinstance(c, int) and not isinstance(c, bool) and c > 0), None)


def _data_cover_id(cover: object) -> int | None:
    """The cover id inside jscmd=data's cover URLs; built again from our covers URL, never used as given."""
    urls = [cover.get(size) for size in ("large", "medium", "small")] if isinstance(cover, dict) else []
    match = next((m for m in (_COVER_ID.search(url) for url in urls if isinstance(url, str)) if m), None)
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def _text(value: object) -> str | None:
    """Open Library text is a plain string or {"type": "/type/text", "value": ...}."""
    return clean_text(value.get("value") if isinstance(value, dict) else value)


def _first_text(values: object) -> str | None:
    return clean_text(values[0]) if isinstance(values, list) and values else None


def _positive_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _type(record: Record) -> object:
    kind = record.get("type")
    return kind.get("key") if isinstance(kind, dict) else kind


def _valid_key(value: object) -> str | None:
    return value if isinstance(value, str) and _KEY.fullmatch(value) else None


def _dicts(value: object) -> list[Record]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
