"""ISBN lookup against a local server answering the recorded Open Library and Google Books responses.

Every test makes real HTTP requests (never a mock of requests); backoff and rate-limit waits go to a fake sleep.
"""
from __future__ import annotations

import copy
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from config import DEFAULTS
from pytest_httpserver import HTTPServer
from stdnum import isbn as stdnum_isbn
from werkzeug import Response

from library_api.errors import NotFound, UpstreamTimeout, UpstreamUnavailable
from library_api.providers import build_lookup
from library_api.providers.base import BookMetadata
from library_api.providers.cache import MemoryLookupCache
from library_api.providers.http import RateLimiter, parse_retry_after
from library_api.providers.lookup import MetadataLookup
from tests.metadata_server import (CRAGSIDE, EVERYTHING, FOX, GOOGLE_979, SABRIEL, STARS, UCHU, UNKNOWN_ISBN13,
                                   install_recorded_providers, load_json)

VOLUMES = "/books/v1/volumes"
MIB = 1024 * 1024


class FakeTime:
    """A monotonic clock that moves only when slept on, so waits are asserted, never spent."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module")
def site() -> Iterator[HTTPServer]:
    """A threaded server, so that a stalled handler does not hold up the requests after it."""
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def server(site: HTTPServer) -> HTTPServer:
    site.clear()
    return site


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def make_lookup(server: HTTPServer, fake_time: FakeTime, *, clock=time.monotonic, cache=None, limiter=None,
                **overrides) -> MetadataLookup:
    """Install the recorded answers (after any handler the test registered) and build a lookup on them."""
    settings = {**DEFAULTS, **install_recorded_providers(server), "METADATA_TIMEOUT": 1.0, "APP_VERSION": "9.9.9",
                **overrides}
    return build_lookup(settings, cache, limiter=limiter, clock=clock, sleep=fake_time.sleep)


def paths(server: HTTPServer, prefix: str = "/") -> list[str]:
    return [request.path for request, _ in server.log if request.path.startswith(prefix)]


def openlibrary_paths(server: HTTPServer) -> list[str]:
    return [path for path in paths(server) if not path.startswith(VOLUMES)]


def wait_until_logged(server: HTTPServer, path: str, timeout: float = 5.0) -> None:
    """Wait for a released handler's request to reach the server's log."""
    end = time.monotonic() + timeout
    while path not in paths(server) and time.monotonic() < end:
        time.sleep(0.01)


def volume_answer(isbn13: str, **volume_info) -> dict:
    """A Google Books answer made in a test from the recorded EVERYTHING answer's shape."""
    answer = copy.deepcopy(load_json("googlebooks", f"volumes_isbn_{EVERYTHING.isbn13}.json"))
    info = answer["items"][0]["volumeInfo"]
    info["industryIdentifiers"] = [{"type": "ISBN_13", "identifier": isbn13}]
    info.update(volume_info)
    return answer


def edition_with(**fields) -> dict:
    """The recorded Fox edition with some fields replaced (for shapes no recorded edition has)."""
    edition = load_json("openlibrary", "edition_9780140328721.json")
    edition.update(fields)
    return edition


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


# Upstream failures


def test_server_error_is_retried_then_502(server, fake_time):
    server.expect_request(f"/isbn/{FOX.isbn13}.json").respond_with_data("oops", status=500)
    with pytest.raises(UpstreamUnavailable) as caught:
        make_lookup(server, fake_time).lookup(FOX.isbn13)
    assert not isinstance(caught.value, UpstreamTimeout)
    assert (caught.value.status_code, caught.value.code) == (502, "UPSTREAM_UNAVAILABLE")
    assert caught.value.details == {"provider": "openlibrary", "reason": "answered 500"}
    assert paths(server, "/isbn/") == [f"/isbn/{FOX.isbn13}.json"] * 3
    assert fake_time.sleeps == [0.25, 0.5]
    assert paths(server, VOLUMES) == [VOLUMES]  # Google Books was asked, and does not know it


def test_refused_connection_is_retried_then_502(server, fake_time):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    lookup = make_lookup(server, fake_time, OPENLIBRARY_URL=f"http://127.0.0.1:{closed_port}")
    with pytest.raises(UpstreamUnavailable) as caught:
        lookup.lookup(FOX.isbn13)
    assert caught.value.details == {"provider": "openlibrary", "reason": "connection failed"}
    assert fake_time.sleeps == [0.25, 0.5]


def test_403_is_502_at_once(server, fake_time):
    server.expect_request(f"/isbn/{FOX.isbn13}.json").respond_with_data("blocked", status=403)
    with pytest.raises(UpstreamUnavailable) as caught:
        make_lookup(server, fake_time).lookup(FOX.isbn13)
    assert caught.value.status_code == 502
    assert (len(paths(server, "/isbn/")), fake_time.sleeps) == (1, [])


