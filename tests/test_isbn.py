"""Seed 000 end to end: look a book up by ISBN, save it by ISBN, and what a user sees when providers fail."""
from __future__ import annotations

import re
import socket
import time
from datetime import timedelta

import pytest
from werkzeug import Response

from tests.metadata_server import CRAGSIDE, EVERYTHING, FOX, GOOGLE_979, SABRIEL, UNKNOWN_ISBN13, load_json


@pytest.fixture
def client(member_client):
    return member_client


def total_books(client) -> int:
    return int(client.get("/books").headers["X-Total-Count"])


@pytest.mark.parametrize("form", ["9780140328721", "978-0-14-032872-1", "0140328726", "0-14-032872-6",
                                  "978 0 14 032872 1"])
def test_every_form_of_an_isbn_gives_the_same_book(client, form):
    response = client.get(f"/isbn/{form}")

    assert response.status_code == 200
    book = response.get_json()
    assert book["isbn"] == FOX.isbn13 and book["isbn10"] == FOX.isbn10
    assert book["title"] == "Fantastic Mr. Fox" and book["author"] == "Roald Dahl"
    assert book["summary"].startswith("The main character of Fantastic Mr. Fox")
    assert book["cover_url"].endswith(f"/covers/b/id/{FOX.cover_id}-L.jpg")
    assert book["publication_year"] == 1988 and book["source"] == "openlibrary"


def test_lookup_saves_nothing(client):
    assert client.get(f"/isbn/{FOX.isbn13}").status_code == 200
    assert total_books(client) == 0


def test_a_book_only_google_books_knows(client):
    book = client.get(f"/isbn/{GOOGLE_979.isbn13}").get_json()
    assert book["source"] == "google_books" and book["isbn10"] is None and book["title"] == GOOGLE_979.title


@pytest.mark.parametrize("bad", ["9780140328722", "0140328727", "abc", "978014032872", "97801403287211",
                                 "%20", "0-14-032872-X"])
