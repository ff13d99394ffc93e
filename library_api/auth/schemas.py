"""Accounts and tokens on the wire."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..schemas import Secret, StrictSchema, Text

USERNAME = validate.Regexp(r"^[A-Za-z0-9_.-]+$", error="Use letters, digits, '.', '_' and '-' only.")
PASSWORD_RULES = {"min_length": 10, "max_length": 128}


class RegisterIn(StrictSchema):
    username = Text(64, min_length=3, required=True, validate_also=USERNAME, metadata={"example": "ada"})
    password = Secret(required=True, **PASSWORD_RULES, metadata={"example": "correct horse battery"})
    email = Text(254, allow_none=True, validate_also=validate.Email(), metadata={"example": "ada@example.org"})
    name = Text(200, allow_none=True, metadata={"example": "Ada Lovelace"})


class AccountPatch(StrictSchema):
    """Any of name, email and password; email and password need current_password."""

    name = Text(200, allow_none=True)
    email = Text(254, allow_none=True, validate_also=validate.Email())
    password = Secret(**PASSWORD_RULES)
    current_password = Secret(min_length=1, max_length=PASSWORD_RULES["max_length"])


class LoginIn(StrictSchema):
    """`username` (or `email`) and `password`."""

    username = Text(254, min_length=1, metadata={"example": "ada"})
    email = Text(254, min_length=1)
    password = Secret(required=True, min_length=1, max_length=PASSWORD_RULES["max_length"],
                      metadata={"example": "correct horse battery"})

    @validates_schema
    def one_login(self, data, **kwargs):
        if not data.get("username") and not data.get("email"):
            raise ValidationError({"username": ["Give a username or an email."]})


class TokenForm(StrictSchema):
    """The OAuth2 password flow's form fields."""

    grant_type = fields.String(validate=validate.Equal("password"))
    username = Text(254, min_length=1, required=True)
    password = Secret(required=True, min_length=1, max_length=PASSWORD_RULES["max_length"])
    scope = fields.String(validate=validate.Length(max=1000))
    client_id = fields.String(validate=validate.Length(max=200))
    client_secret = fields.String(validate=validate.Length(max=200), load_only=True)


class TokenOut(Schema):
    access_token = fields.String(required=True, metadata={"example": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."})
    token_type = fields.String(required=True, metadata={"example": "bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds until the token expires",
                                                         "example": 1800})


class UserOut(Schema):
    id = fields.Integer(required=True, metadata={"example": 1})
    name = fields.String(allow_none=True, metadata={"example": "Ada Lovelace"})
    username = fields.String(allow_none=True, metadata={"example": "ada"})
    email = fields.String(allow_none=True, metadata={"example": "ada@example.org"})
    is_admin = fields.Boolean(required=True, metadata={"example": False})
    is_active = fields.Boolean(required=True, metadata={"example": True})
    created_at = fields.DateTime()
