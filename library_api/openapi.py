"""What the OpenAPI document says beyond each route's own schemas: errors, headers, security, the envelope.

The routes' decorators describe their input and output; `Blueprint` (web.py) adds to each operation the
error statuses it can answer, by naming components declared here. `document()` then finishes the whole
document once per app: the X-Request-ID every response carries and, with RESPONSE_ENVELOPE, the success
envelope around every success body.
"""
from __future__ import annotations

import copy

from .schemas import ErrorEnvelope

BEARER = {"bearerAuth": []}
OAUTH2 = {"oauth2": []}

# status: (component name, description, an example code)
ERRORS = {
    400: ("BadRequest", "Malformed request: a body that is not JSON (`BAD_REQUEST`), or an ISBN that is not a "
                        "valid ISBN-10 or ISBN-13 (`INVALID_ISBN`, its check digit verified)", "INVALID_ISBN"),
    401: ("Unauthorized", "No, an invalid, expired or revoked token (`TOKEN_MISSING`, `TOKEN_INVALID`, "
                          "`TOKEN_EXPIRED`, `TOKEN_REVOKED`), or bad credentials (`INVALID_CREDENTIALS`)",
          "TOKEN_MISSING"),
    403: ("Forbidden", "Signed in but not allowed (`FORBIDDEN`)", "FORBIDDEN"),
    404: ("NotFound", "No such resource (`BOOK_NOT_FOUND`, `USER_NOT_FOUND`, `NOT_FOUND`)", "BOOK_NOT_FOUND"),
    409: ("Conflict", "Conflicts with what is stored; `code` says how (`DUPLICATE_ISBN` with `details.book_id`, "
                      "`USERNAME_TAKEN`, `EMAIL_TAKEN`, `ALREADY_ON_SHELF`, `BOOK_ON_LOAN`)", "DUPLICATE_ISBN"),
    413: ("PayloadTooLarge", "The body is over 1 MiB (`PAYLOAD_TOO_LARGE`)", "PAYLOAD_TOO_LARGE"),
    415: ("UnsupportedMediaType", "The body is not JSON (`UNSUPPORTED_MEDIA_TYPE`)", "UNSUPPORTED_MEDIA_TYPE"),
    422: ("ValidationError", "A body field or query parameter did not validate, or is unknown "
                             "(`VALIDATION_ERROR`; `details` maps each to its messages)", "VALIDATION_ERROR"),
    429: ("RateLimited", "Too many requests from this client (`RATE_LIMITED`); retry after `Retry-After` "
                        "seconds", "RATE_LIMITED"),
    502: ("UpstreamUnavailable", "A metadata provider failed (`UPSTREAM_UNAVAILABLE`); nothing was saved",
          "UPSTREAM_UNAVAILABLE"),
    503: ("UpstreamBusy", "As many book lookups as the process allows are waiting on the providers "
                          "(`UPSTREAM_BUSY`); nothing was saved; retry after `Retry-After` seconds", "UPSTREAM_BUSY"),
    504: ("UpstreamTimeout", "A metadata provider timed out (`UPSTREAM_UNAVAILABLE`); nothing was saved",
          "UPSTREAM_UNAVAILABLE"),
}

# The operations that may ask the metadata providers (their areas' routes call MetadataLookup.lookup),
# and what only such a lookup answers: a provider's failure or timeout, or a full bulkhead.
LOOKUP_OPERATIONS = {"isbn.look_up_isbn", "books.add_book", "books.refresh_book"}
LOOKUP_STATUSES = (502, 503, 504)
# Statuses whose answer says when to try again.
RETRY_AFTER_STATUSES = (429, 503)

HEADERS = {
    "X-Request-ID": {"description": "The caller's request id when short and plain, else a new one",
                     "required": True, "schema": {"type": "string"}},
    "Location": {"description": "The URL of the created resource", "required": True,
                 "schema": {"type": "string"}},
    "Link": {"description": 'RFC 8288 links to the `first`, `prev`, `next` and `last` pages',
             "required": True, "schema": {"type": "string"}},
    "X-Total-Count": {"description": "How many items match (left out past 10,000)",
                      "schema": {"type": "integer", "minimum": 0}},
    "Retry-After": {"description": "Whole seconds to wait before trying again", "required": True,
                    "schema": {"type": "integer", "minimum": 1}},
    "Content-Disposition": {"description": "`attachment; filename=...`: a file to save", "required": True,
                            "schema": {"type": "string"}},
}

# The body of a CSV download (the media type is the route's `content_type`).
CSV_FILE = {"type": "string", "description": "CSV text, UTF-8, a header line first"}


def header_refs(*names: str) -> dict:
    """`headers=` for a route's response decorator."""
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _example(status: int, code: str) -> dict:
    return {"success": False, "error": {"message": "...", "code": code, "details": None, "status_code": status}}


def declare_components(spec) -> None:
    """Security schemes, headers and one error response per status, for operations to refer to by name."""
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.security_scheme("oauth2", {
        "type": "oauth2", "description": "The OAuth2 password flow: Swagger UI's Authorize button signs in here",
        "flows": {"password": {"tokenUrl": "/auth/token", "scopes": {}}}})
    for name, header in HEADERS.items():
        spec.components.header(name, header)
    for status, (name, description, code) in ERRORS.items():
        response = {"description": description,
                    "content": {"application/json": {"schema": ErrorEnvelope, "example": _example(status, code)}}}
        if status in RETRY_AFTER_STATUSES:
            response["headers"] = header_refs("Retry-After")
        spec.components.response(name, response)


def document(spec, *, envelope: bool) -> dict:
    """The finished document: every response names X-Request-ID; success bodies enveloped if asked."""
    doc = copy.deepcopy(spec.to_dict())
    for response in doc.get("components", {}).get("responses", {}).values():
        _add_request_id(response)
    for path in doc["paths"].values():
        for method, operation in path.items():
            if method == "parameters":
                continue
            if operation.get("operationId") in LOOKUP_OPERATIONS:
                _add_lookup_errors(operation["responses"])
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    continue
                _add_request_id(response)
                if envelope and str(status).startswith("2"):
                    _envelope(response)
    return doc


def _add_lookup_errors(responses: dict) -> None:
    for status in LOOKUP_STATUSES:
        responses.setdefault(str(status), {"$ref": f"#/components/responses/{ERRORS[status][0]}"})


def _add_request_id(response: dict) -> None:
    response.setdefault("headers", {}).setdefault("X-Request-ID", {"$ref": "#/components/headers/X-Request-ID"})


def _envelope(response: dict) -> None:
    """Describe `{"success": true, "message", "data": <body>}` (middleware._envelope)."""
    media = response.get("content", {}).get("application/json")
    if not media or "schema" not in media:
        return
    media["schema"] = {
        "type": "object",
        "required": ["success", "message", "data"],
        "properties": {
            "success": {"type": "boolean", "enum": [True]},
            "message": {"type": "string", "example": "OK"},
            "data": media["schema"],
        },
    }
    media.pop("example", None)