def test_an_invalid_isbn_is_400(client, bad):
    response = client.get(f"/isbn/{bad}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "INVALID_ISBN"


def test_an_unknown_isbn_is_404(client):
    response = client.get(f"/isbn/{UNKNOWN_ISBN13}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "ISBN_NOT_FOUND"


def test_post_by_isbn_saves_the_looked_up_book(client):
    response = client.post("/books", json={"isbn": "0-14-032872-6"})

    assert response.status_code == 201
    book = response.get_json()
    assert book["isbn"] == FOX.isbn13 and book["title"] == "Fantastic Mr. Fox" and book["author"] == "Roald Dahl"
    assert book["source"] == "openlibrary" and book["summary"] and book["cover_url"]
    assert client.get("/books").get_json() == [book]


def test_given_fields_win_over_the_looked_up_ones(client):
    book = client.post("/books", json={"isbn": SABRIEL.isbn10, "author": "Garth Nix", "genre": "Fantasy"}).get_json()
    assert book["title"] == "Sabriel" and book["author"] == "Garth Nix" and book["genre"] == "Fantasy"
    assert book["source"] == "openlibrary" and book["summary"]


def test_a_second_book_with_the_same_isbn_in_another_form_is_409(client):
    first = client.post("/books", json={"isbn": FOX.isbn13}).get_json()

    response = client.post("/books", json={"isbn": "0-14-032872-6"})

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "DUPLICATE_ISBN"
    assert response.get_json()["error"]["details"] == {"book_id": first["id"]}
    assert total_books(client) == 1


def test_unknown_isbn_with_title_and_author_is_saved_by_hand(client):
    response = client.post("/books", json={"isbn": UNKNOWN_ISBN13, "title": "Zine", "author": "Us"})
    assert response.status_code == 201
    assert response.get_json()["source"] == "manual" and response.get_json()["isbn"] == UNKNOWN_ISBN13


def test_unknown_isbn_alone_is_404_and_nothing_is_saved(client):
    response = client.post("/books", json={"isbn": UNKNOWN_ISBN13})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "ISBN_NOT_FOUND"
    assert total_books(client) == 0


def test_an_invalid_isbn_in_a_body_is_400(client):
    response = client.post("/books", json={"isbn": "123"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "INVALID_ISBN"


def test_google_books_fills_what_open_library_lacks(client):
    book = client.post("/books", json={"isbn": CRAGSIDE.isbn13}).get_json()
    assert book["source"] == "google_books" and book["title"] == "Cragside" and book["author"] == "L. J. Ross"


def google_search_answer(*books) -> dict:
    """A Google Books answer made here from the recorded volumes of these books, listed in this order."""
    items = [item for book in books
             for item in load_json("googlebooks", f"volumes_isbn_{book.isbn13}.json")["items"]]
    return {"kind": "books#volumes", "totalItems": len(items), "items": items}


def google_answers(providers, isbn13: str, answer: dict) -> None:
    # Once: the recorded handlers were installed first, and only a oneshot handler goes before them.
    providers.expect_oneshot_request("/books/v1/volumes", query_string={"q": f"isbn:{isbn13}"}).respond_with_json(
        answer)


def test_google_books_skips_a_neighbour_listed_first(providers, client):
    google_answers(providers, EVERYTHING.isbn13, google_search_answer(CRAGSIDE, EVERYTHING))

    book = client.get(f"/isbn/{EVERYTHING.isbn13}").get_json()

    assert (book["isbn"], book["title"], book["author"]) == (EVERYTHING.isbn13, EVERYTHING.title, EVERYTHING.author)
    assert book["source"] == "google_books"


def test_google_books_matches_an_isbn10_written_with_hyphens(providers, client):
    answer = google_search_answer(CRAGSIDE, EVERYTHING)
    answer["items"][1]["volumeInfo"]["industryIdentifiers"] = [{"type": "ISBN_10", "identifier": "1-76118-676-0"}]
    google_answers(providers, EVERYTHING.isbn13, answer)

    assert client.get(f"/isbn/{EVERYTHING.isbn13}").get_json()["title"] == EVERYTHING.title


def test_a_neighbour_alone_is_not_the_book_and_is_not_saved(providers, client):
    google_answers(providers, EVERYTHING.isbn13, google_search_answer(CRAGSIDE))

    response = client.post("/books", json={"isbn": EVERYTHING.isbn13})

    assert response.status_code == 404 and response.get_json()["error"]["code"] == "ISBN_NOT_FOUND"
    assert total_books(client) == 0
    assert client.get(f"/isbn/{EVERYTHING.isbn13}").status_code == 404


@pytest.fixture
def failing_open_library(providers, settings):
    """Open Library answers 500 to everything; Google Books is the recorded one."""
    providers.expect_request(re.compile(r"^/down/")).respond_with_response(
        Response("upstream broke", status=500))
    settings["OPENLIBRARY_URL"] = providers.url_for("/down")


def test_a_failing_provider_is_502_and_nothing_is_saved(failing_open_library, settings, clock, client):
    started = clock.now
    response = client.post("/books", json={"isbn": FOX.isbn13})
    assert response.status_code == 502 and response.get_json()["error"]["code"] == "UPSTREAM_UNAVAILABLE"
    # Three attempts, 0.25 s then 0.5 s apart: asked of the injected sleep, which moves the test clock.
    assert settings["SLEEP"].backoff() == [0.25, 0.5]
    assert clock.now - started >= timedelta(seconds=0.75)
    assert client.get(f"/isbn/{FOX.isbn13}").status_code == 502
    assert settings["SLEEP"].backoff() == [0.25, 0.5] * 2  # failures are not cached
    assert total_books(client) == 0


def test_a_failing_provider_with_title_and_author_saves_the_book_by_hand(failing_open_library, client):
    response = client.post("/books", json={"isbn": FOX.isbn10, "title": "Fox", "author": "Dahl"})

    assert response.status_code == 201
    book = response.get_json()
    assert (book["isbn"], book["isbn10"], book["title"], book["author"]) == (FOX.isbn13, FOX.isbn10, "Fox", "Dahl")
    assert (book["source"], book["summary"], book["cover_url"]) == ("manual", None, None)
    assert client.get("/books").get_json() == [book]


def test_google_answers_when_open_library_fails(failing_open_library, client):
    book = client.get(f"/isbn/{CRAGSIDE.isbn13}").get_json()
    assert book["source"] == "google_books" and book["title"] == "Cragside"


@pytest.fixture
def real_rate(settings):
    """Open Library's real rate, 3 requests a second, instead of the tests' 1000."""
    settings["OPENLIBRARY_RPS"] = 3.0


def test_open_library_keeps_to_its_rate_without_the_test_waiting(real_rate, settings, client):
    started = time.monotonic()
    assert client.get(f"/isbn/{FOX.isbn13}").status_code == 200
    assert time.monotonic() - started < 1  # four requests at 3 a second, spent for real, take a second
    # Four Open Library requests (the ISBN's redirect among them). The recorded waits do not move the
    # limiter's real clock, so each request after the first is told to wait for a turn a third of a
    # second after the one before.
    waits = settings["SLEEP"].delays
    assert len(waits) == 3
    assert all(0.2 < later - earlier <= 0.4 for earlier, later in zip([0.0, *waits], waits))


@pytest.fixture
def silent_open_library(settings):
    """Open Library accepts connections and never answers; Google Books is off."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        settings.update(OPENLIBRARY_URL=f"http://127.0.0.1:{listener.getsockname()[1]}", GOOGLE_BOOKS_URL="")
        yield


def test_a_slow_provider_is_504_within_a_few_seconds(silent_open_library, settings, client):
    started = time.monotonic()

    response = client.post("/books", json={"isbn": FOX.isbn13})

    elapsed = time.monotonic() - started
    assert response.status_code == 504 and response.get_json()["error"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert elapsed < 5 * settings["METADATA_TIMEOUT"] + 1
    assert total_books(client) == 0


def test_a_slow_provider_with_title_and_author_saves_the_book_by_hand(silent_open_library, client):
    response = client.post("/books", json={"isbn": FOX.isbn13, "title": "Fox", "author": "Dahl"})
    assert response.status_code == 201
    assert (response.get_json()["source"], response.get_json()["isbn"]) == ("manual", FOX.isbn13)
    assert total_books(client) == 1


# An empty ISBN is no ISBN


def test_an_empty_isbn_is_none_and_two_such_books_coexist(client):
    first = client.post("/books", json={"isbn": "", "title": "Zine", "author": "Us"})
    second = client.post("/books", json={"isbn": "", "title": "Zine 2", "author": "Us"})

    assert (first.status_code, second.status_code) == (201, 201)
    assert [book["isbn"] for book in client.get("/books").get_json()] == [None, None]
    assert first.get_json()["source"] == "manual" and first.get_json()["isbn10"] is None


def test_an_empty_isbn_alone_is_422_asking_for_title_and_author(client):
    response = client.post("/books", json={"isbn": ""})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]) == {"title", "author"}


def test_put_and_patch_with_an_empty_isbn_clear_it(client):
    first = client.post("/books", json={"isbn": FOX.isbn13}).get_json()
    second = client.post("/books", json={"isbn": SABRIEL.isbn13}).get_json()

    put = client.put(f"/books/{first['id']}", json={"isbn": "", "title": "Fox", "author": "Dahl"})
    patch = client.patch(f"/books/{second['id']}", json={"isbn": ""})

    assert (put.status_code, patch.status_code) == (200, 200)
    assert (put.get_json()["isbn"], put.get_json()["isbn10"]) == (None, None)
    assert (patch.get_json()["isbn"], patch.get_json()["isbn10"]) == (None, None)
    assert client.get(f"/books?isbn={FOX.isbn13}").get_json() == []
