"""SQLite under a real gunicorn with four workers: concurrent logins (slow Argon2 hashes), reads and writes
on one database file, and not one 5xx."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from tests.test_gunicorn import ROOT, SECRET, free_port, gunicorn, stop, wait_until_serving

BIN = Path(sys.executable).parent
PASSWORD = "correct horse battery"
USERS = 12
READERS = 4
WRITERS = 2
BOOKS_PER_WRITER = 5


def _environment(database_url: str) -> dict:
    environ = {key: value for key, value in os.environ.items()
               if not key.startswith(("LIBRARY_", "JWT_", "DATABASE_URL", "REDIS_URL"))}
    # The production settings, the production Argon2 cost (the default) included; only rate limits are off,
    # or the login bucket would answer 429 to a burst from one address.
    return {**environ, "LIBRARY_ENV": "production", "LIBRARY_STORE": "sql", "DATABASE_URL": database_url,
            "RATELIMIT_ENABLED": "false"}


@pytest.mark.timeout(90)  # the hard bound; 15-20 s on a quiet machine, start-up of four workers included
def test_sqlite_under_four_workers_answers_no_5xx(tmp_path):
    started = time.monotonic()
    env = _environment(f"sqlite:///{tmp_path / 'library.db'}")
    migrated = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr

    port = free_port()
    process = gunicorn("-w", "4", "-b", f"127.0.0.1:{port}", JWT_SECRET_KEY=SECRET,
                       **{key: env[key] for key in ("LIBRARY_ENV", "LIBRARY_STORE", "DATABASE_URL",
                                                    "RATELIMIT_ENABLED")})
    try:
        base = wait_until_serving(port, process=process)
        storm_started = time.monotonic()
        counts = _storm(base)
        storm = time.monotonic() - storm_started
    finally:
        log = stop(process)
    elapsed = time.monotonic() - started
    print(f"\nsqlite load: {dict(sorted(counts.items()))} in {storm:.1f} s ({elapsed:.1f} s with start-up)")

    summary = f"{dict(counts)} in {storm:.1f} s ({elapsed:.1f} s with start-up); server log:\n" + "\n".join(
        line for line in log.splitlines() if '" 2' not in line)[-5000:]
    assert not any(key.endswith(":5xx") for key in counts), summary
    assert counts["login:200"] == USERS and counts["login"] == USERS, summary
    assert counts["read"] > 0 and counts["read:200"] == counts["read"], summary
    assert counts["write:201"] == counts["write"] == WRITERS * BOOKS_PER_WRITER, summary
    # Registering and the storm; migrating and booting four workers vary with the host's load.
    assert storm < 30, summary


def _together(count: int, work) -> list:
    """work(0), ..., work(count - 1), each in a thread of its own; their results in order."""
    results: list = [None] * count

    def run(number: int) -> None:
        results[number] = work(number)
    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=25)
    return results


def _storm(base: str) -> Counter:
    """Register the users, then log them all in at once while others read and write."""
    counts: Counter = Counter()
    lock = threading.Lock()

    def record(kind: str, response: requests.Response) -> None:
        with lock:
            counts[kind] += 1
            counts[f"{kind}:{response.status_code}"] += 1
            if response.status_code >= 500:
                counts[f"{kind}:5xx"] += 1

    # The registrations race too: twelve concurrent writers on one SQLite file, each behind an Argon2 hash.
    registered = _together(USERS, lambda number: requests.post(
        f"{base}/register", json={"username": f"reader{number}", "password": PASSWORD}, timeout=20))
    assert [response.status_code for response in registered] == [201] * USERS, [r.text for r in registered]
    with requests.Session() as http:
        tokens = []
        for number in range(WRITERS):
            response = http.post(f"{base}/login", json={"username": f"reader{number}", "password": PASSWORD},
                                 timeout=20)
            assert response.status_code == 200, response.text
            tokens.append(response.json()["access_token"])
        response = http.post(f"{base}/books", json={"title": "Dune", "author": "Frank Herbert"},
                             headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=20)
        assert response.status_code == 201, response.text
        book_url = f"{base}/books/{response.json()['id']}"

    start = threading.Barrier(USERS + READERS + WRITERS)
    logins_done = threading.Event()
    errors: list = []

    def guarded(work):
        def run(*args):
            try:
                start.wait(timeout=20)
                work(*args)
            except Exception as error:  # noqa: BLE001 - reported in the assertion, not lost in a thread
                errors.append(repr(error))
        return run

    @guarded
    def log_in(number: int) -> None:
        with requests.Session() as http:
            record("login", http.post(f"{base}/login", json={"username": f"reader{number}",
                                                             "password": PASSWORD}, timeout=20))

    @guarded
    def read(number: int) -> None:
        with requests.Session() as http:
            turn = 0
            while not logins_done.is_set():
                url = book_url if (turn + number) % 3 == 0 else f"{base}/books?per_page=20&sort=-created_at"
                record("read", http.get(url, timeout=20))
                turn += 1

    @guarded
    def write(token: str) -> None:
        with requests.Session() as http:
            for number in range(BOOKS_PER_WRITER):
                record("write", http.post(f"{base}/books", json={"title": f"Load {token[-6:]} {number}",
                                                                 "author": "Anon"},
                                          headers={"Authorization": f"Bearer {token}"}, timeout=20))

    logins = [threading.Thread(target=log_in, args=(number,)) for number in range(USERS)]
    others = ([threading.Thread(target=read, args=(number,)) for number in range(READERS)]
              + [threading.Thread(target=write, args=(token,)) for token in tokens])
    for thread in logins + others:
        thread.start()
    for thread in logins:
        thread.join(timeout=25)
    logins_done.set()
    for thread in others:
        thread.join(timeout=25)
    assert not errors, errors
    return counts
