"""Both stores tell one truth: letter case folded the same way for every alphabet, empty treated like
null, the same order, UTC times, and units of work that cannot lose writes."""
from __future__ import annotations

import pytest
import sqlalchemy

from library_api import create_app
from library_api.errors import NotFound
from library_api.extensions import db
from library_api.store.base import NestedUnitOfWork
from library_api.web import uow
from tests.conftest import PASSWORD, sign_up


def add(client, **fields):
    response = client.post("/books", json=fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def titles(response):
    assert response.status_code == 200, response.get_json()
    return [book["title"] for book in response.get_json()]


def test_a_non_ascii_email_logs_in_exactly_as_registered(client):
    sign_up(client, "emile", email="Émile@example.org")
    for login in ("Émile@example.org", "émile@example.org", "ÉMILE@EXAMPLE.ORG"):
        response = client.post("/login", json={"username": login, "password": PASSWORD})
        assert response.status_code == 200, login


def test_names_differing_only_in_non_ascii_case_are_one_name(client):
    sign_up(client, "emile", email="Émile@example.org")
    response = client.post("/register", json={"username": "other", "password": PASSWORD,
                                               "email": "émile@example.org"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "EMAIL_TAKEN"


def test_filters_fold_every_alphabet_and_composed_forms(member_client):
    add(member_client, title="Les Misérables", author="Élodie Durand", genre="Roman")
    add(member_client, title="ΟΔΥΣΣΕΙΑ", author="Ὅμηρος")
    add(member_client, title="Straße", author="Anon")

    assert titles(member_client.get("/books?author=élodie")) == ["Les Misérables"]
    assert titles(member_client.get("/books?author=E\u0301LODIE")) == ["Les Misérables"]  # decomposed
    assert titles(member_client.get("/books?q=οδυσσ")) == ["ΟΔΥΣΣΕΙΑ"]
    assert titles(member_client.get("/books?title=STRASSE")) == ["Straße"]
    assert titles(member_client.get("/books?genre=ROMAN")) == ["Les Misérables"]


def test_empty_filters_are_no_filters_and_empty_fields_sort_like_null(member_client):
    add(member_client, title="With genre", author="B", genre="Fiction")
    add(member_client, title="Empty genre", author="A", genre="")
    add(member_client, title="No genre", author="C")

    assert len(member_client.get("/books?genre=&author=").get_json()) == 3
    assert titles(member_client.get("/books?genre=fiction")) == ["With genre"]


def test_sort_is_code_point_order_of_the_folded_title_ties_by_id(member_client):
    for title in ("zebra", "Émile", "apple", "Zebra", "émile", "Äpfel", "ábaco"):
        add(member_client, title=title, author="A")
    ascending = titles(member_client.get("/books?sort=title"))
    assert ascending == ["apple", "zebra", "Zebra", "ábaco", "Äpfel", "Émile", "émile"]
    assert titles(member_client.get("/books?sort=-title")) == [
        "émile", "Émile", "Äpfel", "ábaco", "Zebra", "zebra", "apple"]


def test_times_are_utc_whatever_the_database_session_time_zone(settings, store, member_client):
    if store != "postgres":
        pytest.skip("only PostgreSQL has a session time zone")
    book = add(member_client, title="Dune", author="Frank Herbert")
    app = create_app({**settings, "SQLALCHEMY_ENGINE_OPTIONS": {
        "connect_args": {"options": "-c timezone=America/New_York"}}})
    shown = app.test_client().get(f"/books/{book['id']}").get_json()
    assert shown["created_at"] == book["created_at"] and shown["created_at"].endswith("+00:00")


def test_a_nested_unit_of_work_is_refused_loudly(app):
    with app.app_context(), uow() as outer:
        with pytest.raises(NestedUnitOfWork):
            with uow():
                pass
        assert outer.books.get(1) is None  # the outer one still works


def test_a_unit_of_work_can_be_used_again_after_it_ends(app, member_client):
    book = add(member_client, title="Dune", author="Frank Herbert")
    work = None
    with app.app_context():
        work = uow()
        with work.reading():
            assert work.books.get(book["id"]).title == "Dune"
        with work:
            assert work.books.get(book["id"]).title == "Dune"


def test_a_favorite_racing_a_delete_is_404_not_500(app, member_client, store):
    """The book goes between the service's check and the insert: the foreign key refuses it."""
    if store == "memory":
        pytest.skip("the dict store holds its lock across check and write")
    book = add(member_client, title="Dune", author="Frank Herbert")
    member = member_client.get("/me").get_json()

    with app.app_context():
        db.session.execute(sqlalchemy.text("DELETE FROM books WHERE id = :id"), {"id": book["id"]})
        db.session.commit()
        work = uow()
        with work:
            with pytest.raises(NotFound) as raised:
                work.favorites.add(member["id"], book["id"], None)
    assert raised.value.code == "BOOK_NOT_FOUND"
    assert member_client.get("/favorites").get_json() == []


def test_an_email_that_folds_eighteen_times_longer_still_registers_and_logs_in(client):
    email = "\ufdfa" * 60 + "@example.org"  # U+FDFA folds to 18 characters: a 1,000-character key
    response = client.post("/register", json={"username": "wide", "password": PASSWORD, "email": email})
    assert response.status_code == 201
    assert client.post("/login", json={"username": email, "password": PASSWORD}).status_code == 200


def test_an_empty_isbn_is_no_isbn_on_every_store(member_client):
    """Found by tests/test_differential.py: a second book with isbn "" was a 500 on the SQL stores."""
    first = member_client.post("/books", json={"title": "Dune", "author": "Frank Herbert", "isbn": ""})
    second = member_client.post("/books", json={"title": "Dune", "author": "Frank Herbert", "isbn": ""})
    assert (first.status_code, second.status_code) == (201, 201), second.get_json()
    assert first.get_json()["isbn"] is None and second.get_json()["isbn"] is None


def test_a_deleted_book_takes_its_shelf_entries_with_it(member_client):
    """Found by tests/test_differential.py: on SQLite the start-up schema check opened the pool's first
    connection before the engine was tuned, so it ran without foreign keys and ON DELETE CASCADE."""
    book = add(member_client, title="Dune", author="Frank Herbert")
    assert member_client.post(f"/my-library/{book['id']}", json={"status": "completed", "rating": 1}).status_code == 201
    assert member_client.post(f"/favorites/{book['id']}").status_code == 201
    assert member_client.delete(f"/books/{book['id']}").status_code == 204

    response = member_client.patch(f"/my-library/{book['id']}", json={"rating": 2})
    assert response.status_code == 404, response.get_json()
    assert member_client.delete(f"/favorites/{book['id']}").status_code == 404
