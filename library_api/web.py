"""What a route needs from the request's app: a unit of work, the clock, the lookup, the caller."""
from __future__ import annotations

import json
import sys
from datetime import datetime

import flask_smorest
from flask import current_app
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.routing import IntegerConverter

from .store.base import UnitOfWork


class _RepeatedKey(ValueError):
    pass


def _object_without_duplicate_keys(pairs: list) -> dict:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise _RepeatedKey("An object repeats a key")
    return dict(pairs)


class OversizedInteger:
    """A JSON integer too long for int() (Python's int-string conversion limit).

    It is no number to any field, so the field it was sent in answers 422 naming itself instead of a 500.
    """

    def __init__(self, digits: str):
        self.digits = digits

    def __repr__(self) -> str:
        return f"<integer of {len(self.digits)} digits>"


def _integer(digits: str):
    limit = sys.get_int_max_str_digits()
    if limit and len(digits.lstrip("-")) > limit:
        return OversizedInteger(digits)
    return int(digits)


class JsonBodyParser(FlaskParser):
    """webargs' parser, refusing as malformed JSON what json.loads would take or choke on.

    A repeated key would silently keep its last value; nesting deep enough to exhaust the recursion limit
    would be a RecursionError (a 500). Both become webargs' own 400 for an invalid body. Query strings
    take the schema's own `unknown` (our query schemas raise), not webargs' default of ignoring strays.
    """

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        body = req.get_data(cache=True)
        # webargs reads a JSONDecodeError whose document is "" as "no body", so each names the body.
        try:
            return json.loads(body.decode("utf-8"), object_pairs_hook=_object_without_duplicate_keys,
                              parse_int=_integer)
        except UnicodeDecodeError as error:
            raise json.JSONDecodeError("The body is not UTF-8", repr(body[:64]), error.start) from error
        except (_RepeatedKey, RecursionError) as error:
            message = str(error) if isinstance(error, _RepeatedKey) else "The body is nested too deeply"
            raise json.JSONDecodeError(message, repr(body[:64]), 0) from None


class IdConverter(IntegerConverter):
    """`<id:...>`: a positive id that fits the integer columns; a larger one is an unknown URL, not a 500."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with our JSON body parser."""

    ARGUMENTS_PARSER = JsonBodyParser()


def uow() -> UnitOfWork:
    """A fresh unit of work on the app's store."""
    return current_app.extensions["library.uow"]()


def utcnow() -> datetime:
    """The app's clock (tests inject their own through the CLOCK setting)."""
    return current_app.config["CLOCK"]()


def metadata_lookup():
    """The app's metadata lookup (providers behind a cache)."""
    return current_app.extensions["library.lookup"]


def setting(name: str):
    return current_app.config[name]
