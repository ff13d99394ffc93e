"""The OpenAPI document tells the truth: bodies, bounds, errors, headers, operation ids, security, envelope."""
from __future__ import annotations

import re

import pytest

from library_api import create_app

pytestmark = pytest.mark.parametrize("store", ["memory"])  # the document does not depend on the store

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def spec(client):
    return client.get("/openapi.json").get_json()


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def _response(spec, response):
    if "$ref" in response:
        return spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response


def _schema(spec, name):
    return spec["components"]["schemas"][name]["properties"]


def test_every_operation_has_a_unique_operation_id(spec):
    ids = [operation.get("operationId") for _, _, operation in _operations(spec)]
    assert all(ids) and len(ids) == len(set(ids))
    assert spec["paths"]["/books"]["get"]["operationId"] == "books.list_books"


def test_request_bodies_are_required_where_the_route_requires_one(spec):
    assert spec["paths"]["/books"]["post"]["requestBody"]["required"] is True
    assert spec["paths"]["/register"]["post"]["requestBody"]["required"] is True
    assert spec["paths"]["/books/{book_id}"]["put"]["requestBody"]["required"] is True
    # Every field optional: an absent body is {} (SPEC.md, Conventions).
    assert spec["paths"]["/books/{book_id}"]["patch"]["requestBody"]["required"] is False
    assert spec["paths"]["/my-library/{book_id}"]["post"]["requestBody"]["required"] is False


def test_bounds_formats_and_patterns_are_stated(spec):
    book = _schema(spec, "BookCreate")
    assert re.fullmatch(book["isbn"]["pattern"], "978-0-14-032872-1")
    assert re.fullmatch(book["isbn"]["pattern"], "") and not re.fullmatch(book["isbn"]["pattern"], "abc")
    assert book["cover_url"]["format"] == "uri" and book["cover_url"]["maxLength"] == 2048
    assert book["summary"]["maxLength"] == 20_000 and book["genre"]["maxLength"] == 100
    assert book["publication_year"]["minimum"] == -3000 and book["title"]["minLength"] == 1
    user = _schema(spec, "RegisterIn")
    assert user["email"]["format"] == "email"
    assert user["username"]["pattern"] and user["username"]["minLength"] == 3
    assert user["password"]["minLength"] == 10 and user["password"]["maxLength"] == 128
    assert _schema(spec, "ShelfEntryIn")["rating"]["maximum"] == 5
    isbn = spec["paths"]["/isbn/{isbn}"]["parameters"][0]
    assert isbn["name"] == "isbn" and re.fullmatch(isbn["schema"]["pattern"], "0140328726")
    page = {p["name"]: p for p in spec["paths"]["/books"]["get"]["parameters"]}
    assert page["per_page"]["schema"]["maximum"] == 500 and page["page"]["schema"]["minimum"] == 1


@pytest.mark.parametrize("path, method, statuses", [
    ("/books", "get", {"400", "422", "429"}),
    ("/books", "post", {"400", "401", "403", "409", "413", "415", "422", "429", "502", "504"}),
    ("/books/{book_id}", "get", {"404", "422", "429"}),
    ("/books/{book_id}", "patch", {"400", "401", "403", "404", "409", "422"}),
    ("/books/{book_id}", "delete", {"401", "403", "404", "409"}),
    ("/isbn/{isbn}", "get", {"400", "404", "502", "504"}),
    ("/register", "post", {"400", "409", "422", "429"}),
    ("/login", "post", {"401", "422", "429"}),
    ("/auth/token", "post", {"401", "422", "429"}),
    ("/me", "get", {"401"}),
    ("/favorites/{book_id}", "post", {"401", "404"}),
    ("/my-library/{book_id}", "post", {"401", "404", "409", "422"}),
])
def test_each_error_status_a_route_can_answer_is_documented_with_the_envelope(spec, path, method, statuses):
    responses = spec["paths"][path][method]["responses"]
    assert statuses <= set(responses), statuses - set(responses)
    for status in statuses:
        content = _response(spec, responses[status])["content"]["application/json"]
        assert content["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}


def test_unguarded_routes_document_no_401_and_health_no_429(spec):
    assert "401" not in spec["paths"]["/books"]["get"]["responses"]
    assert "429" not in spec["paths"]["/health"]["get"]["responses"]


def test_response_headers_are_documented(spec):
    created = spec["paths"]["/books"]["post"]["responses"]["201"]["headers"]
    assert created["Location"] == {"$ref": "#/components/headers/Location"}
    assert "Location" in spec["paths"]["/register"]["post"]["responses"]["201"]["headers"]
    listed = spec["paths"]["/books"]["get"]["responses"]["200"]["headers"]
    assert {"Link", "X-Total-Count"} <= set(listed)
    limited = _response(spec, spec["paths"]["/books"]["get"]["responses"]["429"])
    assert spec["components"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert "Retry-After" in limited["headers"]
    for path, method, operation in _operations(spec):
        for status, response in operation["responses"].items():
            assert "X-Request-ID" in _response(spec, response)["headers"], (path, method, status)


def test_guarded_routes_take_a_bearer_token_or_the_oauth2_password_flow(spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schemes["oauth2"]["flows"]["password"]["tokenUrl"] == "/auth/token"
    assert spec["paths"]["/me"]["get"]["security"] == [{"bearerAuth": []}, {"oauth2": []}]
    assert "security" not in spec["paths"]["/books"]["get"]


def test_in_open_mode_catalog_writes_need_no_token(app, settings):
    spec = create_app({**settings, "LIBRARY_WRITE_ACCESS": "open"}).test_client().get("/openapi.json").get_json()
    assert {} in spec["paths"]["/books"]["post"]["security"]
    assert {} not in spec["paths"]["/me"]["get"]["security"]


def test_the_oauth2_token_url_answers_the_password_flow(client):
    client.post("/register", json={"username": "ada", "password": "correct horse battery"})
    # What Swagger UI's Authorize button sends for the password flow.
    response = client.post("/auth/token", data={"grant_type": "password", "username": "ada",
                                                "password": "correct horse battery", "scope": ""})
    assert response.status_code == 200 and response.get_json()["token_type"] == "bearer"


def test_main_schemas_carry_examples(spec):
    for name in ("BookCreate", "BookOut", "RegisterIn", "UserOut", "TokenOut", "ShelfEntryIn"):
        assert any("example" in field for field in _schema(spec, name).values()), name


def test_with_the_envelope_on_the_document_describes_it(app, settings):
    spec = create_app({**settings, "RESPONSE_ENVELOPE": True}).test_client().get("/openapi.json").get_json()
    body = spec["paths"]["/books/{book_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["required"] == ["success", "message", "data"]
    assert body["properties"]["data"] == {"$ref": "#/components/schemas/BookOut"}
    assert body["properties"]["success"]["enum"] == [True]
    error = _response(spec, spec["paths"]["/books/{book_id}"]["get"]["responses"]["404"])
    assert error["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}


def test_without_the_envelope_bodies_are_plain(spec):
    body = spec["paths"]["/books/{book_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/BookOut"}
