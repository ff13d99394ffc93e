"""Service-wide behaviour: the error envelope everywhere, request ids, health, OpenAPI and the docs page."""
from __future__ import annotations

import logging
import socket

import pytest

from library_api import create_app


def error_of(response):
    body = response.get_json()
    assert body["success"] is False and set(body["error"]) == {"message", "code", "details", "status_code"}
    assert body["error"]["status_code"] == response.status_code
    return body["error"]


def test_unknown_url_is_404_in_the_envelope(client):
    response = client.get("/nowhere")
    assert response.status_code == 404 and error_of(response)["code"] == "NOT_FOUND"


def test_wrong_method_is_405_with_allow(client):
    response = client.delete("/books")
    assert response.status_code == 405 and error_of(response)["code"] == "METHOD_NOT_ALLOWED"
    assert "GET" in response.headers["Allow"] and "POST" in response.headers["Allow"]


def test_malformed_json_is_400(member_client):
    client = member_client
    response = client.post("/books", data='{"title": ', content_type="application/json")
    assert response.status_code == 400 and error_of(response)["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("body", ['{"title": "T", "author": "A", "title": "again"}', "[" * 100_000])
def test_repeated_keys_and_bottomless_nesting_are_malformed_json(member_client, body):
    response = member_client.post("/books", data=body, content_type="application/json")
    assert response.status_code == 400 and error_of(response)["code"] == "BAD_REQUEST"


def test_a_body_that_is_not_json_is_415(member_client):
    client = member_client
    response = client.post("/books", data="title=Dune", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and error_of(response)["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_a_body_over_one_mebibyte_is_413(member_client):
    client = member_client
    response = client.post("/books", json={"title": "x" * (1024 * 1024), "author": "A"})
    assert response.status_code == 413 and error_of(response)["code"] == "PAYLOAD_TOO_LARGE"


def test_an_unexpected_error_is_500_without_a_traceback(settings, caplog):
    app = create_app(settings)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "INTERNAL_ERROR" and "secret" not in response.get_data(as_text=True)
    assert "secret internals" in caplog.text


def test_request_id_is_echoed_or_made(client):
    assert client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    made = client.get("/health", headers={"X-Request-ID": "bad id <script>"}).headers["X-Request-ID"]
    assert made != "bad id <script>" and len(made) == 32
    assert client.get("/nowhere").headers["X-Request-ID"]


def test_health_and_ready(client):
    assert client.get("/health").get_json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.get_json()["checks"]["store"] == "ok"


def test_openapi_document_is_generated_from_the_routes(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["info"]["title"] == "Library API"
    for path in ("/books", "/books/{book_id}", "/isbn/{isbn}", "/health"):
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    book_in = spec["components"]["schemas"]["BookCreate"]["properties"]
    assert book_in["title"]["maxLength"] == 500 and book_in["publication_year"]["maximum"] == 2100
    assert spec["paths"]["/books"]["post"]["summary"].startswith("Add a book")


def test_docs_page_serves_its_own_assets(client):
    page = client.get("/docs")
    assert page.status_code == 200 and b"/docs/assets/swagger-ui-bundle.js" in page.data
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
    asset.close()


@pytest.mark.parametrize("path", [
    "/books?page=%00", "/books?author=%00", "/books/%2e%2e", "/isbn/%00", "/books?sort=%FF",
    "/books/99999999999999999999999999", "/isbn/" + "9" * 5000, "/books?per_page=-1",
])
def test_hostile_query_strings_never_give_a_500(client, path):
    response = client.get(path)
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        error_of(response)


def test_success_envelope_when_enabled(app, settings):  # `app` empties the tables first
    client = create_app({**settings, "RESPONSE_ENVELOPE": True, "LIBRARY_WRITE_ACCESS": "open"}).test_client()
    created = client.post("/books", json={"title": "Dune", "author": "Frank Herbert"})
    body = created.get_json()
    assert created.status_code == 201 and body["success"] is True and body["data"]["title"] == "Dune"
    assert body["message"] == "Created"
    assert client.get("/books").get_json()["data"][0]["title"] == "Dune"
    deleted = client.delete(f"/books/{body['data']['id']}")
    assert deleted.status_code == 204 and deleted.data == b""
    assert client.get("/nowhere").get_json()["success"] is False


def test_production_refuses_to_start_without_a_secret(settings):
    from config import ConfigError

    with pytest.raises(ConfigError, match="JWT_SECRET_KEY"):
        create_app({**settings, "LIBRARY_ENV": "production", "JWT_SECRET_KEY": None})
    with pytest.raises(ConfigError, match="32 bytes"):
        create_app({**settings, "LIBRARY_ENV": "production", "JWT_SECRET_KEY": "short"})


HOSTILE_BODIES = [
    "null", "[]", '"a string"', "123", "true", '{"title": {"a": 1}, "author": "x"}',
    '{"title": "T", "author": "A", "publication_year": NaN}',
    '{"title": "T", "author": "A", "publication_year": Infinity}',
    '{"title": "T", "author": "A", "publication_year": 1e400}',
    '{"title": "\\ud800", "author": "A"}', '{"title": "T\\u0000", "author": "A"}',
    '{"isbn": "\\ud800"}', '{"isbn": 9780140328721}', '{"isbn": ["9780140328721"]}',
    "[" * 100_000 + "]" * 100_000, '{"title": "T", "author": "A", "title": "dup"}',
    '{"username": "\\ud800abc", "password": "0123456789"}', "\xff\xfe",
]


@pytest.mark.parametrize("path", ["/books", "/register", "/login", "/my-library/{id}"])
@pytest.mark.parametrize("body", HOSTILE_BODIES)
def test_hostile_bodies_never_give_a_500(member_client, book, path, body):
    response = member_client.post(path.format(id=book["id"]), data=body.encode("utf-8", "surrogatepass"),
                                  content_type="application/json")
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    error_of(response)
    assert member_client.get("/books").headers["X-Total-Count"] in ("1", "2")


def test_cors_answers_allowed_origins_only(settings):
    client = create_app({**settings, "CORS_ORIGINS": "https://app.example.org"}).test_client()
    allowed = client.get("/books", headers={"Origin": "https://app.example.org"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert "X-Total-Count" in allowed.headers["Access-Control-Expose-Headers"]
    other = client.get("/books", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_ready_is_503_when_the_database_does_not_answer(settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    app = create_app({**settings, "LIBRARY_STORE": "sql",
                      "DATABASE_URL": f"postgresql://nobody@127.0.0.1:{port}/none?connect_timeout=1"})
    response = app.test_client().get("/ready")
    assert response.status_code == 503 and error_of(response)["code"] == "NOT_READY"
    assert app.test_client().get("/health").status_code == 200
