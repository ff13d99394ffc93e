"""Circulation through HTTP: seed 003's exercise as written, copies, loans, returns, renewals, holds,
every 409 of SPEC.md's section, in each access mode, on each store."""
from __future__ import annotations

import logging

import pytest

from library_api import create_app
from tests.conftest import client_as, make_admin, sign_up


def code(response) -> str:
    return response.get_json()["error"]["code"]


@pytest.fixture
def fresh_app(app, settings):
    """An app with changed settings on the emptied store of `app` (the SQL ones are shared)."""
    def make(**changes):
        settings.update(changes)
        return create_app(settings)
    return make


@pytest.fixture
def open_client(fresh_app):
    """Seed 003's exercise: LIBRARY_WRITE_ACCESS=open, nothing needs a token."""
    return fresh_app(LIBRARY_WRITE_ACCESS="open").test_client()


def test_seed_003_exercise_runs_as_written(open_client):
    client = open_client
    first = client.post("/books", json={"title": "Book Title", "author": "Book Author"})
    second = client.post("/books", json={"title": "Dune", "author": "Frank Herbert"})
    alice = client.post("/users", json={"name": "Alice"})
    assert first.status_code == second.status_code == alice.status_code == 201
    assert alice.get_json()["id"] == 1 and alice.get_json()["name"] == "Alice"
    assert alice.headers["Location"].endswith("/users/1")
    assert second.get_json()["id"] == 2 and second.get_json()["available"] is True

    borrowed = client.post("/borrow", json={"userId": 1, "bookId": 2})

    assert borrowed.status_code == 201
    assert borrowed.get_json()["message"] == "Book borrowed successfully"
    assert borrowed.get_json()["loan"]["book_id"] == 2 and borrowed.get_json()["loan"]["user_id"] == 1
    again = client.post("/borrow", json={"userId": 1, "bookId": 2})
    assert again.status_code == 409 and code(again) == "ALREADY_HAS_COPY"
    bob = client.post("/users", json={"name": "Bob"}).get_json()
    taken = client.post("/borrow", json={"userId": bob["id"], "bookId": 2})
    assert taken.status_code == 409 and code(taken) == "ALREADY_BORROWED"
    assert taken.get_json()["error"]["details"]["available_copies"] == 0
    assert taken.get_json()["error"]["details"]["due_at"] == borrowed.get_json()["loan"]["due_at"]

    listed = client.get("/users/1/borrowed")
    assert listed.status_code == 200
    [book] = listed.get_json()
    assert book["id"] == 2 and book["title"] == "Dune" and book["available"] is False
    assert book["loan_id"] == borrowed.get_json()["loan"]["id"] and book["barcode"]
    assert client.get("/books/2").get_json()["available"] is False

    returned = client.post("/return", json={"userId": 1, "bookId": 2})
    assert returned.status_code == 200 and returned.get_json()["message"] == "Book returned successfully"
    assert returned.get_json()["loan"]["returned_at"] is not None
    assert client.get("/users/1/borrowed").get_json() == []
    assert client.get("/books/2").get_json()["available"] is True


@pytest.mark.parametrize("body, status, error", [
    ({"userId": 99, "bookId": 1}, 404, "USER_NOT_FOUND"),
    ({"userId": 1, "bookId": 99}, 404, "BOOK_NOT_FOUND"),
    ({"userId": 1, "barcode": "NOPE-1"}, 404, "COPY_NOT_FOUND"),
    ({"bookId": 1}, 422, "VALIDATION_ERROR"),
    ({"userId": 1}, 422, "VALIDATION_ERROR"),
    ({"userId": 1, "bookId": 1, "barcode": "X"}, 422, "VALIDATION_ERROR"),
    ({"userId": "1", "bookId": 1}, 422, "VALIDATION_ERROR"),
    ({"userId": 1, "bookId": 1, "due_days": 366}, 422, "VALIDATION_ERROR"),
])
def test_borrow_refuses_what_is_not_there(open_client, body, status, error):
    open_client.post("/books", json={"title": "Dune", "author": "Frank Herbert"})
    open_client.post("/users", json={"name": "Alice"})
    response = open_client.post("/borrow", json=body)
    assert response.status_code == status and code(response) == error
    assert open_client.get("/books/1").get_json()["available_copies"] == 1


