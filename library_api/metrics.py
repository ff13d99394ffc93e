"""Prometheus metrics: requests by route and status, lookups, the lookup cache, circulation events.

Under gunicorn each worker is a process with its own counters. With PROMETHEUS_MULTIPROC_DIR set in the
environment before the app is imported (the deploy config does, and marks a dead worker's files in
gunicorn's `child_exit`), prometheus-client keeps every worker's values in files there, and /metrics adds
them all up. Without it, this process's own registry is served.
"""
from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter("library_http_requests_total", "HTTP requests answered, by route (the URL rule) and status",
                   ["method", "route", "status"], registry=REGISTRY)
LATENCY = Histogram("library_http_request_duration_seconds", "Time to answer an HTTP request, by route and status",
                    ["method", "route", "status"], registry=REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
LOOKUPS = Counter("library_isbn_lookups_total", "ISBN lookups by outcome: found, not_found, failed, busy",
                  ["outcome"], registry=REGISTRY)
CACHE = Counter("library_lookup_cache_total", "Lookup cache answers: hit or miss", ["result"], registry=REGISTRY)
CIRCULATION = Counter("library_circulation_events_total",
                      "Circulation events recorded: borrow, return, renew, and hold changes", ["event"],
                      registry=REGISTRY)

# A request that matched no URL rule: one label for all of them, however many raw paths are probed.
UNMATCHED = "<unmatched>"


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route, str(status)).observe(seconds)


def count_lookup(outcome: str) -> None:
    LOOKUPS.labels(outcome).inc()


def count_cache(hit: bool) -> None:
    CACHE.labels("hit" if hit else "miss").inc()


def count_circulation(event: str) -> None:
    CIRCULATION.labels(event).inc()


def exposition(multiproc_dir: str | None = None) -> tuple[bytes, str]:
    """The text format of every metric, added up over the workers when a multiprocess directory is set."""
    directory = multiproc_dir or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
        return generate_latest(registry), CONTENT_TYPE_PLAIN_0_0_4
    return generate_latest(REGISTRY), CONTENT_TYPE_PLAIN_0_0_4
