"""Conditional GET: every JSON answer to a GET carries an ETag of its body, and a client that sends it
back in If-None-Match gets 304 with no body (a catalog page it has already seen costs no download)."""
from __future__ import annotations

from flask import Flask, Response, request


def _tag(response: Response) -> Response:
    if (request.method in ("GET", "HEAD") and response.status_code == 200
            and response.mimetype == "application/json" and not response.direct_passthrough):
        response.add_etag()
        response.make_conditional(request)
    return response


def init_conditional(app: Flask) -> None:
    """Register before the other after-request hooks, so that it runs after them (on the final body)."""
    app.after_request(_tag)
