"""The lookup bulkhead (SPEC.md, Service): a slow provider ties up LOOKUP_CONCURRENCY lookups, not the service."""
from __future__ import annotations

import re
import threading
import time

import pytest
from pytest_httpserver import HTTPServer
from stdnum import ean
from werkzeug import Request, Response

from library_api import create_app
from tests.test_service import error_of

pytestmark = pytest.mark.parametrize("store", ["memory"])  # the bulkhead does not depend on the store

SLOTS = 2


def _isbn(n: int) -> str:
    """A valid ISBN-13 of its own for each n."""
    stem = f"978{n:09d}"
    return stem + ean.calc_check_digit(stem)


class SlowOpenLibrary:
    """A stand-in Open Library, on a threaded server, that holds every request for a "slow" ISBN until released.

    Every other ISBN is answered at once: failing (500) for a "broken" one, else unknown (404).
    """

    def __init__(self, slow: set[str], broken: set[str]) -> None:
        self.slow, self.broken, self.release = slow, broken, threading.Event()
        self.waiting = 0
        self._changed = threading.Condition()
        self.server = HTTPServer(threaded=True)
        self.server.expect_request(re.compile(r"/isbn/.*")).respond_with_handler(self._answer)

    def _answer(self, request: Request) -> Response:
        isbn = request.path.removeprefix("/isbn/").removesuffix(".json")
        if isbn in self.slow:
            with self._changed:
                self.waiting += 1
                self._changed.notify_all()
            self.release.wait(30)
        if isbn in self.broken:
            return Response("{}", status=500, content_type="application/json")
        return Response('{"error": "notfound"}', status=404, content_type="application/json")

    def wait_for(self, count: int, timeout: float = 10) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self.waiting >= count, timeout), self.waiting


@pytest.fixture
def slow_openlibrary():
    slow = SlowOpenLibrary({_isbn(n) for n in range(100, 110)}, {_isbn(n) for n in range(200, 210)})
    slow.server.start()
    yield slow
    slow.release.set()
    slow.server.stop()


@pytest.fixture
def busy_app(settings, slow_openlibrary):
    url = slow_openlibrary.server.url_for("").rstrip("/")
    return create_app({**settings, "OPENLIBRARY_URL": url, "GOOGLE_BOOKS_URL": "", "METADATA_TIMEOUT": 20.0,
                       "LOOKUP_CONCURRENCY": SLOTS, "LIBRARY_WRITE_ACCESS": "open"})


def _in_background(app, path: str) -> tuple[threading.Thread, list]:
    answers: list = []
    thread = threading.Thread(target=lambda: answers.append(app.test_client().get(path)), daemon=True)
    thread.start()
    return thread, answers


def _assert_busy(response, elapsed: float) -> None:
    assert response.status_code == 503, response.get_json()
    assert error_of(response)["code"] == "UPSTREAM_BUSY"
    assert response.get_json()["success"] is False
    assert 1 <= int(response.headers["Retry-After"]) <= 5
    assert elapsed < 1.0, elapsed  # answered at once, never queued behind the slow lookups


def test_one_lookup_more_than_the_slots_is_answered_503_at_once(busy_app, slow_openlibrary):
    client = busy_app.test_client()
    stored = client.post("/books", json={"isbn": _isbn(200), "title": "Dune", "author": "Frank Herbert"})
    assert stored.status_code == 201  # Open Library failed: saved as given, and nothing cached
    assert client.get(f"/isbn/{_isbn(2)}").status_code == 404  # "not found", now cached

    background = [_in_background(busy_app, f"/isbn/{_isbn(100 + n)}") for n in range(SLOTS)]
    slow_openlibrary.wait_for(SLOTS)

    started = time.monotonic()
    _assert_busy(client.get(f"/isbn/{_isbn(3)}"), time.monotonic() - started)
    started = time.monotonic()
    _assert_busy(client.post("/books", json={"isbn": _isbn(4)}), time.monotonic() - started)
    # Busy is not a provider failure: a book with title and author is not saved "as given" meanwhile.
    started = time.monotonic()
    _assert_busy(client.post("/books", json={"isbn": _isbn(5), "title": "Emma", "author": "Jane Austen"}),
                 time.monotonic() - started)
    started = time.monotonic()
    _assert_busy(client.post(f"/books/{stored.get_json()['id']}/refresh"), time.monotonic() - started)

    started = time.monotonic()
    assert client.get("/health").status_code == 200
    assert time.monotonic() - started < 1.0
    assert client.get(f"/isbn/{_isbn(2)}").status_code == 404  # a cache hit takes no slot
    assert client.get("/books").status_code == 200
    assert [book["isbn"] for book in client.get("/books").get_json()] == [_isbn(200)]  # nothing saved while busy

    slow_openlibrary.release.set()
    for thread, answers in background:
        thread.join(30)
        assert [answer.status_code for answer in answers] == [404]
    assert client.get(f"/isbn/{_isbn(3)}").status_code == 404  # the slots are free again


def test_a_failed_lookup_gives_its_slot_back(busy_app):
    client = busy_app.test_client()
    for n in range(SLOTS * 3):
        response = client.get(f"/isbn/{_isbn(200 + n)}")
        assert response.status_code == 502 and error_of(response)["code"] == "UPSTREAM_UNAVAILABLE"


def test_lookup_concurrency_must_be_at_least_one(settings):
    from config import ConfigError

    with pytest.raises(ConfigError, match="LOOKUP_CONCURRENCY"):
        create_app({**settings, "LOOKUP_CONCURRENCY": 0})


@pytest.mark.parametrize("path, method", [("/isbn/{isbn}", "get"), ("/books", "post"),
                                          ("/books/{book_id}/refresh", "post")])
def test_the_lookup_routes_document_503_upstream_busy_with_retry_after(busy_app, path, method):
    spec = busy_app.test_client().get("/openapi.json").get_json()
    busy = spec["paths"][path][method]["responses"]["503"]
    assert busy == {"$ref": "#/components/responses/UpstreamBusy"}
    component = spec["components"]["responses"]["UpstreamBusy"]
    assert component["content"]["application/json"]["example"]["error"]["code"] == "UPSTREAM_BUSY"
    assert "Retry-After" in component["headers"]
