"""Each request, seen from outside: its access log line and its metrics (route, status, duration)."""
from __future__ import annotations

import logging
import time

from flask import Flask, g, request

from . import metrics

access_log = logging.getLogger("library_api.access")


def _start_clock() -> None:
    g.started = time.perf_counter()


def _observe(response):
    seconds = time.perf_counter() - g.get("started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule is not None else metrics.UNMATCHED
    metrics.observe_request(request.method, route, response.status_code, seconds)
    actor = g.get("actor")
    access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
        "method": request.method, "route": route, "path": request.path, "status": response.status_code,
        "duration_ms": round(seconds * 1000, 3), "user_id": actor.id if actor is not None else None,
        "remote_addr": request.remote_addr,
    })
    return response


def init_observability(app: Flask) -> None:
    """Time every request from before anything else runs (the rate limits' check included), and log it
    after every other after-request hook (Flask runs them last-registered first), so that the status
    counted is the one the client gets: a 304 of the conditional hook, not the 200 it replaced."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)
    app.after_request_funcs.setdefault(None, []).insert(0, _observe)