def test_several_copies_lend_one_each_and_the_count_follows(open_client):
    book = open_client.post("/books", json={"title": "Dune", "author": "F", "copies": 3}).get_json()
    assert (book["copies"], book["available_copies"]) == (3, 3)
    users = [open_client.post("/users", json={"name": f"P{n}"}).get_json()["id"] for n in range(4)]

    loans = [open_client.post("/borrow", json={"userId": user, "bookId": book["id"]}) for user in users]

    assert [r.status_code for r in loans] == [201, 201, 201, 409]
    assert len({r.get_json()["loan"]["copy_id"] for r in loans[:3]}) == 3
    shown = open_client.get(f"/books/{book['id']}").get_json()
    assert (shown["copies"], shown["available_copies"], shown["available"]) == (3, 0, False)
    listed = open_client.get("/books?available=false").get_json()
    assert [b["id"] for b in listed] == [book["id"]] and listed[0]["available_copies"] == 0
    copies = open_client.get(f"/books/{book['id']}/copies").get_json()
    assert {c["status"] for c in copies} == {"on_loan"} and all(c["due_at"] for c in copies)
    assert all("user_id" not in c for c in copies)


def test_borrow_and_return_by_barcode_and_by_loan_id(open_client):
    book = open_client.post("/books", json={"title": "Dune", "author": "F"}).get_json()
    open_client.post(f"/books/{book['id']}/copies", json={"barcode": "DUNE-2"})
    user = open_client.post("/users", json={"name": "Alice"}).get_json()["id"]

    loan = open_client.post("/borrow", json={"userId": user, "barcode": "DUNE-2"}).get_json()["loan"]
    assert loan["barcode"] == "DUNE-2"
    assert code(open_client.post("/return", json={"barcode": "C00000001"})) == "NOT_BORROWED"
    by_barcode = open_client.post("/return", json={"barcode": "DUNE-2"})
    assert by_barcode.status_code == 200 and by_barcode.get_json()["loan"]["id"] == loan["id"]
    assert code(open_client.post("/return", json={"loanId": loan["id"]})) == "NOT_BORROWED"
    again = open_client.post("/borrow", json={"userId": user, "bookId": book["id"]}).get_json()["loan"]
    assert open_client.post("/return", json={"loanId": again["id"]}).status_code == 200


def test_barcodes_are_unique_and_generated_ones_are_reserved(open_client):
    open_client.post("/books", json={"title": "Dune", "author": "F"})
    assert open_client.post("/books/1/copies", json={"barcode": "A-1"}).status_code == 201
    taken = open_client.post("/books/1/copies", json={"barcode": "A-1"})
    assert taken.status_code == 409 and code(taken) == "BARCODE_TAKEN"
    assert open_client.post("/books/1/copies", json={"barcode": "C00000009"}).status_code == 422
    generated = open_client.post("/books/1/copies")
    assert generated.status_code == 201 and generated.get_json()["barcode"] == f"C{generated.get_json()['id']:08d}"


def test_a_copy_on_loan_cannot_be_withdrawn_nor_its_book_deleted(open_client):
    book = open_client.post("/books", json={"title": "Dune", "author": "F"}).get_json()
    user = open_client.post("/users", json={"name": "Alice"}).get_json()["id"]
    loan = open_client.post("/borrow", json={"userId": user, "bookId": book["id"]}).get_json()["loan"]

    withdrawn = open_client.delete(f"/copies/{loan['copy_id']}")
    deleted = open_client.delete(f"/books/{book['id']}")

    assert withdrawn.status_code == 409 and code(withdrawn) == "COPY_ON_LOAN"
    assert deleted.status_code == 409 and code(deleted) == "BOOK_ON_LOAN"
    open_client.post("/return", json={"loanId": loan["id"]})
    assert open_client.delete(f"/copies/{loan['copy_id']}").status_code == 204
    assert open_client.get(f"/books/{book['id']}").get_json()["copies"] == 0
    assert open_client.delete(f"/books/{book['id']}").status_code == 204
    assert open_client.get(f"/users/{user}/loans").get_json() == []  # the history went with the book


