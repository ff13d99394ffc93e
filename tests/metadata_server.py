"""Serve the recorded Open Library and Google Books answers from a local pytest-httpserver, as the real sites do.

The bodies are real responses, read from the recorded fixtures in tests/fixtures (see their SOURCES.md); only
the 979 volume is made here, because no real answer for a 979 ISBN was found. Open Library is served at the
server's root, Google Books under /books/v1, so one server stands in for both.
"""
from __future__ import annotations

import copy
import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from stdnum import isbn
from werkzeug import Request, Response

# Kept in the repository, so that a fresh clone runs its tests with nothing beside it.
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOOGLE_BOOKS_PREFIX = "/books/v1"
COVERS_PREFIX = "/covers"


@dataclass(frozen=True)
class RecordedBook:
    """A book the local server knows, with what a lookup of it answers."""

    isbn13: str
    isbn10: str | None
    title: str
    author: str | None  # None: no provider record names the author
    publication_year: int
    source: str
    cover_id: int | None = None  # Open Library cover id, if the answer has one


# Open Library only: edition → work → author. Google Books answers "unknown" for these.
FOX = RecordedBook("9780140328721", "0140328726", "Fantastic Mr. Fox", "Roald Dahl", 1988, "openlibrary", 8739161)
# The edition has its own {"type", "value"} description, no cover (its work's is used), and an author
# (OL382982A, Garth Nix) whose record was not recorded: the server answers 404, so the author stays empty.
SABRIEL = RecordedBook("9780060273224", "0060273224", "Sabriel", None, 1996, "openlibrary", 6796986)
# Its work (OL27172905W) and author (OL10183984A) were not recorded (404): no cover anywhere, no author.
STARS = RecordedBook("9781943899159", "1943899150", "The Stars with You", None, 2022, "openlibrary")
# Google Books only (Open Library answers 404).
EVERYTHING = RecordedBook("9781761186769", "1761186760", "Everything is Beautiful and Everything Hurts",
                          "Josie Shapiro", 2023, "google_books")
UCHU = RecordedBook("9784815602666", "4815602662", "宇宙の話をしよう", "小野雅裕", 2020, "google_books")
CRAGSIDE = RecordedBook("9781521748831", "1521748837", "Cragside", "L. J. Ross", 2017, "google_books")
# Made here (see _google_979_answer); a valid ISBN-13 whose check digit stdnum verifies.
GOOGLE_979 = RecordedBook("9798999999993", None, "A Volume Only Google Books Knows (test record)",
                          "Test Author", 2021, "google_books")
# Valid, and known to nobody: Google Books answered {"totalItems": 0} for it live (googlebooks/SOURCES.md).
UNKNOWN_ISBN13 = "9789999999991"

RECORDED_BOOKS = (FOX, SABRIEL, STARS, EVERYTHING, UCHU, CRAGSIDE, GOOGLE_979)

# /isbn/<either form>.json → the edition's key, as the real site's 302 does.
_EDITION_KEYS = {"9780140328721": "OL7353617M", "0140328726": "OL7353617M",
                 "9780060273224": "OL22951843M", "0060273224": "OL22951843M",
                 "9781943899159": "OL36884359M"}
_OPENLIBRARY_RECORDS = {
    "/books/OL7353617M.json": "edition_9780140328721.json",
    "/books/OL22951843M.json": "edition_0060273224.json",
    "/books/OL36884359M.json": "edition_9781943899159.json",
    "/works/OL45804W.json": "work_OL45804W.json",
    "/works/OL15832982W.json": "work_OL15832982W.json",
    "/works/OL3616800W.json": "work_OL3616800W.json",
    "/authors/OL34184A.json": "author_OL34184A.json",
    "/authors/OL23919A.json": "author_OL23919A.json",
    "/authors/OL10219261A.json": "author_OL10219261A_redirect.json",  # a redirect record to OL3894951A
}
_GOOGLE_VOLUMES = {book.isbn13: f"volumes_isbn_{book.isbn13}.json" for book in (EVERYTHING, UCHU, CRAGSIDE)}
_OPENLIBRARY_PATH = re.compile(r"/(?:isbn|books|works|authors)/[^/]+")


