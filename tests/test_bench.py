"""fake-catalog fills every store quickly and consistently; the bench's own parts work without a server."""
from __future__ import annotations

import random
from datetime import datetime, timezone

from stdnum import isbn

from library_api.fake import FAKE_PASSWORD
from library_api.fake.catalog import FirstIds, batches


def fake(app, *args: str):
    return app.test_cli_runner().invoke(args=["fake-catalog", *args])


def test_fake_catalog_fills_the_store(app, client):
    result = fake(app, "50", "--seed", "7")
    assert result.exit_code == 0, result.output

    response = client.get("/books?per_page=100")
    books = response.get_json()
    assert response.headers["X-Total-Count"] == "50"
    assert len({book["isbn"] for book in books}) == 50
    assert all(isbn.is_valid(book["isbn"]) and isbn.to_isbn10(book["isbn"]) == book["isbn10"] for book in books)
    assert all(1 <= book["copies"] <= 3 and book["source"] == "manual" for book in books)
    # Books 8, 28 and 48 have a copy out on loan (to reader1, the only user of 50 books).
    assert sum(book["copies"] - book["available_copies"] for book in books) == 3

    first = books[0]
    copies = client.get(f"/books/{first['id']}/copies").get_json()
    assert len(copies) == first["copies"]
    assert all(copy["barcode"] == f"C{copy['id']:08d}" for copy in copies)

    login = client.post("/login", json={"username": "reader1", "password": FAKE_PASSWORD})
    assert login.status_code == 200
    token = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    assert len(client.get("/my-library", headers=token).get_json()) == 5
    assert len(client.get("/users/1/borrowed", headers=token).get_json()) == 3


def test_fake_catalog_refuses_a_catalog_with_books_unless_appending(app, client):
    assert fake(app, "20").exit_code == 0
    refused = fake(app, "20")
    assert refused.exit_code != 0
    assert "--append" in refused.output and len(refused.output.strip().splitlines()) == 1
    assert client.get("/books").headers["X-Total-Count"] == "20"

    assert fake(app, "20", "--append").exit_code == 0
    books = client.get("/books?per_page=100").get_json()
    assert len(books) == 40 and len({book["isbn"] for book in books}) == 40
    login = client.post("/login", json={"username": "reader2", "password": FAKE_PASSWORD})
    assert login.status_code == 200


def test_a_seed_makes_the_same_catalog():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def titles(seed: int) -> list[str]:
        return [book["title"] for batch in batches(30, FirstIds(), rng=random.Random(seed), now=now, batch_size=7)
                for book in batch.books]

    assert titles(3) == titles(3)
    assert titles(3) != titles(4)
