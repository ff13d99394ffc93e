"""ISBN validation and normalisation, by python-stdnum."""
from __future__ import annotations

from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError

from .errors import BadRequest

# Longer than any ISBN with every hyphen and space it may carry.
MAX_RAW_LENGTH = 32


def normalize_isbn(raw: str) -> str:
    """Return the ISBN-13 of an ISBN-10 or ISBN-13 (hyphens and spaces allowed). Raises BadRequest INVALID_ISBN."""
    if not isinstance(raw, str) or len(raw) > MAX_RAW_LENGTH:
        raise BadRequest("INVALID_ISBN", "Not a valid ISBN-10 or ISBN-13")
    try:
        return stdnum_isbn.to_isbn13(stdnum_isbn.validate(raw))
    except ValidationError:
        raise BadRequest("INVALID_ISBN", "Not a valid ISBN-10 or ISBN-13", isbn=raw) from None


def isbn10_of(isbn13: str) -> str | None:
    """The ISBN-10 form, which only 978 ISBNs have."""
    if not isbn13.startswith("978"):
        return None
    return stdnum_isbn.to_isbn10(isbn13)
