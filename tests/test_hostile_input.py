"""Hostile input is a 4xx in the envelope, never a 500: huge integers, chunked bodies, stray query strings."""
from __future__ import annotations

import io

import pytest

from tests.test_service import error_of

HUGE = "9" * 5000  # past Python's int-string conversion limit (4,300 digits)


def _chunked(client, path, body: bytes, content_type: str):
    """A body sent as Transfer-Encoding: chunked, without Content-Length, as gunicorn hands it on."""
    return client.post(path, input_stream=io.BytesIO(body),
                       headers={"Transfer-Encoding": "chunked", "Content-Type": content_type},
                       environ_overrides={"wsgi.input_terminated": True})


@pytest.mark.parametrize("body, field", [
    ('{"title": "T", "author": "A", "publication_year": %s}' % HUGE, "publication_year"),
    ('{"title": "T", "author": "A", "page_count": -%s}' % HUGE, "page_count"),
    ('{"isbn": %s}' % HUGE, "isbn"),
])
def test_an_integer_past_the_conversion_limit_is_422_naming_the_field(member_client, body, field):
    response = member_client.post("/books", data=body, content_type="application/json")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert error_of(response)["code"] == "VALIDATION_ERROR" and field in error_of(response)["details"]
    assert member_client.get("/books").headers["X-Total-Count"] == "0"


def test_a_huge_integer_in_a_shelf_rating_is_422(member_client, book):
    response = member_client.post(f"/my-library/{book['id']}", data='{"rating": %s}' % HUGE,
                                  content_type="application/json")
    assert response.status_code == 422 and "rating" in error_of(response)["details"]


def test_a_chunked_body_over_one_mebibyte_is_413(member_client):
    body = b'{"title": "' + b"x" * (1024 * 1024) + b'", "author": "A"}'
    response = _chunked(member_client, "/books", body, "application/json")
    assert response.status_code == 413 and error_of(response)["code"] == "PAYLOAD_TOO_LARGE"


def test_a_chunked_json_body_within_the_limit_is_read(member_client):
    response = _chunked(member_client, "/books", b'{"title": "Dune", "author": "Frank Herbert"}',
                        "application/json")
    assert response.status_code == 201 and response.get_json()["title"] == "Dune"


def test_a_chunked_text_body_to_a_json_route_is_415(member_client):
    response = _chunked(member_client, "/books", b"title=Dune", "text/plain")
    assert response.status_code == 415 and error_of(response)["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_a_chunked_form_still_reaches_the_token_route(client):
    client.post("/register", json={"username": "ada", "password": "correct horse battery"})
    response = _chunked(client, "/auth/token", b"username=ada&password=correct+horse+battery",
                        "application/x-www-form-urlencoded")
    assert response.status_code == 200 and response.get_json()["access_token"]


@pytest.mark.parametrize("path, names", [
    ("/books?serach=fox", {"serach"}),
    ("/books?page=2&color=red&size=9", {"color", "size"}),
    ("/books/1/reviews?x=1", {"x"}),
    ("/health?verbose=1", {"verbose"}),
])
def test_unknown_query_parameters_are_422_naming_them(client, book, path, names):
    response = client.get(path)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert error_of(response)["code"] == "VALIDATION_ERROR" and set(error_of(response)["details"]) == names


def test_unknown_query_parameters_on_a_guarded_list_are_422(member_client):
    response = member_client.get("/my-library?stauts=reading")
    assert response.status_code == 422 and set(error_of(response)["details"]) == {"stauts"}
    response = member_client.get("/favorites?page=1")
    assert response.status_code == 422 and set(error_of(response)["details"]) == {"page"}


@pytest.mark.parametrize("query, field", [
    ("page=abc", "page"), ("per_page=1.5", "per_page"), ("available=maybe", "available"),
    ("page=" + HUGE, "page"), ("sort=colour", "sort"), ("per_page=501", "per_page"),
])
def test_wrong_typed_query_values_are_422_naming_them(client, query, field):
    response = client.get(f"/books?{query}")
    assert response.status_code == 422 and set(error_of(response)["details"]) == {field}


def test_known_query_parameters_still_filter(client, book):
    assert client.get("/books?q=dune&page=1&per_page=5").headers["X-Total-Count"] == "1"
    assert client.get("/books?q=fox").headers["X-Total-Count"] == "0"


def test_the_docs_page_ignores_a_query_string(client):
    assert client.get("/openapi.json?v=1").status_code == 200
    assert client.get("/docs?v=1").status_code == 200


@pytest.mark.parametrize("path", ["/books/" + HUGE, "/favorites/" + HUGE, "/my-library/" + HUGE])
def test_a_huge_path_id_is_404(member_client, path):
    response = member_client.get(path)
    assert response.status_code in (404, 405) and error_of(response)


def test_a_wrong_method_with_a_form_body_is_405_not_415(client):
    response = client.put("/auth/token", data={"username": "ada", "password": "x"})
    assert response.status_code == 405 and error_of(response)["code"] == "METHOD_NOT_ALLOWED"
    assert client.post("/nowhere", data="x", content_type="text/plain").status_code == 404


def test_a_cors_preflight_is_not_refused_for_its_query_string(settings):
    from library_api import create_app

    client = create_app({**settings, "CORS_ORIGINS": "https://app.example.org"}).test_client()
    response = client.options("/favorites?x=1", headers={"Origin": "https://app.example.org",
                                                         "Access-Control-Request-Method": "GET"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.org"


def test_length_bounds_hold_for_the_text_as_sent_before_trimming(member_client):
    padded = " " + "x" * 500  # 501 characters as sent, 500 once trimmed: the document says at most 500
    response = member_client.post("/books", json={"title": padded, "author": "A"})
    assert response.status_code == 422 and "title" in error_of(response)["details"]
    assert member_client.post("/books", json={"title": " Dune ", "author": "A"}).get_json()["title"] == "Dune"
