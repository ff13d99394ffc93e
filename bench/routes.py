"""What the bench asks the server, and the few calls that prepare those requests (a token, a cursor)."""
from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

import requests

from library_api.fake import FAKE_PASSWORD
from library_api.fake.catalog import ON_LOAN_EVERY, isbn13_for

from .standin import ISBN
from .wrk import Route

BASELINE = "GET /health"
PAGE_ONE = "GET /books"
CURSOR = "GET /books?after= (deep)"
ISBN_CACHED = "GET /isbn/<isbn> (cached)"
LOGIN, BORROW_RETURN = "POST /login", "POST /borrow + /return"
AUTH, ANON = "GET /users/1/borrowed (token)", "GET /users/1/borrowed (none)"
BENCH_USER_PASSWORD = "a long benchmark passphrase"
# The deep pages: page=DEEP_PAGE by offset, and by cursor the page after DEEP_PAGE (or after the last but
# one of a smaller catalog), from the cursor of that page's next link.
DEEP_PAGE = 200
PER_PAGE = 50
# Generated book i (from 0) is book id i + 1; those with i % 20 == 0 are never lent by fake-catalog.
FREE_BOOK_STEP = ON_LOAN_EVERY


def _get(base: str, path: str, **kwargs) -> requests.Response:
    response = requests.get(base + path, timeout=120, **kwargs)
    response.raise_for_status()
    return response


def deep_cursor_path(base: str, size: int) -> str | None:
    """The path of a deep page by the cursor of the next link of the page before it (None: no cursor)."""
    before = max(1, min(DEEP_PAGE, size // PER_PAGE - 1))
    link = _get(base, f"/books?page={before}").links.get("next")
    if link is None or "after=" not in link["url"]:
        return None
    parts = urlsplit(link["url"])
    return f"{parts.path}?{parts.query}"


def sign_in(base: str, username: str, password: str) -> str:
    response = requests.post(f"{base}/login", json={"username": username, "password": password}, timeout=30)
    response.raise_for_status()
    return response.json()["access_token"]


def bench_user(base: str) -> int:
    """A member of the bench's own who borrows and returns (fake readers have loans already)."""
    response = requests.post(f"{base}/register", json={"username": "bench", "password": BENCH_USER_PASSWORD},
                             timeout=30)
    response.raise_for_status()
    return response.json()["id"]


def plan(base: str, size: int, connections: int) -> list[Route]:
    """Every route of the bench, the baseline first and the writes last; prepares tokens and cursors."""
    reader_token = sign_in(base, "reader1", FAKE_PASSWORD)
    cursor = deep_cursor_path(base, size)
    free_books = [1 + step * FREE_BOOK_STEP for step in range(max(1, min(connections, size // FREE_BOOK_STEP)))]
    middle = max(1, size // 2)
    routes = [
        Route(BASELINE, "/health"),
        Route("GET /books", "/books"),
        Route(CURSOR, cursor, note="" if cursor else "no cursor paging yet"),
        Route(f"GET /books?page={DEEP_PAGE}", f"/books?page={DEEP_PAGE}"),
        Route("GET /books?author=müller", "/books?author=" + quote("müller")),
        Route("GET /books?title=lighthouse", "/books?title=lighthouse"),
        Route("GET /books?genre=fantasy", "/books?genre=fantasy"),
        Route("GET /books?q=tower", "/books?q=tower"),
        Route("GET /books?isbn=", f"/books?isbn={isbn13_for(middle)}"),
        Route("GET /books?available=true", "/books?available=true"),
    ]
    routes += [Route(f"GET /books?sort={key}", f"/books?sort={key}")
               for key in ("title", "-title", "author", "publication_year", "created_at")]
    routes += [
        Route("GET /books/<id>", f"/books/{middle}"),
        Route(ISBN_CACHED, f"/isbn/{ISBN}"),
        Route("GET /my-library (token)", "/my-library", "header.lua", {"BENCH_TOKEN": reader_token}),
        Route(AUTH, "/users/1/borrowed", "header.lua", {"BENCH_TOKEN": reader_token}),
        Route(ANON, "/users/1/borrowed"),
        Route(LOGIN, "/login", "login.lua",
              {"BENCH_BODY": json.dumps({"username": "reader1", "password": FAKE_PASSWORD})}),
        Route(BORROW_RETURN, "/borrow", "borrow_return.lua",
              {"BENCH_USER": bench_user(base), "BENCH_BOOKS": "{" + ", ".join(map(str, free_books)) + "}"},
              one_connection_per_thread=True, sliced=False),
    ]
    return routes
