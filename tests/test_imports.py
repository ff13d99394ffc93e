"""Imports through HTTP on every store: progress, each row's outcome, retries, access, bad bodies, CSV."""
from __future__ import annotations

import pytest

from tests.conftest import client_as, make_admin
from tests.import_support import GOODREADS_HEADER, by_row, goodreads_line, wait_for
from tests.metadata_server import EVERYTHING, FOX, SABRIEL, UNKNOWN_ISBN13, books_api

ZEN = "9780385472579"  # a real recorded /api/books record, with a cover; no edition record (no summary)
WEAPONS = "9780316030571"


def error(response) -> dict:
    return response.get_json()["error"]


def start(client, isbns: list[str]):
    response = client.post("/imports", json={"isbns": isbns})
    assert response.status_code == 202, response.get_json()
    return response


def test_an_import_goes_from_queued_to_finished_and_reports_every_row(member_client, providers):
    sabriel = member_client.post("/books", json={"isbn": SABRIEL.isbn10}).get_json()
    books_api(providers).delay = 0.3  # slow enough to be seen running
    response = start(member_client, [FOX.isbn13, ZEN, "0-06-027322-4", "978-0-14-032872-1", "12345",
                                     UNKNOWN_ISBN13, EVERYTHING.isbn13, ""])

    job = response.get_json()
    assert job["status"] == "queued" and job["total"] == 8 and job["done"] == 0 and job["failed"] == 0
    assert response.headers["Location"] == f"/imports/{job['id']}"
    seen = ["queued"]
    job = wait_for(member_client, response.headers["Location"], seen=seen)
    assert seen[-2:] == ["running", "finished"]
    rows = by_row(job)
    assert {n: row["status"] for n, row in rows.items()} == {
        1: "created", 2: "created", 3: "duplicate", 4: "duplicate", 5: "invalid", 6: "not_found", 7: "created",
        8: "invalid"}
    assert rows[3]["book_id"] == sabriel["id"] and rows[4]["book_id"] == rows[1]["book_id"]
    assert rows[3]["isbn"] == "0-06-027322-4" and rows[5]["error"] and rows[6]["error"]
    assert (job["total"], job["done"], job["failed"]) == (8, 8, 0) and job["finished_at"]
    fox = member_client.get(f"/books/{rows[1]['book_id']}").get_json()
    assert (fox["title"], fox["author"], fox["isbn"], fox["copies"]) == ("Fantastic Mr. Fox", "Roald Dahl",
                                                                         FOX.isbn13, 1)
    assert fox["cover_url"].endswith(f"/covers/b/id/{FOX.cover_id}-L.jpg") and fox["source"] == "openlibrary"
    zen = member_client.get(f"/books/{rows[2]['book_id']}").get_json()
    assert (zen["title"], zen["author"], zen["publication_year"]) == ("Zen speaks", "Zhizhong Cai", 1994)
    assert zen["cover_url"].endswith("/covers/b/id/240726-L.jpg")
    assert member_client.get(f"/books/{rows[7]['book_id']}").get_json()["source"] == "google_books"


def test_the_fill_behind_gives_new_books_their_summary(member_client, providers):
    location = start(member_client, [FOX.isbn13, ZEN]).headers["Location"]
    job = wait_for(member_client, location, until=lambda job: job["status"] == "finished"
                   and job["details_pending"] == 0)
    fox = member_client.get(f"/books/{by_row(job)[1]['book_id']}").get_json()
    assert fox["summary"] and fox["summary"].startswith("The main character of Fantastic Mr. Fox")
    # Only the batch asked /api/books; the summary came from the edition and its work, one book at a time.
    assert [keys for _, keys in books_api(providers).log] == [2]


def test_a_retry_runs_the_failed_rows_only(member_client, providers):
    api = books_api(providers)
    api.failing = 3  # the batch request and both of its retries
    location = start(member_client, [FOX.isbn13, "bad", ZEN]).headers["Location"]
    job = wait_for(member_client, location)
    assert [row["status"] for row in job["rows"]] == ["failed", "invalid", "failed"] and job["failed"] == 2
    assert "unavailable" in job["rows"][0]["error"]

    retried = member_client.post(f"{location}/retry")
    assert retried.status_code == 202 and retried.get_json()["status"] in ("queued", "running", "finished")
    job = wait_for(member_client, location)
    assert [row["status"] for row in job["rows"]] == ["created", "invalid", "created"] and job["failed"] == 0
    assert api.log[-1][1] == 2  # the two failed ISBNs, not the invalid row
    assert member_client.post(f"{location}/retry").status_code == 202  # nothing failed: nothing to run


def test_a_retry_while_running_is_a_conflict(member_client, providers):
    books_api(providers).delay = 0.5
    location = start(member_client, [FOX.isbn13]).headers["Location"]
    response = member_client.post(f"{location}/retry")
    assert response.status_code == 409 and error(response)["code"] == "IMPORT_RUNNING"
    wait_for(member_client, location)


def test_only_its_starter_and_admins_see_an_import(app, member_client, other_client, client, providers):
    location = start(member_client, [FOX.isbn13]).headers["Location"]
    wait_for(member_client, location)
    for response in (other_client.get(location), other_client.post(f"{location}/retry"),
                     member_client.get("/imports/999")):
        assert response.status_code == 404 and error(response)["code"] == "IMPORT_NOT_FOUND"
    assert client.get(location).status_code == 401 and client.post("/imports", json={"isbns": ["x"]}).status_code == 401
    make_admin(app)
    assert client_as(app, "librarian").get(location).status_code == 200


