"""Seed 001's favorites through HTTP: each user's own, never another's."""
from __future__ import annotations

import pytest


def test_favorites_start_empty(member_client):
    response = member_client.get("/favorites")
    assert response.status_code == 200 and response.get_json() == []


def test_add_is_201_then_200_and_lists_the_book(member_client, book):
    first = member_client.post(f"/favorites/{book['id']}")
    again = member_client.post(f"/favorites/{book['id']}")

    assert first.status_code == 201 and first.get_json()["id"] == book["id"]
    assert again.status_code == 200
    assert [b["id"] for b in member_client.get("/favorites").get_json()] == [book["id"]]


def test_favorite_of_an_unknown_book_is_404(member_client):
    response = member_client.post("/favorites/424242")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "BOOK_NOT_FOUND"


def test_remove_is_204_then_404(member_client, book):
    member_client.post(f"/favorites/{book['id']}")
    assert member_client.delete(f"/favorites/{book['id']}").status_code == 204
    assert member_client.get("/favorites").get_json() == []
    gone = member_client.delete(f"/favorites/{book['id']}")
    assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "NOT_FOUND"


def test_favorites_are_private(member_client, other_client, book):
    member_client.post(f"/favorites/{book['id']}")

    assert other_client.get("/favorites").get_json() == []
    assert other_client.delete(f"/favorites/{book['id']}").status_code == 404
    assert [b["id"] for b in member_client.get("/favorites").get_json()] == [book["id"]]


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_favorites_need_a_token(client, method):
    path = "/favorites" if method == "get" else "/favorites/1"
    response = getattr(client, method)(path)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "TOKEN_MISSING"


def test_deleting_a_book_removes_it_from_favorites(member_client, book):
    member_client.post(f"/favorites/{book['id']}")
    assert member_client.delete(f"/books/{book['id']}").status_code == 204
    assert member_client.get("/favorites").get_json() == []


def test_a_new_favorite_answers_its_location_and_can_be_read_there(member_client, book):
    created = member_client.post(f"/favorites/{book['id']}")
    assert created.status_code == 201 and created.headers["Location"] == f"/favorites/{book['id']}"
    assert member_client.get(created.headers["Location"]).get_json()["title"] == book["title"]
    member_client.delete(f"/favorites/{book['id']}")
    assert member_client.get(f"/favorites/{book['id']}").status_code == 404


def test_another_members_favorite_is_not_yours_to_read(member_client, other_client, book):
    member_client.post(f"/favorites/{book['id']}")
    assert other_client.get(f"/favorites/{book['id']}").status_code == 404
