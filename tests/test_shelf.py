"""Seed 004's personal shelf through HTTP: wishlist → reading → completed, ratings, reviews, privacy."""
from __future__ import annotations

import pytest


def error(response) -> dict:
    return response.get_json()["error"]


def test_add_defaults_to_wishlist_with_an_absent_body(member_client, book, clock):
    response = member_client.post(f"/my-library/{book['id']}")

    assert response.status_code == 201
    entry = response.get_json()
    assert entry["status"] == "wishlist" and entry["rating"] is None and entry["review_text"] is None
    assert entry["book"]["id"] == book["id"] and entry["date_added"].startswith("2026-01-15T09:30")
    assert member_client.get("/my-library").get_json() == [entry]


def test_from_wishlist_to_completed_with_a_review(member_client, book, clock):
    member_client.post(f"/my-library/{book['id']}", json={"status": "WishList"})
    clock.advance(days=3)
    assert member_client.patch(f"/my-library/{book['id']}", json={"status": "Reading"}).get_json()["status"] == \
        "reading"

    done = member_client.patch(f"/my-library/{book['id']}",
                               json={"status": "completed", "rating": 5, "reviewText": "Spice!"})

    assert done.status_code == 200
    entry = done.get_json()
    assert entry["status"] == "completed" and entry["rating"] == 5 and entry["review_text"] == "Spice!"
    assert entry["updated_at"] > entry["date_added"]
    assert entry["book"]["average_rating"] == 5.0 and entry["book"]["rating_count"] == 1


def test_filter_by_status(member_client, book):
    other = member_client.post("/books", json={"title": "Emma", "author": "Jane Austen"}).get_json()
    member_client.post(f"/my-library/{book['id']}", json={"status": "reading"})
    member_client.post(f"/my-library/{other['id']}")
    assert [e["book"]["title"] for e in member_client.get("/my-library?status=READING").get_json()] == ["Dune"]
    assert member_client.get("/my-library?status=lost").status_code == 422


@pytest.mark.parametrize("body", [{"rating": 4}, {"status": "reading", "rating": 4}])
def test_a_rating_is_only_for_a_completed_book(member_client, book, body):
    response = member_client.post(f"/my-library/{book['id']}", json=body)
    assert response.status_code == 422 and "rating" in error(response)["details"]
    assert member_client.get("/my-library").get_json() == []


def test_moving_a_rated_book_off_completed_needs_the_rating_cleared(member_client, book):
    member_client.post(f"/my-library/{book['id']}", json={"status": "completed", "rating": 4})
    refused = member_client.patch(f"/my-library/{book['id']}", json={"status": "reading"})
    assert refused.status_code == 422
    assert member_client.get("/my-library").get_json()[0]["rating"] == 4
    moved = member_client.patch(f"/my-library/{book['id']}", json={"status": "reading", "rating": None})
    assert moved.status_code == 200 and moved.get_json()["rating"] is None


@pytest.mark.parametrize("body, field", [
    ({"status": "completed", "rating": 0}, "rating"), ({"status": "completed", "rating": 6}, "rating"),
    ({"status": "completed", "rating": 4.5}, "rating"), ({"status": "completed", "rating": "5"}, "rating"),
    ({"status": "done"}, "status"), ({"review_text": "x" * 5001}, "review_text"), ({"user_id": 2}, "user_id"),
])
def test_invalid_entries_are_422(member_client, book, body, field):
    response = member_client.post(f"/my-library/{book['id']}", json=body)
    assert response.status_code == 422 and field in error(response)["details"]


def test_a_book_goes_on_a_shelf_once(member_client, book):
    member_client.post(f"/my-library/{book['id']}")
    again = member_client.post(f"/my-library/{book['id']}")
    assert again.status_code == 409 and error(again)["code"] == "ALREADY_ON_SHELF"


def test_unknown_book_and_missing_entry_are_404(member_client, book):
    assert error(member_client.post("/my-library/999999"))["code"] == "BOOK_NOT_FOUND"
    assert member_client.patch(f"/my-library/{book['id']}", json={"status": "reading"}).status_code == 404
    assert member_client.delete(f"/my-library/{book['id']}").status_code == 404


def test_remove_is_204(member_client, book):
    member_client.post(f"/my-library/{book['id']}")
    assert member_client.delete(f"/my-library/{book['id']}").status_code == 204
    assert member_client.get("/my-library").get_json() == []


def test_shelves_are_private(member_client, other_client, book):
    member_client.post(f"/my-library/{book['id']}", json={"status": "reading"})

    assert other_client.get("/my-library").get_json() == []
    assert other_client.patch(f"/my-library/{book['id']}", json={"status": "completed"}).status_code == 404
    assert other_client.delete(f"/my-library/{book['id']}").status_code == 404
    assert member_client.get("/my-library").get_json()[0]["status"] == "reading"


def test_shelf_needs_a_token(client):
    assert error(client.get("/my-library"))["code"] == "TOKEN_MISSING"
    assert client.post("/my-library/1").status_code == 401


def test_reviews_are_public_and_ratings_averaged(member_client, other_client, client, book):
    member_client.post(f"/my-library/{book['id']}", json={"status": "completed", "rating": 5, "review_text": "Yes"})
    other_client.post(f"/my-library/{book['id']}", json={"status": "completed", "rating": 2})
    other_client.post("/books", json={"title": "Emma", "author": "Jane Austen"})

    reviews = client.get(f"/books/{book['id']}/reviews")

    assert reviews.status_code == 200
    assert sorted((r["username"], r["rating"], r["review_text"]) for r in reviews.get_json()) == [
        ("other", 2, None), ("reader", 5, "Yes")]
    listed = {b["title"]: b for b in client.get("/books").get_json()}
    assert listed["Dune"]["average_rating"] == 3.5 and listed["Dune"]["rating_count"] == 2
    assert listed["Emma"]["average_rating"] is None and listed["Emma"]["rating_count"] == 0
    assert client.get("/books/999999/reviews").status_code == 404


def test_deleting_a_book_removes_its_shelf_entries(member_client, book):
    member_client.post(f"/my-library/{book['id']}", json={"status": "completed", "rating": 3})
    assert member_client.delete(f"/books/{book['id']}").status_code == 204
    assert member_client.get("/my-library").get_json() == []


def test_a_new_shelf_entry_answers_its_location_and_can_be_read_there(member_client, book):
    created = member_client.post(f"/my-library/{book['id']}", json={"status": "reading"})
    assert created.status_code == 201 and created.headers["Location"] == f"/my-library/{book['id']}"
    entry = member_client.get(created.headers["Location"]).get_json()
    assert entry["status"] == "reading" and entry["book"]["id"] == book["id"]
    member_client.delete(f"/my-library/{book['id']}")
    assert member_client.get(f"/my-library/{book['id']}").status_code == 404