@pytest.fixture
def open_mode(settings):
    settings["LIBRARY_WRITE_ACCESS"] = "open"


def test_in_open_mode_an_anonymous_import_is_anyones_who_has_its_id(open_mode, app, providers):
    location = start(app.test_client(), [FOX.isbn13]).headers["Location"]
    assert wait_for(app.test_client(), location)["rows"][0]["status"] == "created"


@pytest.mark.parametrize("body, field", [
    ({"isbns": []}, "isbns"), ({"isbns": ["9780140328721"] * 10_001}, "isbns"), ({"isbns": [1, 2]}, "isbns"),
    ({"isbns": "9780140328721"}, "isbns"), ({}, "isbns"), ({"isbns": ["x"], "shelf": "read"}, "shelf"),
    ({"isbns": ["x" * 65]}, "isbns"),
])
def test_bad_json_bodies_are_refused_naming_the_field(member_client, body, field):
    response = member_client.post("/imports", json=body)
    assert response.status_code == 422 and field in error(response)["details"]


def test_bad_bodies_get_the_error_envelope(member_client):
    plain = member_client.post("/imports", data="9780140328721", content_type="text/plain")
    assert plain.status_code == 415 and error(plain)["code"] == "UNSUPPORTED_MEDIA_TYPE"
    broken = member_client.post("/imports", data='{"isbns": [', content_type="application/json")
    assert broken.status_code == 400 and error(broken)["code"] == "BAD_REQUEST"
    csv = member_client.post("/imports", data="a,b,c\n1,2,3\n", content_type="text/csv")
    assert csv.status_code == 422 and "file" in error(csv)["details"]


def test_a_csv_column_of_isbns(member_client, providers):
    response = member_client.post("/imports", data=f"ISBN\n{FOX.isbn13}\n{ZEN}\n", content_type="text/csv")
    assert response.status_code == 202 and response.get_json()["total"] == 2
    job = wait_for(member_client, response.headers["Location"])
    assert [row["status"] for row in job["rows"]] == ["created", "created"]
    assert member_client.get("/my-library").get_json() == []  # ISBNs alone shelve nothing


def test_a_goodreads_export_fills_the_catalog_and_the_members_shelf(member_client, providers):
    kept = member_client.post("/books", json={"title": "Sabriel", "author": "Garth Nix",
                                              "isbn": SABRIEL.isbn13}).get_json()
    member_client.post(f"/my-library/{kept['id']}", json={"status": "reading"})
    body = "\n".join([
        GOODREADS_HEADER,
        goodreads_line("Fantastic Mr. Fox", "Roald Dahl", FOX.isbn10, FOX.isbn13, 5, "read", "Clever fox."),
        goodreads_line("Sabriel", "Garth Nix", SABRIEL.isbn10, SABRIEL.isbn13, 0, "to-read"),
        goodreads_line("A Book Nobody Knows", "Some Author", "", UNKNOWN_ISBN13, 0, "currently-reading"),
    ]) + "\n"
    response = member_client.post("/imports", data=body, content_type="text/csv")
    assert response.status_code == 202, response.get_json()
    job = wait_for(member_client, response.headers["Location"])
    assert [row["status"] for row in job["rows"]] == ["created", "duplicate", "created"]
    shelf = {entry["book"]["title"]: entry for entry in member_client.get("/my-library").get_json()}
    assert (shelf["Fantastic Mr. Fox"]["status"], shelf["Fantastic Mr. Fox"]["rating"],
            shelf["Fantastic Mr. Fox"]["review_text"]) == ("completed", 5, "Clever fox.")
    assert shelf["Sabriel"]["status"] == "reading"  # already on the shelf: the member's entry is kept
    unknown = shelf["A Book Nobody Knows"]
    assert unknown["status"] == "reading" and unknown["book"]["source"] == "manual"
    assert unknown["book"]["author"] == "Some Author"


def test_deleting_an_imported_book_keeps_the_rows_outcome(member_client, providers):
    location = start(member_client, [FOX.isbn13]).headers["Location"]
    book_id = wait_for(member_client, location, until=lambda job: job["status"] == "finished"
                       and job["details_pending"] == 0)["rows"][0]["book_id"]
    assert member_client.delete(f"/books/{book_id}").status_code == 204
    row = wait_for(member_client, location)["rows"][0]
    assert row["status"] == "created" and row["book_id"] is None


def test_rows_are_paginated(member_client, providers):
    location = start(member_client, [FOX.isbn13, "a", "b", "c", "d"]).headers["Location"]
    wait_for(member_client, location)
    response = member_client.get(f"{location}?page=2&per_page=2")
    assert [row["row"] for row in response.get_json()["rows"]] == [3, 4]
    assert response.headers["X-Total-Count"] == "5" and 'rel="next"' in response.headers["Link"]
    assert member_client.get(f"{location}?sort=row").status_code == 422


@pytest.mark.parametrize("store", ["memory"])
def test_the_openapi_document_describes_imports(client):
    spec = client.get("/openapi.json").get_json()
    post = spec["paths"]["/imports"]["post"]
    assert set(post["requestBody"]["content"]) == {"application/json", "text/csv"}
    assert "202" in post["responses"] and {"401", "403", "415", "422"} <= set(post["responses"])
    assert post["responses"]["202"]["headers"]["Location"]
    get = spec["paths"]["/imports/{job_id}"]["get"]
    assert {"Link", "X-Total-Count"} <= set(get["responses"]["200"]["headers"]) and "404" in get["responses"]
    assert {"bearerAuth": []} in get["security"] and "401" in get["responses"]
    assert "409" in spec["paths"]["/imports/{job_id}/retry"]["post"]["responses"]
