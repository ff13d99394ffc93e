"""1,000 ISBNs against a stand-in Open Library that takes 200 ms a request, at the real 3 requests a second.

Every book is saved with title, author and cover within 5 s, because one /api/books request answers 100
ISBNs; the stand-in never sees more than 3 Open Library requests in any second, the fill-behind's included.
"""
from __future__ import annotations

import re
import threading
import time

import pytest
from pytest_httpserver import HTTPServer
from stdnum import ean
from werkzeug import Response

from tests.import_support import wait_for
from tests.metadata_server import books_api, data_record, install_recorded_providers

COUNT = 1000
RPS = 3


def generated_isbns(count: int) -> list[str]:
    """Valid ISBN-13s that no recorded answer knows (979-10 is France's; these numbers are made up)."""
    return [f"97910{n:07d}" + ean.calc_check_digit(f"97910{n:07d}") for n in range(count)]


def peak_per_second(times: list[float]) -> int:
    """The most requests that arrived within any one-second window."""
    times = sorted(times)
    return max((sum(1 for later in times[i:] if later < start + 1.0) for i, start in enumerate(times)), default=0)


@pytest.fixture
def slow_site():
    """A threaded stand-in (the fill-behind's requests may overlap a batch's) logging every Open Library
    request's arrival; /api/books takes 200 ms."""
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    arrivals: list[float] = []
    lock = threading.Lock()

    def logged_not_found(request):
        with lock:
            arrivals.append(time.monotonic())
        return Response('{"error": "notfound"}', status=404, content_type="application/json")

    # The fill-behind's single lookups of the made-up ISBNs: the edition API does not know them.
    server.expect_request(re.compile(r"^/(isbn/|books/OL|works/|authors/)")).respond_with_handler(logged_not_found)
    install_recorded_providers(server)
    api = books_api(server)
    api.delay = 0.2
    for number, isbn in enumerate(generated_isbns(COUNT)):
        api.records[isbn] = data_record(isbn, f"Generated Book {number}", f"Author {number % 97}", 100000 + number,
                                        2000 + number % 25)
    yield server, arrivals
    server.clear()
    server.stop()


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_a_thousand_isbns_are_saved_in_under_five_seconds_at_three_requests_a_second(store, settings, slow_site,
                                                                                       request):
    server, arrivals = slow_site
    base = server.url_for("").rstrip("/")
    # Real time for the limiter (the process-wide one of this host), and the real rate.
    settings.update(OPENLIBRARY_URL=base, OPENLIBRARY_COVERS_URL=base + "/covers", GOOGLE_BOOKS_URL=base + "/books/v1",
                    OPENLIBRARY_RPS=float(RPS), METADATA_TIMEOUT=2.0, SLEEP=time.sleep)
    app = request.getfixturevalue("app")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + _member_token(client)

    started = time.monotonic()
    location = client.post("/imports", json={"isbns": generated_isbns(COUNT)}).headers["Location"]
    # Polled as a page watching progress would: the counts, ten times a second.
    job = wait_for(client, location, until=lambda job: job["done"] == COUNT, timeout=30, per_page=1, interval=0.1)
    elapsed = time.monotonic() - started
    time.sleep(1.5)  # the fill-behind has started: its requests count against the rate too
    app.extensions["library.imports"].stop()

    assert job["counts"] == {"created": COUNT}
    books = [book for page in (1, 2) for book in client.get(f"/books?per_page=500&page={page}").get_json()]
    assert len(books) == COUNT
    assert all(book["title"] and book["author"] and book["cover_url"] for book in books)
    batches = [keys for _, keys in books_api(server).log]
    times = [at for at, _ in books_api(server).log] + arrivals
    peak = peak_per_second(times)
    print(f"\n{store}: {COUNT} ISBNs saved in {elapsed:.2f} s; /api/books requests {len(batches)} "
          f"({batches}); fill-behind requests {len(arrivals)}; peak {peak} Open Library requests in 1 s")
    assert elapsed < 5.0
    assert batches == [100] * 10 and arrivals  # batched, and the fill-behind had begun
    assert peak <= RPS


def _member_token(client) -> str:
    from tests.conftest import sign_in, sign_up

    sign_up(client, "intern")
    return sign_in(client, "intern")
