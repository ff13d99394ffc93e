"""ISBN lookup against a local server answering the recorded Open Library and Google Books responses: what a
lookup finds, from which provider, and how the two fill each other's gaps.

Every test makes real HTTP requests (never a mock of requests); backoff and rate-limit waits go to a fake sleep.
"""
from __future__ import annotations

import pytest
from stdnum import isbn as stdnum_isbn

from library_api.errors import NotFound, UpstreamUnavailable
from tests.metadata_server import CRAGSIDE, EVERYTHING, FOX, GOOGLE_979, SABRIEL, STARS, UCHU, UNKNOWN_ISBN13, load_json
from tests.provider_support import VOLUMES, edition_with, make_lookup, openlibrary_paths, paths, volume_answer
from tests.provider_support import fake_time, server, site  # noqa: F401  (fixtures)

# Found


def test_open_library_book_has_edition_work_author_and_cover(server, fake_time):
    book = make_lookup(server, fake_time).lookup(FOX.isbn13)
    assert (book.title, book.author, book.source) == (FOX.title, "Roald Dahl", "openlibrary")
    assert book.summary.startswith("The main character of Fantastic Mr. Fox is an extremely clever")
    assert "\r" not in book.summary and "every night.\n\nFinally" in book.summary
    assert book.cover_url == server.url_for("/covers/b/id/8739161-L.jpg")
    assert (book.publication_year, book.publisher, book.page_count) == (1988, "Puffin", 96)
    assert (book.isbn, book.isbn10, book.genre) == (FOX.isbn13, FOX.isbn10, None)
    assert openlibrary_paths(server) == ["/isbn/9780140328721.json", "/books/OL7353617M.json",
                                         "/works/OL45804W.json", "/authors/OL34184A.json"]


def test_isbn10_and_isbn13_give_the_same_answer(server, fake_time):
    # As the route does: validate, then normalise to a compact ISBN-13.
    from_13 = make_lookup(server, fake_time).lookup(stdnum_isbn.to_isbn13(stdnum_isbn.validate("978-0140328721")))
    from_10 = make_lookup(server, fake_time).lookup(stdnum_isbn.to_isbn13(stdnum_isbn.validate("0-14-032872-6")))
    assert from_10 == from_13
    assert set(paths(server, "/isbn/")) == {"/isbn/9780140328721.json"}


def test_only_a_normalised_isbn13_reaches_a_url(server, fake_time):
    lookup = make_lookup(server, fake_time)
    for raw in (FOX.isbn10, "978-0140328721", "9780140328720", "9780140328721/../x"):
        with pytest.raises(ValueError):
            lookup.lookup(raw)
    assert server.log == []


def test_typed_description_of_the_edition_wins_over_the_work(server, fake_time):
    book = make_lookup(server, fake_time).lookup(SABRIEL.isbn13)
    assert book.summary.startswith("Sabriel, daughter of the necromancer Abhorsen")
    # The edition has no cover, its work has; the edition's year, not the work's first publication (1995).
    assert book.cover_url.endswith("/b/id/6796986-L.jpg")
    assert (book.title, book.publication_year, book.isbn10, book.page_count) == ("Sabriel", 1996, "0060273224", 491)
    assert book.author is None  # the author record (OL382982A) was not recorded: 404
    assert "/authors/OL382982A.json" in paths(server)


def test_typed_description_of_the_work_when_the_edition_has_none(server, fake_time):
    edition = load_json("openlibrary", "edition_0060273224.json")
    del edition["description"]
    server.expect_request("/books/OL22951843M.json").respond_with_json(edition)
    book = make_lookup(server, fake_time).lookup(SABRIEL.isbn13)
    assert book.summary == "First in the Old Kingdom/Abhorsen series."


def test_several_authors_are_joined(server, fake_time):
    # No recorded edition has two authors; this one names the two recorded author records.
    authors = [{"key": "/authors/OL34184A"}, {"key": "/authors/OL23919A"}]
    server.expect_request("/books/OL7353617M.json").respond_with_json(edition_with(authors=authors))
    book = make_lookup(server, fake_time).lookup(FOX.isbn13)
    assert book.authors == ("Roald Dahl", "J. K. Rowling")
    assert book.author == "Roald Dahl, J. K. Rowling"


