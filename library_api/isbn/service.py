"""Looking a book up by ISBN without saving it."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..isbns import normalize_isbn
from ..providers.base import BookMetadata

if TYPE_CHECKING:
    from ..providers.lookup import MetadataLookup


def look_up_isbn(lookup: MetadataLookup, *, raw_isbn: str) -> BookMetadata:
    """Validate, normalise and look up an ISBN.

    Raises BadRequest INVALID_ISBN, NotFound ISBN_NOT_FOUND, UpstreamUnavailable, UpstreamTimeout.
    """
    return lookup.lookup(normalize_isbn(raw_isbn))
