"""The domain error tree and the one place every error becomes SPEC.md's envelope."""
from __future__ import annotations

import logging
import time

from flask import Flask, jsonify
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the library was broken; `code` is part of the API contract."""

    status_code = 400

    def __init__(self, code: str, message: str, **details):
        super().__init__(message)
        self.code, self.message, self.details = code, message, details or None


class BadRequest(DomainError):
    status_code = 400


class Unauthorized(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


def found(value, code: str, message: str, **details):
    """The value a store found, or NotFound `code` when it found none (None)."""
    if value is None:
        raise NotFound(code, message, **details)
    return value


class DuplicateIsbn(Conflict):
    """The catalog already has a book with this ISBN (in whatever form it was given)."""

    def __init__(self, book_id: int):
        super().__init__("DUPLICATE_ISBN", "A book with this ISBN is already in the library", book_id=book_id)


class NameTaken(Conflict):
    """Another account has this username or email, whatever its letter case."""

    def __init__(self, field: str):
        super().__init__(f"{field.upper()}_TAKEN", f"That {field} is already taken")


class AlreadyOnShelf(Conflict):
    def __init__(self, book_id: int):
        super().__init__("ALREADY_ON_SHELF", "This book is already on your shelf", book_id=book_id)


class NotOnShelf(NotFound):
    def __init__(self, book_id: int):
        super().__init__("NOT_FOUND", "This book is not on your shelf", book_id=book_id)


class NoCopyFree(Conflict):
    """Every copy of the book is out, or waits on the hold shelf for someone else."""

    def __init__(self, book_id: int, available_copies: int = 0, soonest_due_at=None):
        super().__init__("ALREADY_BORROWED", "No copy of this book is free to borrow", book_id=book_id,
                         available_copies=available_copies,
                         due_at=soonest_due_at.isoformat() if soonest_due_at else None)


class AlreadyHasCopy(Conflict):
    def __init__(self, book_id: int):
        super().__init__("ALREADY_HAS_COPY", "The borrower already has a copy of this book", book_id=book_id)


class HoldExists(Conflict):
    def __init__(self, book_id: int):
        super().__init__("HOLD_EXISTS", "The user already holds a place in this book's queue", book_id=book_id)


class BarcodeTaken(Conflict):
    def __init__(self, barcode: str):
        super().__init__("BARCODE_TAKEN", "Another copy has this barcode", barcode=barcode)


class Unprocessable(DomainError):
    status_code = 422


class UpstreamUnavailable(DomainError):
    """A metadata provider failed (refused, errored, answered garbage)."""

    status_code = 502

    def __init__(self, message: str = "The book metadata provider is unavailable", **details):
        super().__init__("UPSTREAM_UNAVAILABLE", message, **details)


class UpstreamTimeout(UpstreamUnavailable):
    """A metadata provider did not answer in time."""

    status_code = 504

    def __init__(self, message: str = "The book metadata provider timed out", **details):
        super().__init__(message, **details)


class NotReady(DomainError):
    status_code = 503


class UpstreamBusy(DomainError):
    """As many lookups as the process allows are already waiting on the providers: try again shortly.

    Not an UpstreamUnavailable: the providers were not asked, so nothing is saved "as given" instead.
    """

    status_code = 503

    def __init__(self, retry_after: int, **details):
        super().__init__("UPSTREAM_BUSY", "Too many book lookups are in progress; retry after the Retry-After "
                                          "seconds", **details)
        self.headers = {"Retry-After": str(retry_after)}


# What SQLAlchemy raises when the database cannot be reached or drops a connection mid-request.
_STORE_OUTAGES = (OperationalError, DisconnectionError, InterfaceError)

# Werkzeug's HTTP errors keep their status; these are the codes SPEC.md gives them.
HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    503: "NOT_READY",
}


def error_response(status: int, code: str, message: str, details=None, headers=None):
    """Build the one error body every route answers with."""
    body = {
        "success": False,
        "error": {"message": message, "code": code, "details": details, "status_code": status},
    }
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _validation_details(error: HTTPException):
    """Flatten webargs' {location: {field: [messages]}} into {field: [messages]}."""
    messages = getattr(error, "data", {}).get("messages") or {}
    details: dict = {}
    for fields in messages.values():
        if isinstance(fields, dict):
            details.update(fields)
        else:
            details.setdefault("_schema", []).extend(fields)
    return details or None


def handle_domain_error(error: DomainError):
    return error_response(error.status_code, error.code, error.message, error.details,
                          getattr(error, "headers", None))


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    if status == 422:
        return error_response(422, "VALIDATION_ERROR", "The request did not validate",
                              _validation_details(error))
    if status == 400 and getattr(error, "data", {}).get("messages"):
        # webargs reports an unparseable JSON body as a 400 with messages.
        return error_response(400, "BAD_REQUEST", "The request body is not valid JSON")
    headers = {}
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if status == 429:
        return error_response(429, "RATE_LIMITED", "Too many requests; retry after the Retry-After seconds",
                              headers={"Retry-After": str(_seconds_until_reset())})
    code = HTTP_CODES.get(status, "INTERNAL_ERROR" if status >= 500 else "BAD_REQUEST")
    return error_response(status, code, error.description or error.name, None, headers)


def _seconds_until_reset() -> int:
    """Whole seconds until the breached limit's window resets (at least 1)."""
    from .extensions import limiter

    breached = limiter.current_limit
    if breached is None:
        return 60
    return max(1, int(breached.reset_at - time.time()))


def handle_store_outage(error: Exception):
    """The database went away (restarting, failing over, unreachable): a retryable 503, never a 500."""
    log.warning("The store does not answer: %s", error)
    return error_response(503, "NOT_READY", "The store does not answer; retry shortly")


def handle_unexpected(error: Exception):
    log.exception("Unhandled error", exc_info=error)
    return error_response(500, "INTERNAL_ERROR", "An internal error occurred")


def register_error_handlers(app: Flask) -> None:
    """Route every error, domain or framework, to SPEC.md's envelope.

    Called after flask-smorest's Api is initialised, so these replace its HTTPException handler.
    """
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    for outage in _STORE_OUTAGES:
        app.register_error_handler(outage, handle_store_outage)
    app.register_error_handler(Exception, handle_unexpected)


def _token_error(code: str, message: str):
    return error_response(401, code, message)


def register_jwt_errors(jwt) -> None:
    """Make flask-jwt-extended answer SPEC.md's 401 codes (its defaults are {"msg"} bodies and 422s)."""

    @jwt.unauthorized_loader
    def missing(reason: str):
        if reason.startswith("Missing Authorization Header") or reason.startswith("Missing 'Bearer' type"):
            return _token_error("TOKEN_MISSING", "Send the token as 'Authorization: Bearer <token>'")
        return _token_error("TOKEN_INVALID", "The Authorization header is malformed")

    @jwt.invalid_token_loader
    def invalid(_reason: str):
        return _token_error("TOKEN_INVALID", "The token is invalid")

    @jwt.expired_token_loader
    def expired(_header, _payload):
        return _token_error("TOKEN_EXPIRED", "The token has expired; sign in again")

    @jwt.revoked_token_loader
    def revoked(_header, _payload):
        return _token_error("TOKEN_REVOKED", "The token has been revoked; sign in again")

    @jwt.user_lookup_error_loader
    def user_gone(_header, _payload):
        return _token_error("TOKEN_INVALID", "The token's account no longer exists or is inactive")

    @jwt.token_verification_failed_loader
    def failed(_header, _payload):
        return _token_error("TOKEN_INVALID", "The token is invalid")
