"""Where imports run: a restart in the middle loses no row, the RQ queue and its worker, the CLI."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from library_api import create_app
from library_api.extensions import db
from library_api.imports import service
from library_api.imports.queue import import_env
from library_api.imports.runner import run_job
from tests.conftest import client_as, sign_up
from tests.import_support import wait_for
from tests.metadata_server import FOX, SABRIEL, STARS, books_api

RECORDED = [FOX.isbn13, SABRIEL.isbn13, STARS.isbn13, "9780385472579", "9780316030571", "9782070427796"]


def _stop(app) -> None:
    app.extensions["library.imports"].stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_a_restart_in_the_middle_loses_no_row_and_saves_none_twice(settings, app, providers, clock):
    # Two runners ask the one-request-at-a-time stand-in at once for a while: room for both.
    settings.update(IMPORT_BATCH_SIZE=2, METADATA_TIMEOUT=3.0)
    books_api(providers).delay = 0.4
    sign_up(app.test_client(), "intern")
    # The process that will "die" (the fixture's app emptied the tables before it started).
    dying = create_app(settings)
    client = dying.test_client()
    client.environ_base.update(client_as(app, "intern").environ_base)
    location = client.post("/imports", json={"isbns": RECORDED}).headers["Location"]
    wait_for(client, location, until=lambda job: job["done"] >= 2, timeout=20)

    # The process is gone: its runner holds the lease no more than IMPORT_LEASE_SECONDS. A new process
    # started after that takes the job over; the old runner, if it ever wakes up, may save nothing.
    clock.advance(seconds=settings.get("IMPORT_LEASE_SECONDS", 300) + 1)
    restarted = create_app({**settings, "IMPORT_RESUME": True})
    try:
        job = wait_for(client, location, timeout=30)
    finally:
        _stop(dying)
        _stop(restarted)
    assert job["counts"] == {"created": 6} and len({row["book_id"] for row in job["rows"]}) == 6
    books = client.get("/books?per_page=50").get_json()
    assert sorted(book["isbn"] for book in books) == sorted(RECORDED)  # each once
    assert all(len(client.get(f"/books/{book['id']}/copies").get_json()) == 1 for book in books)


@pytest.mark.parametrize("store", ["sqlite"])
def test_the_rq_queue_and_its_worker_run_an_import(settings, redis_url, providers):
    queue = f"library-imports-test-{uuid.uuid4().hex[:8]}"
    settings.update(REDIS_URL=redis_url, IMPORT_QUEUE=queue, LOOKUP_CACHE_KEY_PREFIX=f"test:{queue}:",
                    RATELIMIT_ENABLED=False)
    from tests.conftest import _empty_tables  # the app fixture would do it; this app is the test's own

    app = create_app(settings)
    with app.app_context():
        _empty_tables()
    try:
        sign_up(app.test_client(), "intern")
        client = client_as(app, "intern")
        location = client.post("/imports", json={"isbns": [FOX.isbn13, "bad"]}).headers["Location"]
        assert client.get(location).get_json()["status"] == "queued"  # nobody runs it but a worker

        result = app.test_cli_runner().invoke(args=["import-worker", "--burst"])

        assert result.exit_code == 0, result.output
        job = client.get(location).get_json()
        assert job["status"] == "finished" and [row["status"] for row in job["rows"]] == ["created", "invalid"]
    finally:
        from redis import Redis
        from rq import Queue

        Queue(queue, connection=Redis.from_url(redis_url)).delete(delete_jobs=True)
        _stop(app)


@pytest.mark.parametrize("store", ["sqlite"])
def test_import_isbns_prints_a_summary_and_fails_on_bad_rows(app, providers, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(f"{FOX.isbn13}\n\n{SABRIEL.isbn10}\n")
    result = app.test_cli_runner().invoke(args=["import-isbns", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 rows: created 2, duplicate 0, not_found 0, invalid 0, failed 0" in result.output

    books_api(providers).failing = 3
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(f"ISBN\n{FOX.isbn13}\nnot an isbn\n{STARS.isbn13}\n")
    result = app.test_cli_runner().invoke(args=["import-isbns", str(mixed), "--no-details"])
    assert result.exit_code == 1
    assert "3 rows: created 0, duplicate 1, not_found 0, invalid 1, failed 1" in result.output
    assert app.test_client().get("/books").headers["X-Total-Count"] == "2"


@pytest.mark.parametrize("store", ["memory"])
def test_import_isbns_refuses_the_memory_store_in_one_line(app, tmp_path):
    file = tmp_path / "isbns.txt"
    file.write_text(FOX.isbn13)
    result = app.test_cli_runner().invoke(args=["import-isbns", str(file)])
    assert result.exit_code == 1 and "LIBRARY_STORE=memory" in result.output
    assert len(result.output.strip().splitlines()) == 1



def test_a_job_held_by_one_runner_is_not_run_by_another_until_its_lease_lapses(app, providers, clock):
    env = import_env(app)
    job = service.start_import(env.uow(), actor=None, items=service.items_from_isbns([FOX.isbn13]), now=clock())
    with env.uow() as uow:
        assert uow.imports.claim(job.id, "a runner elsewhere", clock(), clock() + timedelta(seconds=60))
        uow.commit()
    with env.uow().reading() as uow:
        assert uow.imports.lapsed(clock()) == []

    assert run_job(env, job.id) is None  # held: refused, nothing done

    clock.advance(seconds=60)
    with env.uow().reading() as uow:
        assert uow.imports.lapsed(clock()) == [job.id]
    done = run_job(env, job.id)
    assert done.status == "finished" and done.counts == {"created": 1} and done.details_pending == 0
    with env.uow().reading() as uow:
        assert uow.imports.lapsed(clock()) == []  # released, nothing left to do
