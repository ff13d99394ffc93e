"""CORS for the origins in CORS_ORIGINS (SPEC.md, Service): a browser's preflight, allowed or not."""
from __future__ import annotations

import pytest

from library_api import create_app

ALLOWED = "https://intern.example"
OTHER = "https://elsewhere.example"
PREFLIGHT = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "Authorization, Content-Type"}


@pytest.fixture
def store():
    return "memory"  # CORS does not depend on the store


@pytest.fixture
def cors_client(settings):
    return create_app({**settings, "CORS_ORIGINS": f"{ALLOWED},https://other-allowed.example",
                       "RATELIMIT_ENABLED": True}).test_client()


@pytest.mark.parametrize("path", ["/books", "/borrow", "/my-library/1"])
def test_a_preflight_from_an_allowed_origin_is_allowed(cors_client, path):
    response = cors_client.options(path, headers={"Origin": ALLOWED, **PREFLIGHT})
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed_headers = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed_headers


@pytest.mark.parametrize("path", ["/books", "/borrow", "/my-library/1"])
def test_a_preflight_from_another_origin_gets_no_allow_headers(cors_client, path):
    response = cors_client.options(path, headers={"Origin": OTHER, **PREFLIGHT})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Headers" not in response.headers


def test_an_allowed_origin_can_read_the_exposed_headers(cors_client):
    response = cors_client.get("/books", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    exposed = {h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"x-total-count", "link", "x-request-id", "retry-after"} <= exposed


def test_without_cors_origins_no_origin_is_allowed(settings):
    client = create_app(settings).test_client()
    response = client.options("/books", headers={"Origin": ALLOWED, **PREFLIGHT})
    assert "Access-Control-Allow-Origin" not in response.headers