def test_429_with_short_retry_after_is_retried(server, fake_time):
    server.expect_oneshot_request(f"/isbn/{FOX.isbn13}.json").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"})
    assert make_lookup(server, fake_time).lookup(FOX.isbn13).title == FOX.title
    assert fake_time.sleeps == [1.0]
    assert paths(server, "/isbn/") == [f"/isbn/{FOX.isbn13}.json"] * 2


@pytest.mark.parametrize("headers", [{"Retry-After": "120"}, {}], ids=["long-retry-after", "no-retry-after"])
def test_429_without_a_short_retry_after_is_502_at_once(server, fake_time, headers):
    server.expect_request(f"/isbn/{FOX.isbn13}.json").respond_with_data("slow down", status=429, headers=headers)
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable) as caught:
        make_lookup(server, fake_time).lookup(FOX.isbn13)
    assert (caught.value.status_code, caught.value.details["reason"]) == (502, "answered 429")
    assert (len(paths(server, "/isbn/")), fake_time.sleeps) == (1, [])
    assert time.monotonic() - started < 1


def test_stalled_provider_times_out_within_the_budget(server, fake_time):
    release = threading.Event()
    stalled: list[str] = []

    def stall(request):
        stalled.append(request.path)
        release.wait(5)
        return Response("{}", content_type="application/json")

    server.expect_request(f"/isbn/{FOX.isbn13}.json").respond_with_handler(stall)
    lookup = make_lookup(server, fake_time, METADATA_TIMEOUT=0.2)
    started = time.monotonic()
    try:
        with pytest.raises(UpstreamTimeout) as caught:
            lookup.lookup(FOX.isbn13)
        elapsed = time.monotonic() - started
    finally:
        release.set()
        wait_until_logged(server, f"/isbn/{FOX.isbn13}.json")  # so it cannot land in the next test's log
    assert elapsed < 1.0  # the budget is 5 × 0.2 s
    assert (caught.value.status_code, caught.value.code) == (504, "UPSTREAM_UNAVAILABLE")
    assert stalled == [f"/isbn/{FOX.isbn13}.json"]  # a timeout is not retried


def test_no_retry_starts_past_the_deadline(server, fake_time):
    server.expect_request(f"/isbn/{FOX.isbn13}.json").respond_with_data(
        "busy", status=503, headers={"Retry-After": "1"})
    # Budget 5 × 0.3 = 1.5 s of fake time: one 1 s wait fits, a second would end past the deadline.
    with pytest.raises(UpstreamUnavailable) as caught:
        make_lookup(server, fake_time, clock=fake_time, METADATA_TIMEOUT=0.3).lookup(FOX.isbn13)
    assert caught.value.details["reason"] == "answered 503"
    assert (len(paths(server, "/isbn/")), fake_time.sleeps) == (2, [1.0])


def test_redirect_to_another_host_is_502(server, fake_time):
    server.expect_request(f"/isbn/{FOX.isbn13}.json").respond_with_data(
        "", status=302, headers={"Location": "http://elsewhere.invalid/books/OL7353617M.json"})
    with pytest.raises(UpstreamUnavailable) as caught:
        make_lookup(server, fake_time).lookup(FOX.isbn13)
    assert caught.value.details == {"provider": "openlibrary", "reason": "redirected to another host"}


def test_endless_redirects_are_502(server, fake_time):
    server.expect_request(f"/isbn/{FOX.isbn13}.json").respond_with_data(
        "", status=302, headers={"Location": f"/isbn/{FOX.isbn13}.json"})
    with pytest.raises(UpstreamUnavailable) as caught:
        make_lookup(server, fake_time).lookup(FOX.isbn13)
    assert caught.value.details["reason"] == "too many redirects"
    assert len(paths(server, "/isbn/")) == 4


@pytest.mark.parametrize("body", [b"<html>busy</html>", b"[1, 2]", b"\xff\xfe{"], ids=["html", "array", "bytes"])
def test_a_body_that_is_not_a_json_object_is_502(server, fake_time, body):
    server.expect_request("/books/OL7353617M.json").respond_with_data(body, content_type="application/json")
    with pytest.raises(UpstreamUnavailable) as caught:
        make_lookup(server, fake_time).lookup(FOX.isbn13)
    assert caught.value.status_code == 502


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_body_over_2_mib_is_502(server, fake_time, declared):
    body = b'{"title": "' + b"x" * (2 * MIB) + b'"}'
    response = Response(body if declared else iter([body[:MIB], body[MIB:]]), content_type="application/json")
    server.expect_request("/books/OL7353617M.json").respond_with_response(response)
    with pytest.raises(UpstreamUnavailable) as caught:
        make_lookup(server, fake_time).lookup(FOX.isbn13)
    assert caught.value.details["reason"] == "answer too large"


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


