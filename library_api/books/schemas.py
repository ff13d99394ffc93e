"""Books on the wire: what a caller may send, and what the library answers."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from ..domain import SORT_KEYS
from ..pagination import decode_cursor
from ..schemas import ISBN_PATTERN, FastDump, PageArgs, QueryArgs, StrictInteger, StrictSchema, Text

YEAR = validate.Range(min=-3000, max=2100)


class Cursor(fields.String):
    """An opaque cursor from a next link, loaded as (sort, value, id)."""

    def _deserialize(self, value, attr, data, **kwargs):
        token = super()._deserialize(value, attr, data, **kwargs)
        try:
            if len(token) > 2000:
                raise ValueError("Not a cursor this API made; follow the Link header's next.")
            return decode_cursor(token)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class _BookFields(StrictSchema):
    """Every field a caller may set; what is required depends on the request."""

    isbn = fields.String(allow_none=True, validate=validate.Length(max=32), metadata={
        "description": "ISBN-10 or ISBN-13, hyphens and spaces allowed (check digit verified: 400 INVALID_ISBN); "
                       "\"\" means none", "pattern": f"^$|{ISBN_PATTERN}", "example": "978-0-14-032872-1"})
    title = Text(500, min_length=1, metadata={"example": "Fantastic Mr. Fox"})
    author = Text(500, min_length=1, metadata={"description": "Several authors joined with \", \"",
                                               "example": "Roald Dahl"})
    subtitle = Text(500, allow_none=True)
    summary = Text(20_000, allow_none=True)
    cover_url = Text(2048, allow_none=True, validate_also=validate.URL(schemes={"http", "https"}))
    publication_year = StrictInteger(allow_none=True, validate=YEAR, metadata={"example": 1988})
    genre = Text(100, allow_none=True, metadata={"example": "Children's fiction"})
    publisher = Text(500, allow_none=True)
    page_count = StrictInteger(allow_none=True, validate=validate.Range(min=1, max=100_000))


class BookCreate(_BookFields):
    """`{"isbn"}` to look a book up, `{"title", "author", ...}` to enter it by hand, or both."""

    copies = StrictInteger(load_default=1, validate=validate.Range(min=1, max=100),
                           metadata={"description": "How many copies the library has (each gets a barcode)"})

    @validates_schema
    def isbn_or_title_and_author(self, data, **kwargs):
        if data.get("isbn"):
            return
        missing = {name: ["Required when no isbn is given."] for name in ("title", "author") if not data.get(name)}
        if missing:
            raise ValidationError(missing)


class BookReplace(_BookFields):
    """A whole book: title and author required, every field left out is cleared."""

    title = Text(500, min_length=1, required=True)
    author = Text(500, min_length=1, required=True)


class BookPatch(_BookFields):
    """Any subset of a book's fields."""


class BookOut(FastDump):
    id = fields.Integer(required=True, metadata={"example": 1})
    isbn = fields.String(allow_none=True, metadata={"description": "ISBN-13", "example": "9780140328721"})
    isbn10 = fields.String(allow_none=True, metadata={"example": "0140328726"})
    title = fields.String(required=True, metadata={"example": "Fantastic Mr. Fox"})
    subtitle = fields.String(allow_none=True)
    author = fields.String(allow_none=True, metadata={"example": "Roald Dahl"})
    summary = fields.String(allow_none=True)
    cover_url = fields.String(allow_none=True, metadata={
        "example": "https://covers.openlibrary.org/b/id/8739161-L.jpg"})
    publication_year = fields.Integer(allow_none=True, metadata={"example": 1988})
    genre = fields.String(allow_none=True)
    publisher = fields.String(allow_none=True, metadata={"example": "Puffin"})
    page_count = fields.Integer(allow_none=True, metadata={"example": 96})
    copies = fields.Integer(required=True, metadata={"description": "Copies the library has", "example": 2})
    available_copies = fields.Integer(required=True, metadata={"description": "Copies on the shelf now",
                                                               "example": 1})
    available = fields.Boolean(required=True, metadata={"description": "Whether a copy is on the shelf",
                                                        "example": True})
    source = fields.String(required=True, metadata={"description": "openlibrary, google_books or manual",
                                                    "example": "openlibrary"})
    average_rating = fields.Float(allow_none=True)
    rating_count = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class BookFilterArgs(QueryArgs):
    """The catalog's filters, shared by its list and its export."""

    author = Text(500, metadata={"description": "Case-insensitive substring of the author"})
    genre = Text(100, metadata={"description": "Genre, ignoring letter case"})
    title = Text(500, metadata={"description": "Case-insensitive substring of the title"})
    q = Text(500, metadata={"description": "Substring of the title or the author"})
    # Empty is allowed here: an empty filter is no filter.
    isbn = fields.String(validate=validate.Length(max=32), metadata={
        "description": "ISBN in any form (an invalid one is 400 INVALID_ISBN; empty: no filter)",
        "pattern": f"^$|{ISBN_PATTERN}"})
    available = fields.Boolean()


class BookListArgs(PageArgs, BookFilterArgs):
    sort = fields.String(load_default="created_at",
                         validate=validate.OneOf([*SORT_KEYS, *(f"-{key}" for key in SORT_KEYS)]))
    after = Cursor(metadata={"description": "Instead of page: the cursor of a Link header's next"})

    @validates_schema(pass_original=True)
    def cursor_fits(self, data, original, **kwargs):
        if "after" not in data:
            return
        if "page" in original:
            raise ValidationError({"after": ["Give page or after, not both."]})
        if data["after"][0] != data["sort"]:
            raise ValidationError({"after": ["This cursor belongs to another sort order; start again."]})
