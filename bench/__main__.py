"""`make bench`: what costs what, as ratios measured in one run (the machines are shared and noisy).

1. Login: an unknown user against a wrong password, at the production Argon2 cost (should be about 1).
2. Catalog: a page of 50 from 5,000 books, SQLite against the dict store, plain and filtered.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from config import DEFAULTS
from library_api import create_app
from library_api.extensions import db

PASSWORD = "a long benchmark passphrase"


def timed(call, repeat: int) -> float:
    """The median seconds of `repeat` calls."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def app_for(store: str, directory: Path):
    settings = {"LIBRARY_ENV": "testing", "RATELIMIT_ENABLED": False, "LIBRARY_WRITE_ACCESS": "open",
                "ARGON2_TIME_COST": DEFAULTS["ARGON2_TIME_COST"],
                "ARGON2_MEMORY_COST": DEFAULTS["ARGON2_MEMORY_COST"]}
    if store == "sqlite":
        settings.update(LIBRARY_STORE="sql", DATABASE_URL=f"sqlite:///{directory / 'bench.db'}")
    app = create_app(settings)
    if store == "sqlite":
        with app.app_context():
            upgrade()
    return app


def bench_login(app) -> None:
    client = app.test_client()
    client.post("/register", json={"username": "bench", "password": PASSWORD})
    wrong = timed(lambda: client.post("/login", json={"username": "bench", "password": "not the password"}), 15)
    unknown = timed(lambda: client.post("/login", json={"username": "nobody", "password": "not the password"}), 15)
    right = timed(lambda: client.post("/login", json={"username": "bench", "password": PASSWORD}), 15)
    print(f"login (Argon2 t={DEFAULTS['ARGON2_TIME_COST']}, m={DEFAULTS['ARGON2_MEMORY_COST']} KiB): "
          f"{right * 1000:.0f} ms a login; unknown user / wrong password = {unknown / wrong:.2f}")


def fill_catalog(app, count: int) -> None:
    client = app.test_client()
    for number in range(count):
        client.post("/books", json={"title": f"Book {number:05d}", "author": f"Author {number % 97}",
                                    "genre": ("Fiction", "History", "Poetry")[number % 3],
                                    "publication_year": 1900 + number % 120})


def bench_catalog(apps: dict) -> None:
    results = {}
    for store, app in apps.items():
        client = app.test_client()
        results[store] = {
            "page": timed(lambda: client.get("/books?per_page=50&page=40"), 30),
            "filtered": timed(lambda: client.get("/books?author=author 5&genre=fiction&sort=-publication_year"), 30),
        }
    for query in ("page", "filtered"):
        memory, sqlite = results["memory"][query], results["sqlite"][query]
        print(f"GET /books {query:8s}: dict {memory * 1000:6.1f} ms, SQLite {sqlite * 1000:6.1f} ms, "
              f"SQLite / dict = {sqlite / memory:.2f}")


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        apps = {store: app_for(store, Path(directory)) for store in ("memory", "sqlite")}
        bench_login(apps["memory"])
        for app in apps.values():
            fill_catalog(app, 5000)
        bench_catalog(apps)
        with apps["sqlite"].app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