def install_recorded_providers(httpserver: HTTPServer) -> dict[str, Any]:
    """Serve the recorded answers and return the settings that point the app at them.

    Handlers registered before this call win over the recorded ones; after it, only oneshot and ordered
    handlers do (pytest-httpserver tries those first, then permanent handlers in the order they were added).
    """
    for isbn, key in _EDITION_KEYS.items():
        httpserver.expect_request(f"/isbn/{isbn}.json").respond_with_data(
            "", status=302, headers={"Location": httpserver.url_for(f"/books/{key}.json")})
    for path, name in _OPENLIBRARY_RECORDS.items():
        httpserver.expect_request(path).respond_with_data(load_bytes("openlibrary", name),
                                                          content_type="application/json")
    for isbn, name in _GOOGLE_VOLUMES.items():
        _expect_volumes(httpserver, isbn).respond_with_data(load_bytes("googlebooks", name),
                                                            content_type="application/json")
    _expect_volumes(httpserver, GOOGLE_979.isbn13).respond_with_json(_google_979_answer())
    httpserver.expect_request(f"{GOOGLE_BOOKS_PREFIX}/volumes").respond_with_data(
        load_bytes("googlebooks", "volumes_isbn_not_found.json"), content_type="application/json")
    httpserver.books_api = BooksApi()  # tests reach it through books_api(httpserver)
    httpserver.expect_request("/api/books").respond_with_handler(httpserver.books_api)
    httpserver.expect_request(_OPENLIBRARY_PATH).respond_with_handler(_openlibrary_not_found)
    return {
        "OPENLIBRARY_URL": httpserver.url_for("/").rstrip("/"),
        "OPENLIBRARY_COVERS_URL": httpserver.url_for(COVERS_PREFIX),
        "GOOGLE_BOOKS_URL": httpserver.url_for(GOOGLE_BOOKS_PREFIX),
        "METADATA_TIMEOUT": 2.0,
        "METADATA_CONTACT": "library-api-tests@example.invalid",
        # The real 3 per second would make every looked-up book cost about a second.
        "OPENLIBRARY_RPS": 1000.0,
    }


def load_json(site: str, name: str) -> Any:
    """A fixture, parsed: `site` is "openlibrary" or "googlebooks"."""
    return json.loads(load_bytes(site, name))


def load_bytes(site: str, name: str) -> bytes:
    """A fixture's bytes, as recorded."""
    return (FIXTURES / site / name).read_bytes()


def _expect_volumes(httpserver: HTTPServer, isbn13: str):
    return httpserver.expect_request(f"{GOOGLE_BOOKS_PREFIX}/volumes", query_string={"q": f"isbn:{isbn13}"})


def _openlibrary_not_found(request: Request) -> Response:
    """Open Library's 404s: an HTML page for /isbn/, infogami's JSON for records (not verified live)."""
    if request.path.startswith("/isbn/"):
        return Response("<html><body>Page not found</body></html>", status=404, content_type="text/html")
    body = {"error": "notfound", "key": request.path.removesuffix(".json")}
    return Response(json.dumps(body), status=404, content_type="application/json")


def _google_979_answer() -> dict[str, Any]:
    """A Google Books answer for GOOGLE_979, made here from a real answer's shape.

    No real answer to `q=isbn:979…` was found (googlebooks/SOURCES.md), so the recorded answer for
    EVERYTHING is copied and its volume's identity replaced; links naming the other book are dropped.
    """
    answer = copy.deepcopy(load_json("googlebooks", _GOOGLE_VOLUMES[EVERYTHING.isbn13]))
    item = answer["items"][0]
    item.update(id="test979volume", etag="test979", selfLink=None)
    info = item["volumeInfo"]
    for key in ("imageLinks", "previewLink", "infoLink", "canonicalVolumeLink"):
        info.pop(key, None)
    info.update(title=GOOGLE_979.title, authors=[GOOGLE_979.author], publisher="Test Press",
                publishedDate="2021-03", description="A record made for tests; no real 979 answer was recorded.",
                industryIdentifiers=[{"type": "ISBN_13", "identifier": GOOGLE_979.isbn13}],
                pageCount=120, categories=["Fiction"])
    item.pop("searchInfo", None)
    return answer


