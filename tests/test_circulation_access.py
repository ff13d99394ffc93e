"""Who may act at the desk, in each LIBRARY_WRITE_ACCESS mode: members for themselves, admins for anyone,
anyone in `open` mode; nobody reads another member's loans."""
from __future__ import annotations

import pytest

from library_api import create_app
from tests.conftest import client_as, make_admin, sign_up


def code(response) -> str:
    return response.get_json()["error"]["code"]


@pytest.fixture(params=["member", "admin"])
def desk(request, app, settings):
    """A library in a signed-in mode with an admin, two members and one book of two copies."""
    settings["LIBRARY_WRITE_ACCESS"] = request.param
    app = create_app(settings)
    make_admin(app)
    for name in ("reader", "other"):
        sign_up(app.test_client(), name)
    clients = {name: client_as(app, name) for name in ("librarian", "reader", "other")}
    clients["stranger"] = app.test_client()
    clients["ids"] = {name: clients[name].get("/me").get_json()["id"] for name in ("librarian", "reader", "other")}
    clients["book"] = clients["librarian"].post("/books", json={"title": "Dune", "author": "F", "copies": 2}
                                                ).get_json()["id"]
    return clients


def test_a_member_borrows_for_themself_without_naming_anyone(desk):
    response = desk["reader"].post("/borrow", json={"bookId": desk["book"]})
    assert response.status_code == 201 and response.get_json()["loan"]["user_id"] == desk["ids"]["reader"]
    assert [b["id"] for b in desk["reader"].get(f"/users/{desk['ids']['reader']}/borrowed").get_json()] == [
        desk["book"]]


def test_a_member_cannot_borrow_return_or_read_for_another(desk):
    other = desk["ids"]["other"]
    assert code(desk["reader"].post("/borrow", json={"userId": other, "bookId": desk["book"]})) == "FORBIDDEN"
    loan = desk["other"].post("/borrow", json={"bookId": desk["book"]}).get_json()["loan"]
    assert desk["reader"].post("/return", json={"loanId": loan["id"]}).status_code == 403
    assert desk["reader"].post(f"/loans/{loan['id']}/renew").status_code == 403
    for path in (f"/users/{other}", f"/users/{other}/borrowed", f"/users/{other}/loans", f"/users/{other}/holds",
                 f"/loans/{loan['id']}", "/loans", "/users", "/loans/overdue.csv"):
        assert desk["reader"].get(path).status_code == 403, path
    assert desk["other"].get(f"/loans/{loan['id']}").status_code == 200


def test_the_desk_acts_for_anyone(desk):
    reader = desk["ids"]["reader"]
    librarian = desk["librarian"]
    loan = librarian.post("/borrow", json={"userId": reader, "bookId": desk["book"]})
    assert loan.status_code == 201 and loan.get_json()["loan"]["user_id"] == reader
    assert librarian.get(f"/users/{reader}/borrowed").status_code == 200
    assert librarian.post(f"/loans/{loan.get_json()['loan']['id']}/renew").status_code == 200
    assert librarian.post("/return", json={"userId": reader, "bookId": desk["book"]}).status_code == 200
    patron = librarian.post("/users", json={"name": "Walk-in", "email": "walk@example.org"})
    assert patron.status_code == 201 and patron.get_json()["username"] is None
    assert [u["name"] for u in librarian.get("/users?q=WALK").get_json()] == ["Walk-in"]


def test_members_and_strangers_make_no_patrons(desk):
    assert desk["reader"].post("/users", json={"name": "Mallory"}).status_code == 403
    assert code(desk["stranger"].post("/users", json={"name": "Mallory"})) == "TOKEN_MISSING"
    assert code(desk["stranger"].post("/borrow", json={"userId": 1, "bookId": desk["book"]})) == "TOKEN_MISSING"


def test_copies_are_written_by_catalog_writers_only(desk, request):
    mode = request.node.callspec.params["desk"]
    added = desk["reader"].post(f"/books/{desk['book']}/copies")
    assert added.status_code == (201 if mode == "member" else 403)
    assert desk["stranger"].get(f"/books/{desk['book']}/copies").status_code == 200


def test_open_mode_needs_no_token_but_a_named_user(app, settings):
    settings["LIBRARY_WRITE_ACCESS"] = "open"
    client = create_app(settings).test_client()
    client.post("/books", json={"title": "Dune", "author": "F"})
    client.post("/users", json={"name": "Alice"})
    unnamed = client.post("/borrow", json={"bookId": 1})
    assert unnamed.status_code == 422 and "userId" in unnamed.get_json()["error"]["details"]
    assert client.post("/borrow", json={"userId": 1, "bookId": 1}).status_code == 201
    assert client.get("/users/1/loans").status_code == 200 and client.get("/loans").status_code == 200
