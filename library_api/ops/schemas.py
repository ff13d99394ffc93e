"""Schemas of the service endpoints."""
from marshmallow import Schema, fields


class HealthOut(Schema):
    status = fields.String(required=True)


class ReadyOut(Schema):
    status = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.String())
