"""Schema building blocks every area shares: strict input, bounded fields, the error envelope."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate
from marshmallow.decorators import POST_DUMP, PRE_DUMP

# The wire's camelCase spellings (SPEC.md, Conventions), accepted beside snake_case.
CAMEL_CASE_ALIASES = {
    "userId": "user_id",
    "bookId": "book_id",
    "loanId": "loan_id",
    "publicationYear": "publication_year",
    "coverUrl": "cover_url",
    "reviewText": "review_text",
}


# The shape of an ISBN-10 or ISBN-13 with its hyphens and spaces; the server also verifies the check
# digit (400 INVALID_ISBN), which a pattern cannot state.
ISBN_PATTERN = r"^[0-9Xx -]{10,32}$"

# Formats the OpenAPI document states for a Text field checked by one of these validators.
_FORMATS = {validate.Email: "email", validate.URL: "uri"}


def _storable(value: str) -> None:
    # PostgreSQL cannot store NUL in text, and a lone surrogate (valid JSON, "\ud800") is not UTF-8.
    if "\x00" in value:
        raise ValidationError("Must not contain a NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("Must be valid Unicode text (no lone surrogates).") from None


class Text(fields.String):
    """A string with surrounding white space removed, bounded like the column that keeps it."""

    def __init__(self, max_length: int, min_length: int = 0, *, validate_also=None, **kwargs):
        self.max_length = max_length
        checks = [validate.Length(min=min_length, max=max_length), _storable]
        doc_format = next((name for kind, name in _FORMATS.items() if isinstance(validate_also, kind)), None)
        if doc_format:
            kwargs["metadata"] = {"format": doc_format, **kwargs.get("metadata", {})}
        super().__init__(validate=checks + ([validate_also] if validate_also else []), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        # The bounds the OpenAPI document states hold for the string as sent, before trimming.
        if len(text) > self.max_length:
            raise ValidationError(f"Longer than maximum length {self.max_length}.")
        return text.strip()


class Secret(fields.String):
    """A string taken exactly as sent (a password), bounded and free of NUL."""

    def __init__(self, min_length: int, max_length: int, **kwargs):
        super().__init__(validate=[validate.Length(min=min_length, max=max_length), _storable],
                         load_only=True, **kwargs)


class StrictInteger(fields.Integer):
    """An integer that refuses floats, numeric strings and booleans."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictSchema(Schema):
    """Input schema: unknown fields are an error, camelCase aliases are welcome."""

    class Meta:
        unknown = RAISE

    @pre_load
    def accept_camel_case(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for camel, snake in CAMEL_CASE_ALIASES.items():
            if camel in data and snake in self.fields:
                if snake in data:
                    raise ValidationError({camel: [f"Give either {camel} or {snake}, not both."]})
                data[snake] = data.pop(camel)
        return data


class QueryArgs(Schema):
    """Query-string arguments: an unknown parameter (`?serach=fox`) is an error naming it."""

    class Meta:
        unknown = RAISE


class PageArgs(QueryArgs):
    """`page` and `per_page` of a paginated list."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class ErrorBody(Schema):
    message = fields.String(required=True)
    code = fields.String(required=True, metadata={"description": "Stable UPPER_SNAKE error code"})
    details = fields.Dict(allow_none=True)
    status_code = fields.Integer(required=True)


class ErrorEnvelope(Schema):
    """Every error answer: `{"success": false, "error": {...}}`."""

    success = fields.Boolean(required=True)
    error = fields.Nested(ErrorBody, required=True)


class MessageOut(Schema):
    message = fields.String(required=True)


class FastDump(Schema):
    """An output schema that dumps plain objects field by field without marshmallow's per-value lookups.

    A page of 50 books is 1,050 values; marshmallow's generic path (accessor, dump_default, missing checks)
    costs more than the values' own conversion. Where nothing of that generic path can matter (no dump
    hooks, no dotted attributes, no field that reads its own value, an object that is not a mapping and
    has every attribute), this calls each field's own conversion, so the answer is the same
    (tests/test_fast_dump.py compares both); anything else goes the generic way.
    """

    def dump(self, obj, *, many: bool | None = None):
        many = self.many if many is None else bool(many)
        plan = self._dump_plan()
        if plan is None or obj is None:
            return super().dump(obj, many=many)
        try:
            if many:
                return [_dump_one(plan, item) for item in obj]
            return _dump_one(plan, obj)
        except _Generic:
            return super().dump(obj, many=many)

    def _dump_plan(self):
        plan = self.__dict__.get("_fast_plan", _UNPLANNED)
        if plan is _UNPLANNED:
            plan = self.__dict__["_fast_plan"] = _plan(self)
        return plan


class _Generic(Exception):
    """This object needs marshmallow's generic dump."""


_UNPLANNED = object()


def _plan(schema: Schema) -> tuple | None:
    """(key, attribute, converter, name, kept) per dumped field, or None where the generic path could differ;
    `kept` are the value types the field's conversion returns unchanged, which need no call."""
    if (type(schema).get_attribute is not Schema.get_attribute or schema.dict_class is not dict
            or schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]):
        return None
    plan = []
    for name, field in schema.dump_fields.items():
        attribute = field.attribute if field.attribute is not None else name
        if (type(field).serialize is not fields.Field.serialize or type(field).get_value is not fields.Field.get_value
                or not field._CHECK_ATTRIBUTE or "." in attribute):
            return None
        plan.append((field.data_key if field.data_key is not None else name, attribute, field._serialize, name,
                     _kept(field)))
    return tuple(plan)


def _kept(field: fields.Field) -> frozenset:
    """The types whose values `field` dumps as they are: None, and str for a String, int for an Integer,
    float for a Float (unless dumped as strings), bool for a Boolean (marshmallow's own conversions)."""
    kind = type(field)
    if kind is fields.String:
        return frozenset({type(None), str})
    if kind in (fields.Integer, fields.Float) and not field.as_string:
        return frozenset({type(None), field.num_type})
    if kind is fields.Boolean:
        return frozenset({type(None), bool})
    return frozenset()


def _dump_one(plan: tuple, obj) -> dict:
    if hasattr(obj, "__getitem__"):  # marshmallow reads mappings (and sequences) by key
        raise _Generic
    result = {}
    for key, attribute, convert, name, kept in plan:
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            raise _Generic from None
        result[key] = value if type(value) in kept else convert(value, name, obj)
    return result
