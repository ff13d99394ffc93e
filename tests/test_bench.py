"""fake-catalog fills every store quickly and consistently; the bench's own parts work without a server."""
from __future__ import annotations

import random
import shutil
from datetime import datetime, timezone

import pytest
import requests
from stdnum import isbn

from bench.report import table, targets, targets_text
from bench.settings import Settings
from bench.standin import ISBN, StandIn
from bench.wrk import Route, parse, run

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


def tiny_results() -> dict:
    def figures(rps, p50, p99, errors=0):
        return {"rps": rps, "requests": rps * 3, "ratio": rps / 1000, "p50_ms": p50, "p99_ms": p99, "status_errors": errors,
                "socket_errors": 0}

    run = {"db": "sqlite", "size": 1000, "fake_catalog_s": 1.5, "standin_requests_during_run": 0,
           "login_vs_argon2_ceiling": 0.5, "auth_vs_anon": 0.9,
           "routes": {"GET /health": figures(1000, 1.0, 3.0), "GET /books": figures(250, 4.0, 12.0),
                      "GET /books cursor +5": {"rps": None, "note": "no cursor paging yet"},
                      "GET /books?sort=title": {"rps": 0.0, "requests": 0, "p50_ms": None, "p99_ms": None},
                      "POST /borrow + /return": figures(100, 8.0, 30.0, errors=2)}}
    return {"baseline": "GET /health", "runs": [run, {"db": "postgres", "size": 1000, "skipped": "no server"}],
            "argon2": {"time_cost": 2, "memory_cost_kib": 19456, "cpu_ms_per_hash": 40.0, "cores": 2,
                       "ceiling_per_s": 50.0}}


def test_the_table_shows_ratio_and_latencies_per_route_and_size():
    lines = table(tiny_results()).splitlines()
    assert any("1k books" in line for line in lines)
    books = next(line for line in lines if line.startswith("GET /books "))
    assert books.split()[-2:] == ["0.250", "4.0/12"]
    assert next(line for line in lines if line.startswith("GET /books cursor")).split()[-1] == "n/a"
    assert next(line for line in lines if line.startswith("GET /books?sort")).endswith("none completed")
    assert next(line for line in lines if line.startswith("POST /borrow")).endswith("!")  # error responses
    assert "postgres: skipped (no server)" in lines
    assert any(line.startswith("Argon2") and "50 logins/s" in line for line in lines)


def test_each_target_is_judged_pass_or_short():
    def run(size, **ratios):
        routes = {"GET /health": {"rps": 1000, "ratio": 1.0, "p50_ms": 1.0, "p99_ms": 2.0}}
        routes.update({name: {"rps": ratio * 1000, "ratio": ratio, "p50_ms": 4.0, "p99_ms": 7.0}
                       for name, ratio in ratios.items()})
        return {"db": "sqlite", "size": size, "routes": routes, "standin_requests_during_run": 0,
                "login_vs_argon2_ceiling": 0.8, "auth_vs_anon": 0.84}

    listing = {"GET /books": 0.3, "GET /books?q=tower": 0.1, "GET /books?sort=title": 0.3,
               "GET /books?page=200": 0.3, "GET /isbn/<isbn> (cached)": 0.6}
    results = {"runs": [run(1000, **listing), run(100_000, **listing),
                        run(1_000_000, **{**listing, "GET /books?sort=title": 0.1, "GET /books?page=200": 0.01})]}
    verdicts = {target["target"]: target["passed"] for target in targets(results)}
    assert verdicts["GET /books over 100k, ratio"] and verdicts["GET /books over 100k, p99 / p50"]
    assert not verdicts["GET /books?q= over 100k, ratio"]
    assert verdicts["GET /books: cost 1M / 1k"] and not verdicts["GET /books?sort=title: cost 1M / 1k"]
    assert "GET /books?page=200: cost 1M / 1k" not in verdicts  # an offset page is not held to it
    assert verdicts["login / Argon2 ceiling over 1M"] and not verdicts["token / no token over 1k"]
    assert verdicts["cached GET /isbn over 100k, upstream calls"]
    lines = targets_text(targets(results)).splitlines()
    assert "SHORT  sqlite    GET /books?sort=title: cost 1M / 1k: 3.00 (target ≤ 1.5)" in lines
    assert "pass   sqlite    GET /books over 100k, ratio: 0.30 (target ≥ 0.25)" in lines


def test_a_routes_slices_make_one_row():
    from bench.__main__ import _combined

    def slice_(rps, p50, p99, errors=0):
        return {"rps": rps, "requests": rps, "p50_ms": p50, "p99_ms": p99, "status_errors": errors,
                "socket_errors": 0}

    row = _combined([slice_(300, 4.0, 9.0), slice_(100, 12.0, 40.0, errors=1), slice_(250, 5.0, 11.0)], ratio=0.3)
    assert (row["rps"], row["p50_ms"], row["p99_ms"], row["ratio"]) == (250, 5.0, 11.0, 0.3)
    assert (row["requests"], row["status_errors"], row["slices_rps"]) == (650, 1, [300, 100, 250])


def test_wrk_figures_are_read_from_the_report_line():
    output = ("Running 1s test\n"
              'BENCH {"requests": 500, "duration_us": 2000000, "p50_us": 1500, "p99_us": 9000, '
              '"status_errors": 1, "socket_errors": 0}\n')
    assert parse(output) == {"rps": 250.0, "requests": 500, "p50_ms": 1.5, "p99_ms": 9.0, "status_errors": 1,
                             "socket_errors": 0}


def test_the_bench_settings_come_from_the_environment():
    settings = Settings.from_environment({"BENCH_SIZES": "1000,100000", "BENCH_SECONDS": "5",
                                          "BENCH_DBS": "sqlite"})
    assert (settings.sizes, settings.seconds, settings.dbs) == ((1000, 100000), 5.0, ("sqlite",))


def test_the_openlibrary_stand_in_answers_the_recorded_edition_and_counts():
    standin = StandIn()
    try:
        edition = requests.get(f"{standin.url}/isbn/{ISBN}.json", timeout=5)
        assert edition.status_code == 200 and edition.json()["title"] == "Fantastic Mr. Fox"
        assert requests.get(f"{standin.url}/isbn/9789999999991.json", timeout=5).status_code == 404
        assert standin.requests == 3  # the redirect, the edition, the unknown ISBN
    finally:
        standin.close()


def test_wrk_drives_a_route_for_one_second_where_it_is_installed():
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (make bench installs it)")
    standin = StandIn()
    try:
        figures = run(standin.url, Route("edition", "/books/OL7353617M.json"), seconds=1, connections=2)
    finally:
        standin.close()
    assert figures["requests"] > 0 and figures["status_errors"] == 0
    assert 0 < figures["p50_ms"] <= figures["p99_ms"]
