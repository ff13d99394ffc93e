"""Google Books: fills what Open Library lacks, and answers when it does not know the ISBN."""
from __future__ import annotations

from typing import Any

from stdnum import isbn as stdnum_isbn

from ..isbns import isbn10_of
from .base import BookMetadata, MetadataProvider, clean_text, require_isbn13, year_in
from .http import HttpClient

Record = dict[str, Any]

_ISBN_TYPES = ("ISBN_13", "ISBN_10")


class GoogleBooksProvider(MetadataProvider):
    """Looks a book up with Google Books' volumes search (https://developers.google.com/books)."""

    name = "google_books"

    def __init__(self, client: HttpClient) -> None:
        self._client = client

    def lookup(self, isbn13: str) -> BookMetadata | None:
        """Return the volume Google Books files under this ISBN, or None if it has none."""
        answer = self._client.get_json("/volumes", params={"q": f"isbn:{require_isbn13(isbn13)}"})
        # An empty result is {"totalItems": 0} with no `items` key at all.
        info = _volume_listing(_dicts((answer or {}).get("items")), isbn13)
        return _metadata(isbn13, info, self.name) if info is not None else None


def _volume_listing(items: list[Record], isbn13: str) -> Record | None:
    """The volumeInfo of the first volume that lists this ISBN (13 or 10), or None if no volume does.

    A search may answer with neighbours only: saving one of them under this ISBN would file another book.
    """
    wanted = {isbn13, isbn10_of(isbn13)} - {None}
    for item in items:
        info = item.get("volumeInfo")
        if isinstance(info, dict) and wanted & _listed_isbns(info):
            return info
    return None


def _listed_isbns(info: Record) -> set[str]:
    """The ISBN-13 and ISBN-10 identifiers a volume lists, compact (no hyphens or spaces, upper-case X)."""
    return {stdnum_isbn.compact(entry["identifier"]) for entry in _dicts(info.get("industryIdentifiers"))
            if entry.get("type") in _ISBN_TYPES and isinstance(entry.get("identifier"), str)}


def _metadata(isbn13: str, info: Record, source: str) -> BookMetadata:
    """Map a volumeInfo to BookMetadata."""
    authors = info.get("authors")
    categories = info.get("categories")
    return BookMetadata(
        isbn=isbn13, source=source, isbn10=isbn10_of(isbn13),
        title=clean_text(info.get("title")), subtitle=clean_text(info.get("subtitle")),
        authors=tuple(name for name in map(clean_text, authors if isinstance(authors, list) else []) if name),
        summary=clean_text(info.get("description")),
        cover_url=_cover_url(info.get("imageLinks")),
        publication_year=year_in(info.get("publishedDate")),
        publisher=clean_text(info.get("publisher")),
        page_count=_positive_int(info.get("pageCount")),
        genre=clean_text(categories[0]) if isinstance(categories, list) and categories else None,
    )


def _cover_url(links: object) -> str | None:
    """The thumbnail, over HTTPS: Google sends http:// links, which browsers block on an HTTPS page."""
    if not isinstance(links, dict):
        return None
    url = clean_text(links.get("thumbnail")) or clean_text(links.get("smallThumbnail"))
    if url and url.startswith("http://"):
        url = "https://" + url[len("http://"):]
    return url if url and url.startswith("https://") else None


def _positive_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _dicts(value: object) -> list[Record]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
