"""Imports on the wire: a JSON list of ISBNs in (or a CSV body), the job and its rows out."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..domain import IMPORT_ROW_STATUSES, IMPORT_STATUSES
from ..schemas import StrictSchema, Text
from .service import ISBN_CELL, MAX_ROWS


class ImportIn(StrictSchema):
    """`{"isbns": [...]}`; the same route takes a `text/csv` body instead (a column of ISBNs, or a Goodreads
    export)."""

    isbns = fields.List(Text(ISBN_CELL), validate=validate.Length(min=1, max=MAX_ROWS), metadata={
        "description": f"1 to {MAX_ROWS:,} ISBN-10s or ISBN-13s; each row's outcome is reported on its own, so an "
                       "invalid ISBN fails its row, not the request. Required with a JSON body",
        "example": ["978-0-14-032872-1", "0060273224"]})


class ImportRowOut(Schema):
    row = fields.Integer(required=True, metadata={"description": "From 1, in the order sent"})
    isbn = fields.String(allow_none=True, metadata={"description": "As sent"})
    status = fields.String(required=True, metadata={"enum": list(IMPORT_ROW_STATUSES), "example": "created"})
    book_id = fields.Integer(allow_none=True, metadata={"description": "The book created, or already there"})
    error = fields.String(allow_none=True, metadata={"description": "Why the row is invalid, not found or failed"})


class ImportOut(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": list(IMPORT_STATUSES), "example": "queued"})
    total = fields.Integer(required=True, metadata={"description": "Rows in the import"})
    done = fields.Integer(required=True, metadata={"description": "Rows with an outcome"})
    failed = fields.Integer(required=True, metadata={"description": "Rows whose lookup failed: a retry runs them"})
    details_pending = fields.Integer(required=True, metadata={
        "description": "New books whose summary is still to be asked for, one by one at the polite rate, after "
                       "the rows are done"})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Rows per status", "example": {"created": 2, "duplicate": 1}})
    created_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True)


class ImportProgressOut(ImportOut):
    rows = fields.List(fields.Nested(ImportRowOut), required=True, metadata={
        "description": "One page of the rows (page, per_page; Link and X-Total-Count count the rows)"})

