"""What a route needs from the request's app: a unit of work, the clock, the lookup, the caller."""
from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import datetime

import flask_smorest
from flask import Response, current_app
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.routing import IntegerConverter

from .domain import CirculationRules
from .extensions import limiter
from .openapi import BEARER, ERRORS, OAUTH2
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
    """flask-smorest's Blueprint with our JSON body parser, documenting each operation's errors centrally.

    Every operation gets an operationId (its endpoint) and the error statuses its kind of route can
    answer: 422 (query parameters, and bodies), 429 unless unmetered, 404 with a path id, 400/413/415 with a
    body, 401/403 from its guard (auth/guards.py). `@bp.errors(...)` adds what only the route knows.
    """

    ARGUMENTS_PARSER = JsonBodyParser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_error_doc)

    def arguments(self, schema, *args, **kwargs):
        # One instance for every request: webargs instantiates a schema class (deep-copying its fields) on each.
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)

    def add_url_rule(self, rule, endpoint=None, view_func=None, *args, **kwargs):
        super().add_url_rule(rule, endpoint, view_func, *args, **kwargs)
        endpoint = endpoint or view_func.__name__
        for method, doc in self._docs[endpoint].items():
            if method != "parameters":
                doc.update(endpoint=endpoint, rule=rule)

    @staticmethod
    def errors(*statuses: int):
        """Document error statuses only the route knows it answers (409, 400 INVALID_ISBN, 502/504)."""
        def decorator(view):
            doc = dict(getattr(view, "_apidoc", {}))
            doc["error_statuses"] = [*doc.get("error_statuses", ()), *statuses]
            view._apidoc = doc
            return view
        return decorator

    def _prepare_error_doc(self, doc, doc_info, *, app, **kwargs):
        statuses = {422, *doc_info.get("error_statuses", ())}  # any route refuses unknown query parameters
        if "requestBody" in doc:
            statuses |= {400, 413, 415}
        if "<" in doc_info["rule"]:
            statuses.add(404)
        if not doc_info.get("unmetered"):
            statuses.add(429)
        guard = doc_info.get("guard")
        if guard:
            open_catalog = guard["optional_when_open"] and app.config["LIBRARY_WRITE_ACCESS"] == "open"
            doc["security"] = [BEARER, OAUTH2, *([{}] if open_catalog else [])]
            statuses |= set(guard["statuses"])
        responses = doc.setdefault("responses", {})
        for status in sorted(statuses):
            if isinstance(responses.get(status), dict) or str(status) in responses:
                continue  # the route describes this one itself
            responses[status] = ERRORS[status][0]
        doc["operationId"] = f"{self.name}.{doc_info['endpoint']}"
        return doc


def unmetered(view):
    """Exempt a route from the rate limits (a health probe must never be refused), and document it so."""
    view = limiter.exempt(view)
    view._apidoc = {**getattr(view, "_apidoc", {}), "unmetered": True}
    return view


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


def circulation_rules() -> CirculationRules:
    """The desk's settings: LOAN_DAYS, MAX_LOANS, MAX_RENEWALS, HOLD_DAYS."""
    config = current_app.config
    return CirculationRules(loan_days=config["LOAN_DAYS"], max_loans=config["MAX_LOANS"],
                            max_renewals=config["MAX_RENEWALS"], hold_days=config["HOLD_DAYS"])


def csv_download(chunks: Iterable[str], name: str) -> Response:
    """A CSV file sent as its chunks are made (never whole in memory), named `<name>-<today>.csv`."""
    filename = f"{name}-{utcnow():%Y-%m-%d}.csv"
    return Response(chunks, mimetype="text/csv",  # Flask adds "; charset=utf-8" to text types
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
