"""Rate limits per client (SPEC.md, Service): one bucket across all routes, one shared by the password routes."""
from __future__ import annotations

import uuid

import pytest

from library_api import create_app
from tests.conftest import PASSWORD
from tests.test_service import error_of

pytestmark = pytest.mark.parametrize("store", ["memory"])  # the limits do not depend on the store


def _limited_client(settings, address="10.0.0.1", **limits):
    app = create_app({**settings, "RATELIMIT_ENABLED": True, **limits})
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _assert_rate_limited(response):
    assert response.status_code == 429 and error_of(response)["code"] == "RATE_LIMITED"
    assert response.headers["Retry-After"].isdigit() and 1 <= int(response.headers["Retry-After"]) <= 61


def test_the_default_limit_is_one_bucket_across_all_routes(app, settings):
    client = _limited_client(settings, RATELIMIT_DEFAULT="5 per minute")
    answers = [client.get("/books"), client.get("/books/1"), client.get("/isbn/not-an-isbn"),
               client.get("/books"), client.get("/openapi.json")]
    assert [a.status_code for a in answers] == [200, 404, 400, 200, 200]
    _assert_rate_limited(client.get("/books/2"))
    _assert_rate_limited(client.get("/books"))


def test_each_client_address_has_its_own_bucket(app, settings):
    first = _limited_client(settings, RATELIMIT_DEFAULT="2 per minute")
    second = first.application.test_client()
    second.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert [first.get("/books").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/books").status_code == 200


def test_health_and_ready_are_not_counted(app, settings):
    client = _limited_client(settings, RATELIMIT_DEFAULT="1 per minute")
    assert client.get("/books").status_code == 200
    assert client.get("/books").status_code == 429
    assert client.get("/health").status_code == 200 and client.get("/ready").status_code == 200


def test_the_login_bucket_is_shared_by_login_token_and_registration(app, settings):
    client = _limited_client(settings, RATELIMIT_LOGIN="4 per minute")
    answers = [
        client.post("/register", json={"username": "ada", "password": PASSWORD}),
        client.post("/auth/register", json={"username": "bob", "password": PASSWORD}),
        client.post("/login", json={"username": "ada", "password": PASSWORD}),
        client.post("/auth/token", data={"username": "bob", "password": PASSWORD}),
    ]
    assert [a.status_code for a in answers] == [201, 201, 200, 200]
    for path in ("/login", "/register", "/auth/register"):
        _assert_rate_limited(client.post(path, json={"username": "cy", "password": PASSWORD}))
    _assert_rate_limited(client.post("/auth/token", data={"username": "ada", "password": PASSWORD}))
    assert client.get("/books").status_code == 200  # the other routes keep their own, larger bucket


def test_retry_after_is_sent_on_a_429_only(app, settings):
    client = _limited_client(settings, RATELIMIT_DEFAULT="2 per minute")
    ok = client.get("/books")
    assert ok.status_code == 200 and "Retry-After" not in ok.headers
    created = client.post("/register", json={"username": "ada", "password": PASSWORD})
    assert created.status_code == 201 and "Retry-After" not in created.headers
    _assert_rate_limited(client.get("/books"))


def test_the_default_bucket_lives_in_redis_shared_by_every_process(app, settings, redis_url):
    """Two apps on one REDIS_URL stand for two processes: together they spend one client's bucket."""
    import redis

    prefix = f"test-{uuid.uuid4().hex}"
    limits = {"RATELIMIT_DEFAULT": "4 per minute", "REDIS_URL": redis_url, "RATELIMIT_KEY_PREFIX": prefix}
    one, two = _limited_client(settings, **limits), _limited_client(settings, **limits)
    assert [one.get("/books").status_code, two.get("/books").status_code,
            one.get("/books/1").status_code, two.get("/books").status_code] == [200, 200, 404, 200]
    _assert_rate_limited(two.get("/books"))
    store = redis.Redis.from_url(redis_url)
    keys = store.keys(f"*{prefix}*")
    assert keys
    store.delete(*keys)
    assert one.get("/books").status_code == 200
