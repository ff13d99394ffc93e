"""Who may write the catalog, by LIBRARY_WRITE_ACCESS: member (default), admin, open."""
from __future__ import annotations

import pytest

from tests.conftest import client_as, make_admin, sign_up

DUNE = {"title": "Dune", "author": "Frank Herbert"}


def writes(client, book_id: int) -> list[int]:
    """The status of each catalog write, in order: add, replace, change, delete."""
    return [client.post("/books", json=DUNE).status_code,
            client.put(f"/books/{book_id}", json=DUNE).status_code,
            client.patch(f"/books/{book_id}", json={"genre": "SF"}).status_code,
            client.delete(f"/books/{book_id}").status_code]


@pytest.fixture
def mode(settings, request):
    settings["LIBRARY_WRITE_ACCESS"] = request.param
    return request.param


@pytest.fixture
def seeded(app):
    """A member, an admin and one book (added by the admin)."""
    sign_up(app.test_client(), "reader")
    make_admin(app)
    admin = client_as(app, "librarian")
    book = admin.post("/books", json=DUNE).get_json()
    return {"member": client_as(app, "reader"), "admin": admin, "anyone": app.test_client(), "book": book}


@pytest.mark.parametrize("mode", ["member"], indirect=True)
def test_member_mode_lets_members_write_and_refuses_strangers(mode, seeded):
    anyone = seeded["anyone"]
    assert anyone.post("/books", json=DUNE).get_json()["error"]["code"] == "TOKEN_MISSING"
    assert writes(anyone, seeded["book"]["id"]) == [401, 401, 401, 401]
    assert writes(seeded["member"], seeded["book"]["id"]) == [201, 200, 200, 204]


@pytest.mark.parametrize("mode", ["admin"], indirect=True)
def test_admin_mode_lets_only_admins_write(mode, seeded):
    refused = seeded["member"].post("/books", json=DUNE)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "FORBIDDEN"
    assert writes(seeded["member"], seeded["book"]["id"]) == [403, 403, 403, 403]
    assert writes(seeded["anyone"], seeded["book"]["id"]) == [401, 401, 401, 401]
    assert writes(seeded["admin"], seeded["book"]["id"]) == [201, 200, 200, 204]
    assert seeded["anyone"].get("/books").status_code == 200


@pytest.mark.parametrize("mode", ["open"], indirect=True)
def test_open_mode_opens_the_catalog_and_nothing_else(mode, seeded):
    anyone = seeded["anyone"]
    assert writes(anyone, seeded["book"]["id"]) == [201, 200, 200, 204]
    assert anyone.get("/favorites").status_code == 401
    assert anyone.post("/my-library/1").status_code == 401
    assert anyone.get("/me").status_code == 401


@pytest.mark.parametrize("mode", ["member"], indirect=True)
def test_a_bad_token_is_401_even_where_none_is_needed_to_read(mode, seeded):
    response = seeded["anyone"].post("/books", json=DUNE, headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "TOKEN_INVALID"