def test_loan_limit_and_inactive_patrons(fresh_app):
    client = fresh_app(LIBRARY_WRITE_ACCESS="open", MAX_LOANS=2).test_client()
    for title in ("A", "B", "C"):
        client.post("/books", json={"title": title, "author": "X"})
    user = client.post("/users", json={"name": "Alice"}).get_json()["id"]
    assert client.post("/borrow", json={"userId": user, "bookId": 1}).status_code == 201
    assert client.post("/borrow", json={"userId": user, "bookId": 2}).status_code == 201
    limit = client.post("/borrow", json={"userId": user, "bookId": 3})
    assert limit.status_code == 409 and code(limit) == "LOAN_LIMIT"

    assert client.patch(f"/users/{user}", json={"is_active": False}).get_json()["is_active"] is False
    client.post("/return", json={"userId": user, "bookId": 1})
    inactive = client.post("/borrow", json={"userId": user, "bookId": 1})
    assert inactive.status_code == 409 and code(inactive) == "USER_INACTIVE"


def test_holds_queue_first_come_first_served_and_returns_go_to_the_first(open_client, clock):
    book = open_client.post("/books", json={"title": "Dune", "author": "F"}).get_json()["id"]
    alice, bob, carol = (open_client.post("/users", json={"name": n}).get_json()["id"] for n in ("A", "B", "C"))
    open_client.post("/borrow", json={"userId": alice, "bookId": book})

    bob_hold = open_client.post("/holds", json={"userId": bob, "bookId": book})
    carol_hold = open_client.post("/holds", json={"userId": carol, "bookId": book})
    assert bob_hold.status_code == carol_hold.status_code == 201
    assert (bob_hold.get_json()["position"], carol_hold.get_json()["position"]) == (1, 2)
    assert code(open_client.post("/holds", json={"userId": bob, "bookId": book})) == "HOLD_EXISTS"
    assert code(open_client.post("/holds", json={"userId": alice, "bookId": book})) == "ALREADY_HAS_COPY"

    open_client.post("/return", json={"userId": alice, "bookId": book})

    [copy] = open_client.get(f"/books/{book}/copies").get_json()
    assert copy["status"] == "on_hold_shelf"
    assert code(open_client.post("/borrow", json={"userId": carol, "bookId": book})) == "ALREADY_BORROWED"
    [ready, waiting] = open_client.get(f"/users/{bob}/holds").get_json() + \
        open_client.get(f"/users/{carol}/holds").get_json()
    assert ready["status"] == "ready" and ready["ready_until"] and ready["position"] is None
    assert waiting["status"] == "waiting" and waiting["position"] == 1
    loan = open_client.post("/borrow", json={"userId": bob, "bookId": book})
    assert loan.status_code == 201
    assert open_client.get(f"/users/{bob}/holds").get_json()[0]["status"] == "fulfilled"


def test_a_hold_is_refused_while_a_copy_is_on_the_shelf(open_client):
    book = open_client.post("/books", json={"title": "Dune", "author": "F"}).get_json()["id"]
    user = open_client.post("/users", json={"name": "A"}).get_json()["id"]
    response = open_client.post("/holds", json={"userId": user, "bookId": book})
    assert response.status_code == 409 and code(response) == "COPY_AVAILABLE"


def test_a_lapsed_hold_expires_and_its_copy_passes_on(fresh_app, clock):
    client = fresh_app(LIBRARY_WRITE_ACCESS="open", HOLD_DAYS=0.5).test_client()
    book = client.post("/books", json={"title": "Dune", "author": "F"}).get_json()["id"]
    alice, bob, carol = (client.post("/users", json={"name": n}).get_json()["id"] for n in ("A", "B", "C"))
    client.post("/borrow", json={"userId": alice, "bookId": book})
    client.post("/holds", json={"userId": bob, "bookId": book})
    client.post("/holds", json={"userId": carol, "bookId": book})
    client.post("/return", json={"userId": alice, "bookId": book})

    clock.advance(hours=11)
    assert client.get(f"/users/{bob}/holds").get_json()[0]["status"] == "ready"
    clock.advance(hours=2)  # past HOLD_DAYS = 12 hours
    client.get(f"/books/{book}/copies")  # reading the copies applies the expiry

    assert client.get(f"/users/{bob}/holds").get_json()[0]["status"] == "expired"
    carol_hold = client.get(f"/users/{carol}/holds").get_json()[0]
    assert carol_hold["status"] == "ready" and carol_hold["ready_until"].startswith("2026-01-16T10:30")  # now + 12 h


