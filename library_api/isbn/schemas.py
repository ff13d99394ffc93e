"""What an ISBN lookup answers."""
from marshmallow import Schema, fields


class IsbnOut(Schema):
    isbn = fields.String(required=True, metadata={"description": "ISBN-13"})
    isbn10 = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    subtitle = fields.String(allow_none=True)
    author = fields.String(allow_none=True, metadata={"description": "Authors joined with \", \""})
    authors = fields.List(fields.String())
    summary = fields.String(allow_none=True)
    cover_url = fields.String(allow_none=True)
    publication_year = fields.Integer(allow_none=True, metadata={"description": "Year of this edition"})
    publisher = fields.String(allow_none=True)
    page_count = fields.Integer(allow_none=True)
    genre = fields.String(allow_none=True)
    source = fields.String(required=True, metadata={"description": "openlibrary or google_books"})
