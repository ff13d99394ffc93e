"""POST /books/<id>/refresh: a stored book's ISBN looked up again, filling only the fields the book lacks."""
from __future__ import annotations

import socket

import pytest

from tests.metadata_server import FOX, GOOGLE_BOOKS_PREFIX, UNKNOWN_ISBN13


@pytest.fixture
def client(member_client):
    return member_client


def providers_down_for_one_lookup(providers, isbn13: str) -> None:
    """Open Library and Google Books answer 503 to this ISBN for one lookup (three attempts each), then recover."""
    for _ in range(3):
        providers.expect_oneshot_request(f"/isbn/{isbn13}.json").respond_with_data("down", status=503)
        providers.expect_oneshot_request(f"{GOOGLE_BOOKS_PREFIX}/volumes",
                                         query_string={"q": f"isbn:{isbn13}"}).respond_with_data("down", status=503)


def add_while_down(providers, client, **fields) -> dict:
    providers_down_for_one_lookup(providers, fields["isbn"])
    response = client.post("/books", json=fields)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["source"] == "manual"
    return response.get_json()


def test_a_manual_book_saved_while_the_providers_were_down_gets_its_details(providers, clock, client):
    saved = add_while_down(providers, client, isbn=FOX.isbn13, title="My Fox", author="Roald Dahl")
    assert (saved["summary"], saved["cover_url"], saved["publication_year"]) == (None, None, None)
    clock.advance(minutes=5)

    response = client.post(f"/books/{saved['id']}/refresh")

    assert response.status_code == 200
    book = response.get_json()
    assert (book["title"], book["author"]) == ("My Fox", "Roald Dahl")  # given, so kept
    assert book["summary"].startswith("The main character of Fantastic Mr. Fox")
    assert book["cover_url"].endswith(f"/covers/b/id/{FOX.cover_id}-L.jpg")
    assert (book["publication_year"], book["source"]) == (1988, "openlibrary")
    assert book["created_at"] == saved["created_at"] and book["updated_at"] > saved["updated_at"]
    assert client.get(f"/books/{saved['id']}").get_json() == book


def test_refresh_keeps_every_field_the_book_has(providers, client):
    saved = add_while_down(providers, client, isbn=FOX.isbn13, title="Fox", author="Dahl",
                           summary="Our well-read copy.", genre="Children", publication_year=1970)

    book = client.post(f"/books/{saved['id']}/refresh").get_json()

    assert (book["title"], book["author"], book["summary"]) == ("Fox", "Dahl", "Our well-read copy.")
    assert (book["genre"], book["publication_year"]) == ("Children", 1970)
    assert book["cover_url"].endswith(f"/b/id/{FOX.cover_id}-L.jpg") and book["source"] == "openlibrary"


def test_refresh_refills_a_looked_up_book_s_cleared_field(client):
    saved = client.post("/books", json={"isbn": FOX.isbn13}).get_json()
    client.patch(f"/books/{saved['id']}", json={"summary": None, "genre": "Kids"})

    book = client.post(f"/books/{saved['id']}/refresh").get_json()

    assert book["summary"] == saved["summary"] and book["genre"] == "Kids" and book["source"] == "openlibrary"


def test_a_book_without_an_isbn_is_422(client, book):
    response = client.post(f"/books/{book['id']}/refresh")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "VALIDATION_ERROR"
    assert response.get_json()["error"]["details"] == {"isbn": ["The book has no ISBN to look up."]}


def test_an_unknown_book_is_404(client):
    response = client.post("/books/999/refresh")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "BOOK_NOT_FOUND"


def test_an_isbn_no_provider_knows_is_404(client):
    saved = client.post("/books", json={"isbn": UNKNOWN_ISBN13, "title": "Zine", "author": "Us"}).get_json()

    response = client.post(f"/books/{saved['id']}/refresh")

    assert response.status_code == 404 and response.get_json()["error"]["code"] == "ISBN_NOT_FOUND"
    assert client.get(f"/books/{saved['id']}").get_json() == saved


def test_failing_providers_are_502_and_leave_the_book_unchanged(providers, clock, client):
    saved = add_while_down(providers, client, isbn=FOX.isbn13, title="My Fox", author="Roald Dahl")
    providers_down_for_one_lookup(providers, FOX.isbn13)
    clock.advance(minutes=5)

    response = client.post(f"/books/{saved['id']}/refresh")

    assert response.status_code == 502 and response.get_json()["error"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert client.get(f"/books/{saved['id']}").get_json() == saved


@pytest.fixture
def silent_open_library(settings):
    """Open Library accepts connections and never answers; Google Books is off."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        settings.update(OPENLIBRARY_URL=f"http://127.0.0.1:{listener.getsockname()[1]}", GOOGLE_BOOKS_URL="",
                        METADATA_TIMEOUT=0.2)
        yield


def test_a_slow_provider_is_504_and_leaves_the_book_unchanged(silent_open_library, client):
    saved = client.post("/books", json={"isbn": FOX.isbn13, "title": "My Fox", "author": "Roald Dahl"}).get_json()

    response = client.post(f"/books/{saved['id']}/refresh")

    assert response.status_code == 504 and response.get_json()["error"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert client.get(f"/books/{saved['id']}").get_json() == saved


def test_only_catalog_writers_refresh(app, client):
    saved = client.post("/books", json={"isbn": FOX.isbn13}).get_json()
    response = app.test_client().post(f"/books/{saved['id']}/refresh")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "TOKEN_MISSING"
