"""The stores keep their promises: nothing persists without commit, and migrations match the models."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from library_api.domain import Book
from library_api.store.sql.models import described_here
from library_api.extensions import db
from library_api.web import uow


def new_book(title: str, **fields) -> Book:
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return Book(title=title, author="A", created_at=now, updated_at=now, **fields)


def count_books(app) -> str:
    with app.app_context():
        return app.test_client().get("/books").headers["X-Total-Count"]


def test_uow_keeps_nothing_without_commit(app):
    with app.app_context():
        with uow() as work:
            work.books.add(new_book("Uncommitted"))
    assert count_books(app) == "0"


def test_uow_rolls_back_on_error(app):
    with app.app_context(), pytest.raises(RuntimeError):
        with uow() as work:
            work.books.add(new_book("Doomed"))
            raise RuntimeError("half-way")
    assert count_books(app) == "0"


def test_uow_keeps_what_it_commits(app):
    with app.app_context():
        with uow() as work:
            work.books.add(new_book("Kept", isbn="9780140328721"))
            work.commit()
        with uow() as work:
            assert work.books.get_by_isbn("9780140328721").title == "Kept"


def test_a_request_failing_half_way_stores_nothing(member_client):
    client = member_client
    first = client.post("/books", json={"title": "One", "author": "A", "isbn": "978-0-14-032872-1"}).get_json()
    second = client.post("/books", json={"title": "Two", "author": "B", "isbn": "9780060273224"}).get_json()

    # Changing the second book's ISBN to the first's fails after the store has begun to change it.
    response = client.patch(f"/books/{second['id']}", json={"isbn": "0140328726", "title": "Changed"})

    assert response.status_code == 409
    assert response.get_json()["error"]["details"] == {"book_id": first["id"]}
    assert client.get(f"/books/{second['id']}").get_json() == second
    # The second book still owns its ISBN: a third book cannot take it.
    again = client.post("/books", json={"title": "Three", "author": "C", "isbn": "0-06-027322-4"})
    assert again.status_code == 409 and again.get_json()["error"]["details"] == {"book_id": second["id"]}


def test_deleting_a_book_frees_its_isbn(member_client):
    client = member_client
    book = client.post("/books", json={"title": "One", "author": "A", "isbn": "9780140328721"}).get_json()
    assert client.delete(f"/books/{book['id']}").status_code == 204
    assert client.post("/books", json={"title": "One", "author": "A", "isbn": "9780140328721"}).status_code == 201


# SQLite cannot reflect the expression indexes (a warning says so); PostgreSQL checks them.
@pytest.mark.filterwarnings("ignore:.*expression-based index")
@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": described_here})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_racing_adds_of_one_isbn_have_exactly_one_winner(app, member_client):
    """Eight requests at once for one ISBN (in its several forms): one book, seven 409s naming it."""
    token = member_client.environ_base["HTTP_AUTHORIZATION"]
    forms = ["9780140328721", "0140328726", "978-0-14-032872-1", "0-14-032872-6"] * 2
    start = threading.Barrier(len(forms))

    def add(isbn: str):
        client = app.test_client()
        start.wait()
        return client.post("/books", json={"isbn": isbn}, headers={"Authorization": token})

    with ThreadPoolExecutor(len(forms)) as pool:
        answers = list(pool.map(add, forms))

    created = [a.get_json() for a in answers if a.status_code == 201]
    assert len(created) == 1, [a.status_code for a in answers]
    assert sorted(a.status_code for a in answers) == [201] + [409] * 7
    assert {a.get_json()["error"]["details"]["book_id"] for a in answers if a.status_code == 409} == \
        {created[0]["id"]}
    assert member_client.get("/books").headers["X-Total-Count"] == "1"


def test_upgrading_keeps_every_row_and_fills_the_folded_keys(tmp_path, settings, store):
    """0003 rebuilds SQLite's tables (AUTOINCREMENT): favorites and shelves pointing at them must survive."""
    if store != "sqlite":
        pytest.skip("one SQLite database of its own is enough")
    from flask_migrate import upgrade

    from library_api import create_app

    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrating = create_app({**settings, "DATABASE_URL": url, "SERVING": False})
    with migrating.app_context():
        upgrade(revision="0002")
        for statement in (
            "INSERT INTO books (id, title, author, source, available, created_at, updated_at, isbn) VALUES "
            "(1, 'Les Misérables', 'Victor HUGO', 'manual', 1, '2026-01-01', '2026-01-01', '')",
            "INSERT INTO users (id, username, email, is_admin, is_active, created_at) VALUES "
            "(1, 'Émile', 'Émile@Example.org', 0, 1, '2026-01-01')",
            "INSERT INTO favorites (user_id, book_id, created_at) VALUES (1, 1, '2026-01-01')",
        ):
            db.session.execute(sqlalchemy.text(statement))
        db.session.commit()
        upgrade()
        rows = db.session.execute(sqlalchemy.text(
            "SELECT b.title_key, b.author_key, b.isbn, u.username_key, u.email_key, length(u.token_stamp) "
            "FROM favorites f JOIN books b ON b.id = f.book_id JOIN users u ON u.id = f.user_id")).all()
        counted = db.session.execute(sqlalchemy.text("SELECT books FROM book_count")).scalar_one()
        db.session.remove()
        db.engine.dispose()
    assert rows == [("les misérables", "victor hugo", None, "émile", "émile@example.org", 32)]
    assert counted == 1  # 0008 counts the books already there
