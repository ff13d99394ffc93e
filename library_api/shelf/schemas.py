"""Shelf entries and reviews on the wire."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..books.schemas import BookOut
from ..domain import SHELF_STATUSES
from ..schemas import QueryArgs, StrictInteger, StrictSchema, Text


class Status(fields.String):
    """A shelf status in any letter case, kept in lower case."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.OneOf(SHELF_STATUSES), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().lower()


class ShelfEntryIn(StrictSchema):
    """`status` (wishlist, reading, completed), `rating` 1-5 (completed books only), `review_text`."""

    status = Status(metadata={"example": "completed"})
    rating = StrictInteger(allow_none=True, validate=validate.Range(min=1, max=5), metadata={
        "description": "Only for a completed book (422 otherwise)", "example": 5})
    review_text = Text(5000, allow_none=True, metadata={"example": "Chilling."})


class ShelfListArgs(QueryArgs):
    status = Status()


class ShelfEntryOut(Schema):
    book = fields.Nested(BookOut, required=True)
    status = fields.String(required=True, metadata={"example": "reading"})
    rating = fields.Integer(allow_none=True)
    review_text = fields.String(allow_none=True)
    date_added = fields.DateTime()
    updated_at = fields.DateTime()


class ReviewOut(Schema):
    username = fields.String(allow_none=True)
    status = fields.String()
    rating = fields.Integer(allow_none=True)
    review_text = fields.String(allow_none=True)
    updated_at = fields.DateTime()