def test_authors_come_from_the_work_when_the_edition_names_none(server, fake_time):
    server.expect_request("/books/OL7353617M.json").respond_with_json(edition_with(authors=[]))
    assert make_lookup(server, fake_time).lookup(FOX.isbn13).author == "Roald Dahl"


def test_an_author_redirect_record_is_followed_once(server, fake_time):
    # The redirect record is real; the edition naming it and its target's record are made here.
    server.expect_request("/books/OL7353617M.json").respond_with_json(
        edition_with(authors=[{"key": "/authors/OL10219261A"}]))
    server.expect_request("/authors/OL3894951A.json").respond_with_json(
        {"key": "/authors/OL3894951A", "type": {"key": "/type/author"}, "name": "Merged Author"})
    assert make_lookup(server, fake_time).lookup(FOX.isbn13).author == "Merged Author"
    assert paths(server, "/authors/") == ["/authors/OL10219261A.json", "/authors/OL3894951A.json"]


def test_no_cover_anywhere_is_null(server, fake_time):
    book = make_lookup(server, fake_time).lookup(STARS.isbn13)
    assert (book.title, book.cover_url, book.author) == (STARS.title, None, None)
    assert book.summary.startswith('>"She didn\'t choose her garden"')
    assert (book.publication_year, book.publisher, book.page_count) == (2022, "Cooper Dillon Books", 36)


def test_google_image_when_open_library_has_no_cover(server, fake_time):
    # No real Google answer for this ISBN exists; this one is made from a real answer's shape.
    server.expect_request(VOLUMES, query_string={"q": f"isbn:{STARS.isbn13}"}).respond_with_json(
        volume_answer(STARS.isbn13, imageLinks={"thumbnail": "http://books.google.com/books/content?id=x"}))
    book = make_lookup(server, fake_time).lookup(STARS.isbn13)
    assert book.cover_url == "https://books.google.com/books/content?id=x"
    assert (book.source, book.title) == ("openlibrary", STARS.title)


def test_description_only_google_books_has(server, fake_time):
    # The real 2021 record of the Fox edition points at a work (OL45883W) that was not recorded (404),
    # so Open Library has no description; the Google side of the pair is made here.
    server.expect_request("/books/OL7353617M.json").respond_with_json(
        load_json("openlibrary", "edition_9780140328721_rev14_2021.json"))
    server.expect_request(VOLUMES, query_string={"q": f"isbn:{FOX.isbn13}"}).respond_with_json(
        volume_answer(FOX.isbn13, title="Fantastic Mr Fox (Google)", description="Told by Google.",
                      categories=["Juvenile Fiction"]))
    book = make_lookup(server, fake_time).lookup(FOX.isbn13)
    assert (book.summary, book.genre) == ("Told by Google.", "Juvenile Fiction")
    assert (book.title, book.source) == (FOX.title, "openlibrary")
    assert book.cover_url.endswith("/b/id/8739161-L.jpg")
    assert "/works/OL45883W.json" in paths(server)


# Google Books answers alone


def test_book_only_google_books_knows(server, fake_time):
    book = make_lookup(server, fake_time).lookup(EVERYTHING.isbn13)
    assert (book.title, book.author, book.source) == (EVERYTHING.title, "Josie Shapiro", "google_books")
    assert (book.publisher, book.publication_year, book.page_count, book.genre) == (
        "Allen & Unwin", 2023, 292, "Fiction")
    assert book.cover_url.startswith("https://books.google.com/books/content?id=iEGqEAAAQBAJ")
    assert "zoom=1" in book.cover_url
    assert "runner \u0097 every pleasure" in book.summary  # a C1 character Google sent: kept as is
    assert book.isbn10 == "1761186760"


def test_979_isbn_only_google_books_knows(server, fake_time):
    book = make_lookup(server, fake_time).lookup(GOOGLE_979.isbn13)
    assert (book.title, book.author, book.source, book.isbn10) == (
        GOOGLE_979.title, GOOGLE_979.author, "google_books", None)
    assert "/isbn/9798999999993.json" in paths(server)


def test_google_year_month_date_and_absent_fields(server, fake_time):
    book = make_lookup(server, fake_time).lookup(UCHU.isbn13)
    assert (book.title, book.author, book.publication_year) == (UCHU.title, UCHU.author, 2020)
    assert (book.publisher, book.genre, book.page_count) == (None, None, 239)


