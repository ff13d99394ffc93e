"""Request-wide behaviour: request ids, the media-type check, the optional success envelope."""
from __future__ import annotations

import json
import re
import uuid
from http import HTTPStatus

from flask import Flask, g, request
from werkzeug.exceptions import UnsupportedMediaType

# A caller's request id is echoed only if it is short and plain, so it cannot inject into logs or headers.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_BODY_METHODS = {"POST", "PUT", "PATCH"}
# Endpoints that take a form body (the OAuth2 password flow) rather than JSON.
FORM_ENDPOINTS: set[str] = set()


def _assign_request_id() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _SAFE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _require_json_body() -> None:
    if request.method not in _BODY_METHODS or not request.content_length:
        return
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
    app.before_request(_assign_request_id)
    app.before_request(_require_json_body)
    if app.config["RESPONSE_ENVELOPE"]:
        app.after_request(_envelope)
    app.after_request(_finish)
