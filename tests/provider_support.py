"""What the provider tests share: a threaded local server, a fake clock, and lookups built on them."""
from __future__ import annotations

import copy
import time
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from config import DEFAULTS
from library_api.providers import build_lookup
from library_api.providers.lookup import MetadataLookup
from tests.metadata_server import (
    EVERYTHING,
    install_recorded_providers,
    load_json,
)

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


class RecordingSleep:
    """The app's sleep in tests: it records each wait and moves the test clock on instead of sleeping."""

    def __init__(self, clock) -> None:
        self.clock = clock
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.clock.advance(seconds=seconds)

    def backoff(self) -> list[float]:
        """The waits of a tenth of a second or more: the client's retry backoff.

        At the tests' 1000 requests a second the rate limiter's turns are milliseconds; and since recorded
        waits do not move its real clock, a few quick requests may each be told to wait a few of them.
        """
        return [delay for delay in self.delays if delay >= 0.1]


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
    """Install the recorded answers (after any handler the test registered) and build a lookup on them.

    No rate limit unless the test sets one, so that the waits a test asserts are the client's own backoff.
    """
    settings = {**DEFAULTS, **install_recorded_providers(server), "METADATA_TIMEOUT": 1.0, "APP_VERSION": "9.9.9",
                "OPENLIBRARY_RPS": 0, "SLEEP": fake_time.sleep, **overrides}
    return build_lookup(settings, cache, limiter=limiter, clock=clock)


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
