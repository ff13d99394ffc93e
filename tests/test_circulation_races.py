"""Races at the desk, with exact counts: many borrowers for a few copies, many holds at once, and a
return racing a renewal and two borrows. In one process on every store, and on SQLite through several
gunicorn worker processes."""
from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from library_api import create_app
from tests.test_gunicorn import SECRET, free_port, gunicorn, stop, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]


def at_once(calls: list):
    """Run the calls on as many threads, released together, and return their results in order."""
    gate = threading.Barrier(len(calls))

    def run(call):
        gate.wait()
        return call()
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.fixture
def desk(app, settings):
    """Seed 003's open desk on the emptied store of `app`; each thread gets a client of its own."""
    settings["LIBRARY_WRITE_ACCESS"] = "open"
    return create_app(settings)


def test_thirty_borrowers_three_copies_exactly_three_loans(desk):
    client = desk.test_client()
    book = client.post("/books", json={"title": "Dune", "author": "F", "copies": 3}).get_json()["id"]
    patrons = [client.post("/users", json={"name": f"P{n}"}).get_json()["id"] for n in range(30)]

    answers = at_once([lambda p=p: desk.test_client().post("/borrow", json={"userId": p, "bookId": book})
                       for p in patrons])

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 3, 409: 27}, statuses
    assert {answer.get_json()["error"]["code"] for answer in answers if answer.status_code == 409} == {
        "ALREADY_BORROWED"}
    copies = {answer.get_json()["loan"]["copy_id"] for answer in answers if answer.status_code == 201}
    assert len(copies) == 3
    assert len(client.get("/loans?status=active").get_json()) == 3
    assert client.get(f"/books/{book}").get_json()["available_copies"] == 0


def test_twenty_holds_at_once_take_positions_one_to_twenty(desk):
    client = desk.test_client()
    book = client.post("/books", json={"title": "Dune", "author": "F"}).get_json()["id"]
    holder = client.post("/users", json={"name": "Holder"}).get_json()["id"]
    client.post("/borrow", json={"userId": holder, "bookId": book})
    patrons = [client.post("/users", json={"name": f"P{n}"}).get_json()["id"] for n in range(20)]

    answers = at_once([lambda p=p: desk.test_client().post("/holds", json={"userId": p, "bookId": book})
                       for p in patrons])

    assert [answer.status_code for answer in answers] == [201] * 20
    assert sorted(answer.get_json()["position"] for answer in answers) == list(range(1, 21))
    queued = [client.get(f"/users/{p}/holds").get_json()[0]["position"] for p in patrons]
    assert sorted(queued) == list(range(1, 21))


def _copy_is_consistent(client, book: int) -> None:
    """A copy on loan has one open loan and no ready hold; on the hold shelf, one ready hold and no loan."""
    [copy] = client.get(f"/books/{book}/copies").get_json()
    open_loans = [loan for loan in client.get(f"/loans?status=active&book_id={book}").get_json()]
    users = [user["id"] for user in client.get("/users?per_page=500").get_json()]
    ready = [hold for user in users for hold in client.get(f"/users/{user}/holds").get_json()
             if hold["status"] == "ready" and hold["book_id"] == book]
    expected = {"on_loan": (1, 0), "on_hold_shelf": (0, 1), "available": (0, 0)}[copy["status"]]
    assert (len(open_loans), len(ready)) == expected, (copy, open_loans, ready)
    if open_loans:
        assert open_loans[0]["copy_id"] == copy["id"]


def test_a_return_racing_a_renewal_and_borrows_keeps_the_copy_in_one_place(desk):
    client = desk.test_client()
    for round_ in range(8):
        book = client.post("/books", json={"title": f"Round {round_}", "author": "F"}).get_json()["id"]
        alice, bob, carol = (client.post("/users", json={"name": n}).get_json()["id"] for n in "ABC")
        loan = client.post("/borrow", json={"userId": alice, "bookId": book}).get_json()["loan"]
        if round_ % 2:
            client.post("/holds", json={"userId": bob, "bookId": book})  # half the rounds have a queue
        admin_free = desk.test_client()

        answers = at_once([
            lambda: admin_free.post("/return", json={"loanId": loan["id"]}),
            lambda: desk.test_client().post("/borrow", json={"userId": bob, "bookId": book}),
            lambda: desk.test_client().post("/borrow", json={"userId": carol, "bookId": book}),
            lambda: desk.test_client().post("/return", json={"userId": alice, "bookId": book}),
        ])

        assert all(answer.status_code < 500 for answer in answers), [a.get_json() for a in answers]
        assert sum(answer.status_code == 200 for answer in (answers[0], answers[3])) == 1  # one return wins
        _copy_is_consistent(client, book)


def test_thirty_borrowers_through_several_gunicorn_workers_on_sqlite(tmp_path, store):
    if store != "sqlite":
        pytest.skip("processes sharing one SQLite file; the other stores race in one process above")
    database = f"sqlite:///{tmp_path / 'library.db'}"
    env = {"LIBRARY_STORE": "sql", "DATABASE_URL": database, "LIBRARY_ENV": "production",
           "LIBRARY_WRITE_ACCESS": "open", "RATELIMIT_ENABLED": "false", "JWT_SECRET_KEY": SECRET}
    subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env={**env, "PATH": "/usr/bin:/bin"}, check=True, capture_output=True)
    port = free_port()
    server = gunicorn("-w", "3", "-b", f"127.0.0.1:{port}", **env)
    try:
        base = wait_until_serving(port)
        book = requests.post(f"{base}/books", json={"title": "Dune", "author": "F", "copies": 3}).json()["id"]
        patrons = [requests.post(f"{base}/users", json={"name": f"P{n}"}).json()["id"] for n in range(30)]

        answers = at_once([lambda p=p: requests.post(f"{base}/borrow", json={"userId": p, "bookId": book},
                                                     timeout=30) for p in patrons])

        statuses = Counter(answer.status_code for answer in answers)
        assert statuses == {201: 3, 409: 27}, statuses
        assert len({answer.json()["loan"]["copy_id"] for answer in answers if answer.status_code == 201}) == 3
        assert requests.get(f"{base}/books/{book}").json()["available_copies"] == 0
    finally:
        stop(server)
