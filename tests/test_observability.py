"""Observability (SPEC.md, Service): /metrics in Prometheus' format, and one JSON log line per request."""
from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from library_api import create_app
from library_api.logs import JsonFormatter
from tests.conftest import sign_up
from tests.metadata_server import FOX, UNKNOWN_ISBN13
from tests.test_service import error_of



@pytest.fixture
def store():
    return "memory"  # what is observed does not depend on the store

ROOT = Path(__file__).resolve().parent.parent


def _samples(client) -> dict:
    """Every sample of /metrics: {(name, frozenset(labels)): value}."""
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def _value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _delta(client, action, name: str, **labels) -> float:
    before = _value(_samples(client), name, **labels)
    action()
    return _value(_samples(client), name, **labels) - before


def test_metrics_count_a_request_by_its_route_and_status(client):
    labels = {"method": "GET", "route": "/books/<id:book_id>", "status": "404"}
    assert _delta(client, lambda: client.get("/books/4242"), "library_http_requests_total", **labels) == 1
    assert _delta(client, lambda: client.get("/books/4243"), "library_http_request_duration_seconds_count",
                  **labels) == 1
    routes = {dict(labels).get("route") for _, labels in _samples(client)}
    assert "/books/4242" not in routes  # the URL rule, never the raw path


def test_a_not_modified_answer_is_counted_and_logged_as_304(client, caplog):
    client.post("/books", json={"title": "Dune", "author": "Frank Herbert"})
    etag = client.get("/books").headers["ETag"]
    caplog.set_level(logging.INFO)
    caplog.clear()
    labels = {"method": "GET", "route": "/books", "status": "304"}
    answers = []
    assert _delta(client, lambda: answers.append(client.get("/books", headers={"If-None-Match": etag})),
                  "library_http_requests_total", **labels) == 1
    assert answers[0].status_code == 304
    assert [record.status for record in _access_records(caplog) if record.path == "/books"] == [304]


def test_an_unknown_url_is_counted_under_one_label(client):
    labels = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert _delta(client, lambda: [client.get(f"/probe-{n}") for n in range(3)],
                  "library_http_requests_total", **labels) == 3


def test_metrics_are_neither_rate_limited_nor_refuse_a_query_string(settings):
    client = create_app({**settings, "RATELIMIT_ENABLED": True, "RATELIMIT_DEFAULT": "1 per minute"}).test_client()
    assert client.get("/books").status_code == 200
    assert client.get("/books").status_code == 429
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics?name[]=library_http_requests_total").status_code == 200


def test_metrics_count_lookup_outcomes_and_the_cache(client):
    outcome = "library_isbn_lookups_total"
    assert _delta(client, lambda: client.get(f"/isbn/{FOX.isbn13}"), outcome, outcome="found") == 1
    assert _delta(client, lambda: client.get(f"/isbn/{FOX.isbn13}"), "library_lookup_cache_total", result="hit") == 1
    assert _delta(client, lambda: client.get(f"/isbn/{UNKNOWN_ISBN13}"), "library_lookup_cache_total",
                  result="miss") == 1
    assert _delta(client, lambda: client.get(f"/isbn/{UNKNOWN_ISBN13}"), outcome, outcome="not_found") == 1


def test_metrics_count_failed_and_busy_lookups(settings):
    client = create_app({**settings, "OPENLIBRARY_URL": "http://127.0.0.1:1", "GOOGLE_BOOKS_URL": ""}).test_client()
    outcome = "library_isbn_lookups_total"
    assert _delta(client, lambda: client.get(f"/isbn/{FOX.isbn13}"), outcome, outcome="failed") == 1
    bulkhead = client.application.extensions["library.lookup"].bulkhead
    with contextlib.ExitStack() as slots:
        for _ in range(bulkhead.limit):
            slots.enter_context(bulkhead.slot())  # every slot taken, as by lookups waiting on a provider

        def busy():
            response = client.get(f"/isbn/{FOX.isbn13}")
            assert response.status_code == 503 and error_of(response)["code"] == "UPSTREAM_BUSY"
        assert _delta(client, busy, outcome, outcome="busy") == 1


def test_metrics_count_borrows_and_returns(settings):
    app = create_app({**settings, "LIBRARY_WRITE_ACCESS": "open"})
    client = app.test_client()
    user = client.post("/users", json={"name": "Ada"}).get_json()["id"]
    book = client.post("/books", json={"title": "Dune", "author": "Frank Herbert"}).get_json()["id"]
    events = "library_circulation_events_total"

    def borrow():
        assert client.post("/borrow", json={"userId": user, "bookId": book}).status_code == 201
    assert _delta(client, borrow, events, event="borrow") == 1
    loan = client.get(f"/users/{user}/loans").get_json()[0]["id"]

    def give_back():
        assert client.post("/return", json={"loanId": loan}).status_code == 200
    assert _delta(client, give_back, events, event="return") == 1


