"""Request-wide behaviour: request ids, body size and media type, stray query strings, the success envelope."""
from __future__ import annotations

import io
import json
import re
import uuid
from http import HTTPStatus

from flask import Flask, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge, UnprocessableEntity, UnsupportedMediaType

# A caller's request id is echoed only if it is short and plain, so it cannot inject into logs or headers.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_BODY_METHODS = {"POST", "PUT", "PATCH"}
# Endpoints that take a form body (the OAuth2 password flow) rather than JSON.
FORM_ENDPOINTS: set[str] = set()


def _assign_request_id() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _SAFE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _buffer_chunked_body() -> None:
    """Read a chunked body (no Content-Length) up to the size limit, and make it an ordinary one.

    Werkzeug would cut such a body silently at MAX_CONTENT_LENGTH (a 400 for truncated JSON), and the
    checks below look at Content-Length; with the body buffered, both see its real size.
    """
    if request.method not in _BODY_METHODS or request.content_length is not None:
        return
    if "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return
    environ = request.environ
    if not environ.get("wsgi.input_terminated"):
        return  # the server does not say where the body ends: Werkzeug reads it as empty, and so do we
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    body = environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        raise RequestEntityTooLarge()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    request.__dict__.pop("content_length", None)  # a cached property, read above


def _refuse_stray_query() -> None:
    """A route that declares no query arguments refuses any, like the routes whose schemas raise."""
    view = current_app.view_functions.get(request.endpoint or "")
    doc = getattr(view, "_apidoc", None)
    if doc is None or not request.args or request.method == "OPTIONS":  # not an API route (the docs page,
        return  # its assets), nothing to refuse, or a CORS preflight, which answers for the request to come
    declared = doc.get("arguments", {}).get("parameters", [])
    if any(parameter.get("in") in ("query", "querystring") for parameter in declared):
        return
    error = UnprocessableEntity()
    error.data = {"messages": {"query": {name: ["Unknown field."] for name in request.args}}}
    raise error


def _require_json_body() -> None:
    if request.method not in _BODY_METHODS or not request.content_length:
        return
    if request.routing_exception is not None:
        return  # an unknown URL or a wrong method answers 404 / 405, whatever its body
    if request.endpoint in FORM_ENDPOINTS:
        return
    if not request.is_json:
        raise UnsupportedMediaType("Send the request body as JSON (Content-Type: application/json)")


def _finish(response):
    response.headers["X-Request-ID"] = g.get("request_id") or uuid.uuid4().hex
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def _envelope(response):
    """Wrap a JSON success body as {"success": true, "message", "data"} (RESPONSE_ENVELOPE)."""
    if (response.status_code >= 300 or response.status_code == 204 or response.mimetype != "application/json"
            or response.direct_passthrough):
        return response
    if request.path in ("/openapi.json",):
        return response
    data = json.loads(response.get_data())
    message = HTTPStatus(response.status_code).phrase
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        message = data["message"]
    response.set_data(json.dumps({"success": True, "message": message, "data": data}))
    return response


def init_middleware(app: Flask) -> None:
    # First of all, so that a request the rate limits refuse is logged under the id its answer carries.
    app.before_request_funcs.setdefault(None, []).insert(0, _assign_request_id)
    app.before_request(_buffer_chunked_body)
    app.before_request(_require_json_body)
    app.before_request(_refuse_stray_query)
    if app.config["RESPONSE_ENVELOPE"]:
        app.after_request(_envelope)
    app.after_request(_finish)