def test_expire_holds_command_sweeps_every_book(fresh_app, clock):
    app = fresh_app(LIBRARY_WRITE_ACCESS="open", HOLD_DAYS=1.0)
    client = app.test_client()
    book = client.post("/books", json={"title": "Dune", "author": "F"}).get_json()["id"]
    alice, bob = (client.post("/users", json={"name": n}).get_json()["id"] for n in ("A", "B"))
    client.post("/borrow", json={"userId": alice, "bookId": book})
    client.post("/holds", json={"userId": bob, "bookId": book})
    client.post("/return", json={"userId": alice, "bookId": book})
    clock.advance(days=2)

    result = app.test_cli_runner().invoke(args=["expire-holds"])

    assert result.exit_code == 0 and "1 book" in result.output
    assert client.get("/books?available=true").get_json()[0]["available_copies"] == 1


def test_cancelling_a_ready_hold_passes_the_copy_on(fresh_app):
    app = fresh_app()
    make_admin(app)
    desk = client_as(app, "librarian")
    for name in ("alice", "bob", "carol"):
        sign_up(app.test_client(), name)
    alice, bob, carol = (client_as(app, name) for name in ("alice", "bob", "carol"))
    book = desk.post("/books", json={"title": "Dune", "author": "F"}).get_json()["id"]
    alice.post("/borrow", json={"bookId": book})
    bob_hold = bob.post("/holds", json={"bookId": book}).get_json()
    carol.post("/holds", json={"bookId": book})
    alice.post("/return", json={"bookId": book})
    assert bob.get(f"/users/{bob_hold['user_id']}/holds").get_json()[0]["status"] == "ready"

    assert carol.delete(f"/holds/{bob_hold['id']}").status_code == 403  # not hers to cancel
    assert bob.delete(f"/holds/{bob_hold['id']}").status_code == 204

    carol_id = carol.get("/me").get_json()["id"]
    assert carol.get(f"/users/{carol_id}/holds").get_json()[0]["status"] == "ready"
    ended = bob.delete(f"/holds/{bob_hold['id']}")
    assert ended.status_code == 409 and code(ended) == "HOLD_NOT_ACTIVE"
    assert carol.post("/borrow", json={"bookId": book}).status_code == 201


def test_renewals_have_three_refusals(fresh_app, clock):
    app = fresh_app(MAX_RENEWALS=1, LOAN_DAYS=14.0)
    make_admin(app)
    desk = client_as(app, "librarian")
    sign_up(app.test_client(), "reader")
    reader = client_as(app, "reader")
    sign_up(app.test_client(), "other")
    other = client_as(app, "other")
    book = desk.post("/books", json={"title": "Dune", "author": "F"}).get_json()["id"]
    loan = reader.post("/borrow", json={"bookId": book}).get_json()["loan"]

    clock.advance(days=10)
    renewed = reader.post(f"/loans/{loan['id']}/renew")
    assert renewed.status_code == 200 and renewed.get_json()["renewals"] == 1
    assert renewed.get_json()["due_at"].startswith("2026-02-08T09:30")  # now + 14 days
    assert other.post(f"/loans/{loan['id']}/renew").status_code == 403
    limit = reader.post(f"/loans/{loan['id']}/renew")
    assert limit.status_code == 409 and limit.get_json()["error"]["details"]["reason"] == "RENEWAL_LIMIT"

    reader.post("/return", json={"loanId": loan["id"]})
    ended = desk.post(f"/loans/{loan['id']}/renew")
    assert ended.status_code == 409 and ended.get_json()["error"]["details"]["reason"] == "RETURNED"


def test_renewal_is_refused_while_others_wait(fresh_app):
    app = fresh_app()
    sign_up(app.test_client(), "reader")
    sign_up(app.test_client(), "other")
    reader, other = client_as(app, "reader"), client_as(app, "other")
    book = reader.post("/books", json={"title": "Dune", "author": "F"}).get_json()["id"]
    loan = reader.post("/borrow", json={"bookId": book}).get_json()["loan"]
    assert other.post("/holds", json={"bookId": book}).status_code == 201

    refused = reader.post(f"/loans/{loan['id']}/renew")

    assert refused.status_code == 409 and refused.get_json()["error"]["details"]["reason"] == "HOLDS_WAITING"