def test_metrics_count_a_renewal(settings):
    from tests.conftest import client_as

    app = create_app(settings)
    sign_up(app.test_client(), "reader")
    reader = client_as(app, "reader")
    book = reader.post("/books", json={"title": "Dune", "author": "Frank Herbert"}).get_json()["id"]
    loan = reader.post("/borrow", json={"bookId": book}).get_json()["loan"]["id"]

    def renew():
        assert reader.post(f"/loans/{loan}/renew").status_code == 200
    assert _delta(reader, renew, "library_circulation_events_total", event="renew") == 1


def _access_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "library_api.access"]


def test_each_request_writes_one_access_line_with_its_fields(app, caplog):
    caplog.set_level(logging.INFO)
    sign_up(app.test_client(), "reader")
    from tests.conftest import client_as

    reader = client_as(app, "reader")
    caplog.clear()
    reader.get("/me", headers={"X-Request-ID": "req-123"}, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    [record] = _access_records(caplog)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-123" and line["logger"] == "library_api.access"
    assert {key: line[key] for key in ("method", "route", "path", "status", "remote_addr")} == {
        "method": "GET", "route": "/me", "path": "/me", "status": 200, "remote_addr": "192.0.2.7"}
    assert line["user_id"] == reader.get("/me").get_json()["id"]
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])

    caplog.clear()
    app.test_client().get("/books/777", headers={"X-Request-ID": "req-456"})
    [record] = _access_records(caplog)
    line = json.loads(JsonFormatter().format(record))
    assert (line["route"], line["path"], line["status"], line["user_id"]) == \
        ("/books/<id:book_id>", "/books/777", 404, None)


def test_every_line_a_request_logs_carries_its_request_id(settings, caplog):
    caplog.set_level(logging.INFO)
    client = create_app({**settings, "LIBRARY_WRITE_ACCESS": "open"}).test_client()
    user = client.post("/users", json={"name": "Ada"}).get_json()["id"]
    book = client.post("/books", json={"title": "Dune", "author": "Frank Herbert"}).get_json()["id"]
    caplog.clear()
    response = client.post("/borrow", json={"userId": user, "bookId": book}, headers={"X-Request-ID": "borrow-1"})
    assert response.headers["X-Request-ID"] == "borrow-1"
    [event] = [record for record in caplog.records if record.name == "library_api.circulation"]
    assert event.request_id == "borrow-1"
    assert {record.request_id for record in caplog.records} == {"borrow-1"}


def test_a_request_refused_by_the_rate_limits_is_logged_under_its_answers_id(settings, caplog):
    caplog.set_level(logging.INFO)
    client = create_app({**settings, "RATELIMIT_ENABLED": True, "RATELIMIT_DEFAULT": "1 per minute"}).test_client()
    client.get("/books")
    caplog.clear()
    refused = client.get("/books")
    assert refused.status_code == 429
    [record] = _access_records(caplog)
    assert record.request_id == refused.headers["X-Request-ID"] and record.status == 429


def test_json_lines_carry_no_colour_codes_and_werkzeug_is_quiet(settings):
    create_app(settings)  # LOG_FORMAT defaults to json
    assert logging.getLogger("werkzeug").getEffectiveLevel() == logging.WARNING
    record = logging.LogRecord("werkzeug", logging.WARNING, __file__, 1, '"\x1b[33mGET /x HTTP/1.1\x1b[0m" 404',
                               (), None)
    line = json.loads(JsonFormatter().format(record))
    assert "\x1b" not in json.dumps(line) and line["message"] == '"GET /x HTTP/1.1" 404'
    create_app({**settings, "LOG_FORMAT": "text"})
    assert logging.getLogger("werkzeug").level == logging.NOTSET
    create_app(settings)


def test_log_format_is_json_or_text(settings):
    from config import ConfigError

    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        create_app({**settings, "LOG_FORMAT": "xml"})


_WORKER = """
from library_api import create_app
app = create_app({"LIBRARY_ENV": "testing"})
client = app.test_client()
if "%(mode)s" == "serve":
    assert client.get("/books").status_code == 200
else:
    print(client.get("/metrics").get_data(as_text=True))
"""


def test_metrics_add_up_every_worker_with_a_multiprocess_directory(tmp_path):
    """Two processes stand for two gunicorn workers; a third serves /metrics from their shared directory."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}

    def run(mode: str) -> str:
        done = subprocess.run([sys.executable, "-c", _WORKER % {"mode": mode}], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=90)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("serve")
    run("serve")
    samples = {(sample.name, frozenset(sample.labels.items())): sample.value
               for family in text_string_to_metric_families(run("scrape")) for sample in family.samples}
    labels = frozenset({"method": "GET", "route": "/books", "status": "200"}.items())
    assert samples[("library_http_requests_total", labels)] == 2
    assert samples[("library_http_request_duration_seconds_count", labels)] == 2


def test_the_multiprocess_directory_must_exist(settings, tmp_path):
    from config import ConfigError

    with pytest.raises(ConfigError, match="PROMETHEUS_MULTIPROC_DIR"):
        create_app({**settings, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "missing")})