def test_google_volume_without_image(server, fake_time):
    book = make_lookup(server, fake_time).lookup(CRAGSIDE.isbn13)
    assert (book.title, book.subtitle, book.cover_url, book.genre) == (
        "Cragside", "A DCI Ryan Mystery", None, "Murder")
    assert "fianc\ufffde" in book.summary


def test_google_picks_the_volume_listing_the_isbn(server, fake_time):
    answer = load_json("googlebooks", f"volumes_isbn_{CRAGSIDE.isbn13}.json")
    answer["items"] += load_json("googlebooks", f"volumes_isbn_{EVERYTHING.isbn13}.json")["items"]
    answer["totalItems"] = 2
    server.expect_request(VOLUMES, query_string={"q": f"isbn:{EVERYTHING.isbn13}"}).respond_with_json(answer)
    assert make_lookup(server, fake_time).lookup(EVERYTHING.isbn13).title == EVERYTHING.title


def test_control_characters_are_removed_except_newline_and_tab(server, fake_time):
    server.expect_request(VOLUMES, query_string={"q": f"isbn:{EVERYTHING.isbn13}"}).respond_with_json(
        volume_answer(EVERYTHING.isbn13, title="Nul\x00l\x0b", description="a\r\n\tb\x00c\x97"))
    book = make_lookup(server, fake_time).lookup(EVERYTHING.isbn13)
    assert (book.title, book.summary) == ("Null", "a\n\tbc\x97")


def test_not_found_anywhere(server, fake_time):
    with pytest.raises(NotFound) as caught:
        make_lookup(server, fake_time).lookup(UNKNOWN_ISBN13)
    assert (caught.value.code, caught.value.status_code, caught.value.details) == (
        "ISBN_NOT_FOUND", 404, {"isbn": UNKNOWN_ISBN13})
    assert paths(server) == [f"/isbn/{UNKNOWN_ISBN13}.json", VOLUMES]


def test_google_books_disabled(server, fake_time):
    with pytest.raises(NotFound):
        make_lookup(server, fake_time, GOOGLE_BOOKS_URL="").lookup(EVERYTHING.isbn13)
    assert paths(server, VOLUMES) == []


# Falling back and filling in


def test_google_answers_when_open_library_fails(server, fake_time):
    server.expect_request(f"/isbn/{EVERYTHING.isbn13}.json").respond_with_data("down", status=503)
    lookup = make_lookup(server, fake_time)
    book = lookup.lookup(EVERYTHING.isbn13)
    assert (book.title, book.source) == (EVERYTHING.title, "google_books")
    lookup.lookup(EVERYTHING.isbn13)  # an answer given while Open Library was down is not cached
    assert len(paths(server, "/isbn/")) == 6


def test_open_library_error_when_google_fails_too(server, fake_time):
    server.expect_request(f"/isbn/{FOX.isbn13}.json").respond_with_data("down", status=503)
    server.expect_request(VOLUMES).respond_with_data("down", status=500)
    with pytest.raises(UpstreamUnavailable) as caught:
        make_lookup(server, fake_time).lookup(FOX.isbn13)
    assert caught.value.details == {"provider": "openlibrary", "reason": "answered 503"}


def test_google_failure_when_open_library_does_not_know_is_502_not_404(server, fake_time):
    server.expect_request(VOLUMES).respond_with_data("down", status=500)
    with pytest.raises(UpstreamUnavailable) as caught:
        make_lookup(server, fake_time).lookup(UNKNOWN_ISBN13)
    assert caught.value.details == {"provider": "google_books", "reason": "answered 500"}


def test_open_library_answer_stands_when_google_fails(server, fake_time):
    server.expect_request(VOLUMES).respond_with_data("down", status=500)
    lookup = make_lookup(server, fake_time)
    book = lookup.lookup(FOX.isbn13)
    assert (book.title, book.author, book.genre) == (FOX.title, "Roald Dahl", None)
    lookup.lookup(FOX.isbn13)
    assert len(paths(server, "/isbn/")) == 2  # not cached: Google Books may fill the genre next time


def test_failing_work_keeps_the_edition(server, fake_time):
    server.expect_request("/works/OL45804W.json").respond_with_data("down", status=502)
    lookup = make_lookup(server, fake_time)
    book = lookup.lookup(FOX.isbn13)
    assert (book.title, book.author, book.summary) == (FOX.title, "Roald Dahl", None)
    lookup.lookup(FOX.isbn13)
    assert len(paths(server, "/works/")) == 6  # 3 attempts per lookup; the partial answer was not cached