# Politeness and caching


def test_every_request_names_the_app_and_the_contact(server, fake_time):
    make_lookup(server, fake_time, METADATA_CONTACT="ops@library.example").lookup(FOX.isbn13)
    agents = {request.headers.get("User-Agent") for request, _ in server.log}
    assert agents == {"LibraryAPI/9.9.9 (ops@library.example)"}
    assert len(paths(server, VOLUMES)) == 1 and len(server.log) == 5


def test_a_found_book_is_cached(server, fake_time):
    lookup = make_lookup(server, fake_time)
    first = lookup.lookup(FOX.isbn13)
    requests_made = len(server.log)
    assert lookup.lookup(FOX.isbn13) == first
    assert len(server.log) == requests_made


def test_not_found_is_cached_for_less_time_than_found(server, fake_time):
    timer = FakeTime()
    lookup = make_lookup(server, fake_time, cache=MemoryLookupCache(timer=timer))
    lookup.lookup(FOX.isbn13)
    for _ in range(2):
        with pytest.raises(NotFound):
            lookup.lookup(UNKNOWN_ISBN13)
    assert paths(server, "/isbn/").count(f"/isbn/{UNKNOWN_ISBN13}.json") == 1
    timer.now += 2 * 3600  # past "not found"'s hour, well within "found"'s day
    with pytest.raises(NotFound):
        lookup.lookup(UNKNOWN_ISBN13)
    lookup.lookup(FOX.isbn13)
    assert paths(server, "/isbn/") == [f"/isbn/{FOX.isbn13}.json"] + [f"/isbn/{UNKNOWN_ISBN13}.json"] * 2
    timer.now += 24 * 3600
    lookup.lookup(FOX.isbn13)
    assert paths(server, "/isbn/").count(f"/isbn/{FOX.isbn13}.json") == 2


def test_cache_ttls_come_from_the_settings(server, fake_time):
    lookup = make_lookup(server, fake_time, LOOKUP_CACHE_TTL=0, LOOKUP_NEGATIVE_CACHE_TTL=60)
    for _ in range(2):
        lookup.lookup(FOX.isbn13)
        with pytest.raises(NotFound):
            lookup.lookup(UNKNOWN_ISBN13)
    asked = paths(server, "/isbn/")
    assert (asked.count(f"/isbn/{FOX.isbn13}.json"), asked.count(f"/isbn/{UNKNOWN_ISBN13}.json")) == (2, 1)


def test_open_library_requests_keep_to_the_rate(server, fake_time):
    limiter_time = FakeTime()
    limiter = RateLimiter(3, clock=limiter_time, sleep=limiter_time.sleep)
    make_lookup(server, fake_time, limiter=limiter).lookup(FOX.isbn13)
    # Four Open Library requests (the ISBN's redirect among them); Google Books is not limited.
    assert limiter_time.sleeps == pytest.approx([1 / 3] * 3)


def test_rate_limiter_spaces_calls_and_keeps_no_credit():
    fake = FakeTime()
    limiter = RateLimiter(3, clock=fake, sleep=fake.sleep)
    for _ in range(4):
        assert limiter.acquire()
    assert fake.sleeps == pytest.approx([1 / 3] * 3)
    fake.now += 10  # an idle spell does not buy a burst
    assert limiter.acquire() and limiter.acquire()
    assert fake.sleeps[3:] == pytest.approx([1 / 3])


def test_rate_limiter_takes_no_turn_it_cannot_wait_for():
    fake = FakeTime()
    limiter = RateLimiter(1, clock=fake, sleep=fake.sleep)
    assert limiter.acquire()
    assert not limiter.acquire(max_wait=0.5)
    assert limiter.acquire(max_wait=1.0)
    assert fake.sleeps == [1.0]


def test_rate_limiter_is_thread_safe():
    waits: list[float] = []
    limiter = RateLimiter(10, clock=FakeTime(), sleep=waits.append)  # the clock stands still
    threads = [threading.Thread(target=limiter.acquire) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Twenty callers at one instant: the first goes at once, each other gets its own later turn.
    assert sorted(waits) == pytest.approx([0.1 * n for n in range(1, 20)])


def test_retry_after_as_seconds_or_date():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") == float("inf")
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_metadata_fill_keeps_the_first_answer():
    ol = BookMetadata(isbn=FOX.isbn13, source="openlibrary", title="A", summary=None)
    google = BookMetadata(isbn=FOX.isbn13, source="google_books", title="B", summary="S", genre="G")
    filled = ol.filled_from(google)
    assert (filled.title, filled.summary, filled.genre, filled.source) == ("A", "S", "G", "openlibrary")
