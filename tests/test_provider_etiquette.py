"""The lookup's manners under failure and load: retries, timeouts, redirects, size caps, the rate limit, the cache.

Every test makes real HTTP requests to a local server (never a mock of requests); waits go to a fake sleep.
"""
from __future__ import annotations

import socket
import threading
import time

import pytest
from werkzeug import Response

from library_api.errors import NotFound, UpstreamTimeout, UpstreamUnavailable
from library_api.providers.base import BookMetadata
from library_api.providers.cache import MemoryLookupCache
from library_api.providers.http import parse_retry_after
from library_api.providers.rate import RateLimiter
from tests.metadata_server import FOX, UNKNOWN_ISBN13
from tests.provider_support import MIB, VOLUMES, FakeTime, make_lookup, paths, wait_until_logged
from tests.provider_support import fake_time, server, site  # noqa: F401  (fixtures)

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


def test_the_rate_from_the_settings_waits_with_the_injected_sleep(server, fake_time):
    make_lookup(server, fake_time, clock=fake_time, OPENLIBRARY_RPS=3).lookup(FOX.isbn13)
    assert fake_time.sleeps == pytest.approx([1 / 3] * 3)


def _requests(limiter: RateLimiter, count: int, **kwargs) -> list[bool]:
    """Make `count` requests one after another through the limiter, each answered at once."""
    turns = []
    for _ in range(count):
        turns.append(limiter.acquire(**kwargs))
        if turns[-1]:
            limiter.done()
    return turns


def test_rate_limiter_spaces_calls_and_keeps_no_credit():
    fake = FakeTime()
    limiter = RateLimiter(3, clock=fake, sleep=fake.sleep)
    assert _requests(limiter, 4) == [True] * 4
    assert fake.sleeps == pytest.approx([1 / 3] * 3)
    fake.now += 10  # an idle spell does not buy a burst
    assert _requests(limiter, 2) == [True] * 2
    assert fake.sleeps[3:] == pytest.approx([1 / 3])


def test_rate_limiter_takes_no_turn_it_cannot_wait_for():
    fake = FakeTime()
    limiter = RateLimiter(1, clock=fake, sleep=fake.sleep)
    assert _requests(limiter, 1) == [True]
    assert _requests(limiter, 1, max_wait=0.5) == [False]
    assert _requests(limiter, 1, max_wait=1.0) == [True]
    assert fake.sleeps == [1.0]


def test_a_slow_answer_keeps_its_request_in_the_window():
    """Three requests a second, each arriving just before its answer: a request that reached the site late
    (its answer took 0.9 s) still counts until a second after its answer, so a fourth cannot land with it."""
    fake = FakeTime()
    limiter = RateLimiter(3, clock=fake, sleep=fake.sleep)
    start = fake.now
    assert limiter.acquire()
    fake.now += 0.9  # the first answer takes 0.9 s: its request may have arrived only now
    limiter.done()
    assert _requests(limiter, 2) == [True] * 2  # spaced a third of a second, as usual
    assert limiter.acquire()  # the fourth waits for a second after the first answer, not after its turn
    limiter.done()
    assert fake.now - start == pytest.approx(1.9)


def test_a_request_waits_while_every_turn_of_the_window_is_out():
    fake = FakeTime()
    limiter = RateLimiter(2, clock=fake, sleep=fake.sleep)
    assert limiter.acquire() and limiter.acquire()  # two requests out, their answers not back
    assert not limiter.acquire(max_wait=0.05)  # no turn while both are out (waited for in real time)
    answered = threading.Timer(0.05, limiter.done)  # an answer comes back, from another thread
    answered.start()
    assert limiter.acquire(max_wait=5)
    answered.join()
    # The third turn comes a window (a second, for two a second) after that answer.
    assert fake.sleeps == pytest.approx([0.5, 1.0])


def test_rate_limiter_is_thread_safe():
    waits: list[float] = []
    limiter = RateLimiter(10, clock=FakeTime(), sleep=waits.append)  # the clock stands still

    def request():
        limiter.acquire()
        limiter.done()

    threads = [threading.Thread(target=request) for _ in range(20)]
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
