"""Redis where REDIS_URL is set (SPEC.md, Storage): the lookup cache shared by every process, and a service
that keeps serving when Redis goes away."""
from __future__ import annotations

import json
import logging
import uuid

import pytest

from library_api import create_app
from tests.metadata_server import FOX, UNKNOWN_ISBN13
from tests.test_service import error_of

pytestmark = pytest.mark.parametrize("store", ["memory"])  # Redis's part does not depend on the store

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def prefix(redis_url):
    """Keys of this test's own in the shared test database, deleted afterwards (never FLUSHDB)."""
    import redis

    prefix = f"test-lookup-{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def redis_client(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def _app(settings, redis_url, prefix, **overrides):
    return create_app({**settings, "REDIS_URL": redis_url, "LOOKUP_CACHE_KEY_PREFIX": prefix,
                       "RATELIMIT_KEY_PREFIX": prefix, **overrides})


def _provider_requests(providers) -> int:
    return len(providers.log)


def test_a_found_book_is_cached_in_redis_for_every_process(settings, providers, redis_url, prefix, redis_client):
    first, second = _app(settings, redis_url, prefix), _app(settings, redis_url, prefix)
    assert first.test_client().get(f"/isbn/{FOX.isbn13}").status_code == 200
    cached = json.loads(redis_client.get(prefix + FOX.isbn13))
    assert cached["title"] == FOX.title and cached["authors"] == [FOX.author]
    assert 86400 - 5 < redis_client.ttl(prefix + FOX.isbn13) <= 86400  # LOOKUP_CACHE_TTL

    asked = _provider_requests(providers)
    response = second.test_client().get(f"/isbn/{FOX.isbn13}")  # another process: the providers are not asked
    assert response.status_code == 200 and response.get_json()["title"] == FOX.title
    assert response.get_json()["author"] == FOX.author and response.get_json()["cover_url"]
    assert _provider_requests(providers) == asked


def test_a_not_found_answer_is_cached_for_the_shorter_time(settings, providers, redis_url, prefix, redis_client):
    app = _app(settings, redis_url, prefix, LOOKUP_NEGATIVE_CACHE_TTL=600.0)
    assert app.test_client().get(f"/isbn/{UNKNOWN_ISBN13}").status_code == 404
    assert redis_client.get(prefix + UNKNOWN_ISBN13) == b"null"
    assert 595 < redis_client.ttl(prefix + UNKNOWN_ISBN13) <= 600
    asked = _provider_requests(providers)
    again = _app(settings, redis_url, prefix).test_client().get(f"/isbn/{UNKNOWN_ISBN13}")
    assert again.status_code == 404 and error_of(again)["code"] == "ISBN_NOT_FOUND"
    assert _provider_requests(providers) == asked


def test_a_failure_is_never_cached(settings, redis_url, prefix, redis_client):
    app = _app(settings, redis_url, prefix, OPENLIBRARY_URL="http://127.0.0.1:1", GOOGLE_BOOKS_URL="")
    assert app.test_client().get(f"/isbn/{FOX.isbn13}").status_code == 502
    assert redis_client.get(prefix + FOX.isbn13) is None


def test_ready_checks_redis(settings, redis_url, prefix):
    ready = _app(settings, redis_url, prefix).test_client().get("/ready")
    assert ready.status_code == 200 and ready.get_json()["checks"] == {"store": "ok", "redis": "ok"}


def test_without_redis_the_api_keeps_serving_and_says_so(settings, caplog):
    caplog.set_level(logging.WARNING)
    app = create_app({**settings, "REDIS_URL": DEAD_REDIS, "RATELIMIT_ENABLED": True,
                      "RATELIMIT_DEFAULT": "1 per minute"})
    client = app.test_client()
    # The limits fail open: far more than one request a minute is served.
    assert [client.get("/books").status_code for _ in range(5)] == [200] * 5
    # The cache is bypassed: both lookups ask the providers, and answer.
    for _ in range(2):
        found = client.get(f"/isbn/{FOX.isbn13}")
        assert found.status_code == 200 and found.get_json()["title"] == FOX.title

    ready = client.get("/ready")
    assert ready.status_code == 503 and error_of(ready)["code"] == "NOT_READY"
    assert error_of(ready)["details"] == {"redis": "ConnectionError"} and "Redis" in error_of(ready)["message"]
    assert client.get("/health").status_code == 200

    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    limits = [message for message in warnings if "rate limits fail open" in message]
    cache = [message for message in warnings if "lookup cache is bypassed" in message]
    assert len(limits) == 1 and len(cache) == 1, warnings  # once a minute, not once per request
    assert not [record for record in caplog.records if record.exc_info], "no traceback per request"


@pytest.mark.parametrize("workers, redis, warned", [("3", None, True), ("1", None, False),
                                                    (None, None, False), ("3", DEAD_REDIS, False)])
def test_the_start_up_log_says_when_limits_and_cache_are_per_process(settings, caplog, monkeypatch,
                                                                       workers, redis, warned):
    if workers is None:
        monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    else:
        monkeypatch.setenv("WEB_CONCURRENCY", workers)
    caplog.set_level(logging.WARNING)
    create_app({**settings, "REDIS_URL": redis})
    said = [record.getMessage() for record in caplog.records if "per process" in record.getMessage()]
    assert bool(said) == warned, said
    if warned:
        assert "rate limits and the ISBN lookup cache are per process" in said[0] and "REDIS_URL" in said[0]
