"""Accounts and tokens on the wire."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..schemas import Secret, StrictSchema, Text

USERNAME = validate.Regexp(r"^[A-Za-z0-9_.-]+$", error="Use letters, digits, '.', '_' and '-' only.")
PASSWORD_RULES = {"min_length": 10, "max_length": 128}


class RegisterIn(StrictSchema):
    username = Text(64, min_length=3, required=True, validate_also=USERNAME)
    password = Secret(required=True, **PASSWORD_RULES)
    email = Text(254, allow_none=True, validate_also=validate.Email())
    name = Text(200, allow_none=True)


class AccountPatch(StrictSchema):
    """Any of name, email and password; email and password need current_password."""

    name = Text(200, allow_none=True)
    email = Text(254, allow_none=True, validate_also=validate.Email())
    password = Secret(**PASSWORD_RULES)
    current_password = Secret(min_length=1, max_length=PASSWORD_RULES["max_length"])


class LoginIn(StrictSchema):
    """`username` (or `email`) and `password`."""

    username = Text(254, min_length=1)
    email = Text(254, min_length=1)
    password = Secret(required=True, min_length=1, max_length=PASSWORD_RULES["max_length"])

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
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds until the token expires"})


class UserOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(allow_none=True)
    username = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    is_admin = fields.Boolean(required=True)
    is_active = fields.Boolean(required=True)
    created_at = fields.DateTime()