def test_overdue_is_derived_from_the_clock_and_reported(fresh_app, clock):
    client = fresh_app(LIBRARY_WRITE_ACCESS="open", LOAN_DAYS=0.25).test_client()
    client.post("/books", json={"title": "Dune", "author": "F"})
    alice = client.post("/users", json={"name": "Alice", "email": "alice@example.org"}).get_json()["id"]
    loan = client.post("/borrow", json={"userId": alice, "bookId": 1}).get_json()["loan"]
    assert loan["overdue"] is False and client.get("/loans?status=overdue").get_json() == []

    clock.advance(hours=6, seconds=1)

    assert [l["id"] for l in client.get("/loans?status=overdue").get_json()] == [loan["id"]]
    assert client.get("/loans?status=active").get_json()[0]["overdue"] is True
    assert client.get("/loans?status=returned").get_json() == []
    report = client.get("/loans/overdue.csv")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    header, row = report.get_data(as_text=True).strip().splitlines()
    assert header.startswith("loan_id,user_id,name,email,book_id,title,barcode")
    assert row.startswith(f"{loan['id']},{alice},Alice,alice@example.org,1,Dune,")


def test_every_borrow_return_renewal_and_hold_is_one_log_event(open_client, caplog):
    caplog.set_level(logging.INFO, logger="library_api.circulation")
    open_client.post("/books", json={"title": "Dune", "author": "F"})
    alice, bob = (open_client.post("/users", json={"name": n}).get_json()["id"] for n in ("A", "B"))
    open_client.post("/borrow", json={"userId": alice, "bookId": 1})
    open_client.post("/holds", json={"userId": bob, "bookId": 1})
    open_client.post("/return", json={"userId": alice, "bookId": 1})
    import json
    events = [json.loads(r.getMessage())["event"] for r in caplog.records if r.name == "library_api.circulation"]
    assert events == ["borrow", "hold_placed", "hold_ready", "return"]


def test_loans_filter_by_user_and_book_and_page(open_client):
    for title in ("A", "B"):
        open_client.post("/books", json={"title": title, "author": "X"})
    alice, bob = (open_client.post("/users", json={"name": n}).get_json()["id"] for n in ("A", "B"))
    for user, book in ((alice, 1), (alice, 2)):
        open_client.post("/borrow", json={"userId": user, "bookId": book})
    assert open_client.post("/borrow", json={"userId": bob, "bookId": 2}).status_code == 409  # not a loan

    assert [l["book_id"] for l in open_client.get(f"/loans?user_id={alice}").get_json()] == [2, 1]
    assert [l["user_id"] for l in open_client.get("/loans?book_id=1").get_json()] == [alice]
    page = open_client.get("/loans?per_page=1&page=2")
    assert len(page.get_json()) == 1 and page.headers["X-Total-Count"] == "2"
    bad = open_client.get("/loans?book_id=first")
    assert bad.status_code == 422 and "book_id" in bad.get_json()["error"]["details"]


def test_the_success_envelope_covers_the_desk(fresh_app):
    client = fresh_app(LIBRARY_WRITE_ACCESS="open", RESPONSE_ENVELOPE=True).test_client()
    client.post("/books", json={"title": "Dune", "author": "F"})
    client.post("/users", json={"name": "Alice"})

    borrowed = client.post("/borrow", json={"userId": 1, "bookId": 1}).get_json()
    listed = client.get("/users/1/borrowed").get_json()
    refused = client.post("/borrow", json={"userId": 1, "bookId": 1}).get_json()

    assert borrowed["success"] is True and borrowed["message"] == "Book borrowed successfully"
    assert borrowed["data"]["loan"]["book_id"] == 1
    assert listed["success"] is True and listed["data"][0]["title"] == "Dune"
    assert refused["success"] is False and refused["error"]["code"] == "ALREADY_HAS_COPY"
    assert client.get("/loans/overdue.csv").mimetype == "text/csv"  # a file, not wrapped
