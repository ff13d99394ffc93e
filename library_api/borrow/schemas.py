"""Patrons, copies, loans and holds on the wire."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..books.schemas import BookOut
from ..domain import LOAN_STATUSES
from ..schemas import PageArgs, StrictInteger, StrictSchema, Text

ID = validate.Range(min=1, max=2**31 - 1)
# Generated barcodes are "C" and the copy's id in 8 digits; a given one may not look like that.
BARCODE = validate.And(
    validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", error="Use letters, digits, '.', '_' and '-'."),
    validate.Regexp(r"^(?!C\d{8}$)", error="C and 8 digits is the form of generated barcodes."))


def _id(**kwargs) -> StrictInteger:
    return StrictInteger(validate=ID, **kwargs)


class PatronIn(StrictSchema):
    """A patron made at the desk: no username, no password."""

    name = Text(200, min_length=1, required=True)
    email = Text(254, allow_none=True, validate_also=validate.Email())


class UserPatch(StrictSchema):
    """What the desk may change about a user."""

    name = Text(200, min_length=1)
    email = Text(254, allow_none=True, validate_also=validate.Email())
    is_active = fields.Boolean(truthy={True}, falsy={False})  # JSON true or false, nothing else


class UserListArgs(PageArgs):
    q = Text(200, metadata={"description": "Substring of the name, username or email, any letter case"})


class BorrowIn(StrictSchema):
    """`{"userId", "bookId"}` or `{"userId", "barcode"}`; a member may leave userId out."""

    user_id = _id()
    book_id = _id()
    barcode = Text(64, min_length=1, validate_also=BARCODE)
    due_days = StrictInteger(validate=validate.Range(min=1, max=365))

    @validates_schema
    def book_or_barcode(self, data, **kwargs):
        if ("book_id" in data) == ("barcode" in data):
            raise ValidationError({"bookId": ["Give bookId or barcode (one of them)."]})


class ReturnIn(StrictSchema):
    """`{"userId", "bookId"}`, `{"barcode"}` or `{"loanId"}`."""

    user_id = _id()
    book_id = _id()
    barcode = Text(64, min_length=1)
    loan_id = _id()

    @validates_schema
    def one_way_to_name_the_loan(self, data, **kwargs):
        ways = ["loan_id" in data, "barcode" in data, "book_id" in data]
        if sum(ways) != 1 or ("user_id" in data and not ways[2]):
            raise ValidationError({"_schema": ["Give {userId, bookId}, {barcode} or {loanId}."]})


class RenewIn(StrictSchema):
    due_days = StrictInteger(validate=validate.Range(min=1, max=365))


class HoldIn(StrictSchema):
    book_id = _id(required=True)
    user_id = _id()


class CopyIn(StrictSchema):
    barcode = Text(64, min_length=1, validate_also=BARCODE)


class LoanListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(LOAN_STATUSES),
                           metadata={"description": "active (overdue included), overdue or returned"})
    # A query string is text: these ids are parsed, not taken as JSON integers.
    user_id = fields.Integer(validate=ID)
    book_id = fields.Integer(validate=ID)


class CopyOut(Schema):
    id = fields.Integer(required=True)
    book_id = fields.Integer(required=True)
    barcode = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "available, on_loan or on_hold_shelf"})
    created_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True, metadata={"description": "While on loan; never the borrower"})


class LoanOut(Schema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    book_id = fields.Integer(required=True)
    copy_id = fields.Integer(allow_none=True)
    barcode = fields.String(required=True)
    borrowed_at = fields.DateTime(required=True)
    due_at = fields.DateTime(required=True)
    returned_at = fields.DateTime(allow_none=True)
    renewals = fields.Integer(required=True)
    overdue = fields.Boolean(required=True)


class LoanMessageOut(Schema):
    message = fields.String(required=True)
    loan = fields.Nested(LoanOut, required=True)


class HoldOut(Schema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    book_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "waiting, ready, fulfilled, cancelled, expired"})
    position = fields.Integer(allow_none=True, metadata={"description": "Place in the queue, while waiting"})
    copy_id = fields.Integer(allow_none=True, metadata={"description": "The copy kept on the hold shelf"})
    created_at = fields.DateTime(required=True)
    ready_until = fields.DateTime(allow_none=True, metadata={"description": "While ready"})


class BorrowedBookOut(BookOut):
    loan_id = fields.Integer(required=True)
    copy_id = fields.Integer(allow_none=True)
    barcode = fields.String(required=True)
    borrowed_at = fields.DateTime(required=True)
    due_at = fields.DateTime(required=True)
    overdue = fields.Boolean(required=True)

