"""The catalog at any size: cursors that follow every order (nulls last, ties by id) on every store,
stay stable while books come and go, and counts that stop at COUNT_LIMIT."""
from __future__ import annotations

import pytest
import sqlalchemy

from library_api import domain
from library_api.extensions import db
from tests.test_books import parse_links, titles

SORTS = ["title", "-title", "author", "-author", "publication_year", "-publication_year", "created_at",
         "-created_at"]
BOOKS = [("Dune", "Frank Herbert", 1965), ("émile", "Rousseau", None), ("Emma", None, 1815),
         ("Zed", "Zoë", 2000), ("abc", "Élodie", None), ("Dune", "Another", 1965), ("Mid", None, None)]


@pytest.fixture
def catalog(member_client, clock):
    for title, author, year in BOOKS:
        body = {"title": title, "author": author or "x", "publication_year": year}
        book = member_client.post("/books", json=body).get_json()
        if author is None:
            member_client.patch(f"/books/{book['id']}", json={"author": None})
        clock.advance(seconds=1 if title != "Dune" else 0)  # the two Dunes tie on created_at too
    return member_client


def follow(client, url: str) -> list[str]:
    """Every title, following next links from `url`."""
    seen = []
    while url:
        response = client.get(url)
        seen += titles(response)
        url = parse_links(response.headers["Link"]).get("next")
    return seen


@pytest.mark.parametrize("sort", SORTS)
def test_following_next_links_gives_the_whole_order(catalog, sort):
    whole = titles(catalog.get(f"/books?per_page=500&sort={sort}"))
    assert len(whole) == len(BOOKS)
    for per_page in (1, 2, 3):
        assert follow(catalog, f"/books?per_page={per_page}&sort={sort}") == whole, per_page


def test_a_filtered_order_follows_too(catalog):
    whole = titles(catalog.get("/books?q=e&sort=-author"))
    assert follow(catalog, "/books?q=e&sort=-author&per_page=2") == whole and len(whole) >= 4


def test_a_cursor_is_stable_while_books_come_and_go(catalog):
    first = catalog.get("/books?per_page=3&sort=title")
    before = titles(first)
    next_url = parse_links(first.headers["Link"])["next"]
    rest_before = follow(catalog, next_url)

    catalog.post("/books", json={"title": "AAA first", "author": "New"})  # lands before the cursor
    catalog.post("/books", json={"title": "zzz", "author": "New"})        # lands after it
    gone = catalog.get("/books?title=mid").get_json()[0]["id"]
    assert catalog.delete(f"/books/{gone}").status_code == 204              # and one after it goes

    now_whole = titles(catalog.get("/books?per_page=500&sort=title"))
    assert now_whole[:len(before) + 1] == ["AAA first"] + before
    assert follow(catalog, next_url) == now_whole[len(before) + 1:]
    assert set(rest_before) - set(now_whole) == {"Mid"} and "zzz" in follow(catalog, next_url)


def test_a_cursor_for_another_order_or_with_a_page_is_422(catalog):
    next_url = parse_links(catalog.get("/books?per_page=2&sort=title").headers["Link"])["next"]
    cursor = next_url.split("after=")[1]
    other = catalog.get(f"/books?after={cursor}&sort=author")
    both = catalog.get(f"/books?after={cursor}&sort=title&page=2")
    forged = catalog.get("/books?after=WyJ0aXRsZSIsW10sMV0")  # ["title",[],1]
    for response in (other, both, forged):
        assert response.status_code == 422 and "after" in response.get_json()["error"]["details"]


def test_counts_stop_at_the_limit(catalog, monkeypatch):
    monkeypatch.setattr(domain, "COUNT_LIMIT", len(BOOKS))
    counted = catalog.get("/books?per_page=2")
    assert counted.headers["X-Total-Count"] == str(len(BOOKS)) and "last" in parse_links(counted.headers["Link"])

    monkeypatch.setattr(domain, "COUNT_LIMIT", len(BOOKS) - 1)
    uncounted = catalog.get("/books?per_page=2")
    assert "X-Total-Count" not in uncounted.headers
    links = parse_links(uncounted.headers["Link"])
    assert "last" not in links and "next" in links and "first" in links
    assert catalog.get("/books?per_page=2&q=zz").headers["X-Total-Count"] == "0"


def test_the_total_follows_books_however_they_come_and_go(catalog, app, store):
    # The SQL stores read an unfiltered list's total from a count their triggers keep (migration 0008).
    def total() -> int:
        return int(catalog.get("/books?per_page=1").headers["X-Total-Count"])

    assert total() == len(BOOKS)
    added = catalog.post("/books", json={"title": "One more", "author": "x"}).get_json()
    assert total() == len(BOOKS) + 1
    assert catalog.delete(f"/books/{added['id']}").status_code == 204
    assert total() == len(BOOKS)
    if store == "memory":
        return
    with app.app_context():  # what a database administrator might do behind the API's back
        db.session.execute(sqlalchemy.text("DELETE FROM books WHERE title = 'Zed'"))
        db.session.commit()
    assert total() == len(BOOKS) - 1 == len(titles(catalog.get("/books?per_page=500")))
    if store == "postgres":
        with app.app_context():
            db.session.execute(sqlalchemy.text("TRUNCATE books CASCADE"))
            db.session.commit()
        assert total() == 0


def test_short_and_long_needles_find_the_same_as_a_scan(catalog):
    for needle, expected in (("e", {"Dune", "émile", "Emma", "Zed", "abc"}), ("mi", {"émile", "Mid"}),
                             ("mil", {"émile"}), ("ÉMIL", {"émile"}), ("élod", {"abc"}), ("*", set()),
                             ("%", set()), ("_", set()), ("[", set())):
        found = set(titles(catalog.get(f"/books?q={needle}&per_page=500")))
        assert found == expected, needle


@pytest.mark.parametrize("sort", ["title", "-author", "created_at", "-publication_year"])
def test_a_search_pages_alike_whether_its_matches_are_few_or_many(catalog, monkeypatch, sort):
    # The SQL store sorts a needle's matches while they are few next to the catalog, and walks the sort's
    # index testing each book while they are many (or past COUNT_LIMIT); every page must agree.
    for n, year in enumerate((1999, None, 1999, 2010, None, 1850)):
        catalog.post("/books", json={"title": f"The Lighthouse {n % 3}", "author": f"Keeper {n % 2}",
                                     "publication_year": year})
    url = f"/books?q=lightHOUSE&sort={sort}"
    whole = titles(catalog.get(f"{url}&per_page=500"))  # six matches of thirteen: few next to 501 × 13
    assert len(whole) == 6
    assert follow(catalog, f"{url}&per_page=1") == whole  # 6² ≥ 2 × 13: many
    monkeypatch.setattr(domain, "COUNT_LIMIT", 2)
    assert follow(catalog, f"{url}&per_page=2") == whole
    assert follow(catalog, f"/books?q=keeper&title=house&sort={sort}&per_page=4") == whole