# /api/books?jscmd=data: the recorded answers, keyed by their ISBN-13.
_API_BOOKS = {"9780385472579": ("api_books_data_ISBN_0385472579.json", "ISBN:0385472579"),
              "9780316030571": ("api_books_data_ISBN_9780316030571.json", "ISBN:9780316030571"),
              "9782070427796": ("api_books_data_ISBN_9782070427796.json", "ISBN:9782070427796"),
              "9780439064873": ("api_books_data_multi_bibkeys.json", "ISBN:0439064872")}


def data_record(isbn13: str, title: str, author: str | None, cover_id: int | None, year: int) -> dict[str, Any]:
    """A jscmd=data record made in the shape of the recorded Zen Speaks one, for a book the test names."""
    record = copy.deepcopy(load_json("openlibrary", _API_BOOKS["9780385472579"][0])["ISBN:0385472579"])
    record.update(title=title, publish_date=str(year), identifiers={"isbn_13": [isbn13]},
                  key=f"/books/OL{isbn13[-7:]}M", url=f"https://openlibrary.org/books/OL{isbn13[-7:]}M")
    for unknown in ("subtitle", "publishers", "publish_places", "number_of_pages", "pagination", "subjects",
                    "classifications", "links", "ebooks", "notes", "excerpts"):
        record.pop(unknown, None)  # Zen Speaks' own details; the made book has none of them
    record["authors"] = [{"url": "https://openlibrary.org/authors/OL1A", "name": author}] if author else []
    if cover_id:
        record["cover"] = {size: f"https://covers.openlibrary.org/b/id/{cover_id}-{letter}.jpg"
                           for size, letter in (("small", "S"), ("medium", "M"), ("large", "L"))}
    else:
        record.pop("cover", None)
    return record


@dataclass
class BooksApi:
    """The stand-in's /api/books?bibkeys=ISBN:…,ISBN:…&jscmd=data&format=json.

    Real recorded records for the recorded ISBNs, records made in their shape for the recorded books only the
    edition API had (Fox, Sabriel, Stars) and for whatever a test adds; `{}` entries are simply left out, as
    the real site does for an ISBN it does not know. `delay` is spent on each request, `failing` requests
    are answered 503 first, and `log` keeps (arrival time.monotonic(), bibkeys asked) for each request.
    """

    delay: float = 0.0
    failing: int = 0
    records: dict[str, dict] = field(default_factory=dict)
    log: list[tuple[float, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for isbn13, (name, key) in _API_BOOKS.items():
            self.records[isbn13] = load_json("openlibrary", name)[key]
        for book in (FOX, SABRIEL, STARS):
            self.records[book.isbn13] = data_record(book.isbn13, book.title, book.author, book.cover_id,
                                                    book.publication_year)

    def __call__(self, request: Request) -> Response:
        keys = [key for key in request.args.get("bibkeys", "").split(",") if key]
        with self.lock:
            self.log.append((time.monotonic(), len(keys)))
            failing, self.failing = self.failing > 0, max(0, self.failing - 1)
        if self.delay:
            time.sleep(self.delay)
        if failing:
            return Response("unavailable", status=503)
        answer = {key: self.records[_isbn13(key)] for key in keys if _isbn13(key) in self.records}
        return Response(json.dumps(answer), content_type="application/json")


def _isbn13(bibkey: str) -> str | None:
    kind, _, value = bibkey.partition(":")
    return isbn.to_isbn13(value) if kind == "ISBN" and isbn.is_valid(value) else None


def books_api(httpserver: HTTPServer) -> BooksApi:
    """The BooksApi the recorded providers on this server answer with."""
    return httpserver.books_api
