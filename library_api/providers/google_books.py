"""Google Books: fills what Open Library lacks, and answers when it does not know the ISBN."""
from __future__ import annotations

from typing import Any

from ..isbns import isbn10_of
from .base import BookMetadata, MetadataProvider, clean_text, require_isbn13, year_in
from .http import HttpClient

Record = dict[str, Any]


class GoogleBooksProvider(MetadataProvider):
    """Looks a book up with Google Books' volumes search (https://developers.google.com/books)."""

    name = "google_books"

    def __init__(self, client: HttpClient) -> None:
        self._client = client

    def lookup(self, isbn13: str) -> BookMetadata | None:
        """Return the volume Google Books files under this ISBN, or None if it has none."""
        answer = self._client.get_json("/volumes", params={"q": f"isbn:{require_isbn13(isbn13)}"})
        # An empty result is {"totalItems": 0} with no `items` key at all.
        items = _dicts((answer or {}).get("items"))
        if not items:
            return None
        info = _volume_for(items, isbn13).get("volumeInfo")
        return _metadata(isbn13, info if isinstance(info, dict) else {}, self.name)


def _volume_for(items: list[Record], isbn13: str) -> Record:
    """The volume that lists this ISBN (13 or 10), else the first: a search may return neighbours."""
    wanted = {isbn13, isbn10_of(isbn13)}
    for item in items:
        info = item.get("volumeInfo")
        identifiers = _dicts(info.get("industryIdentifiers")) if isinstance(info, dict) else []
        if any(entry.get("identifier") in wanted for entry in identifiers):
            return item
    return items[0]


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
