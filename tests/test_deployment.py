"""The deployment README describes, end to end: PostgreSQL, Redis, two gunicorn instances of two workers each
(deploy/gunicorn.conf.py) and nginx (deploy/nginx.conf) balancing between them, all on 127.0.0.1.

The tests of this module share one deployment and run in order on one xdist worker. PostgreSQL is a cluster of
the module's own (initdb on a free port), so crashing it with `-m immediate` disturbs no other test; Redis is
the shared one, in db 14, which the module empties at its start and uses alone.
"""
from __future__ import annotations

import gzip
import json
import re
import shutil
import statistics
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
import sqlalchemy
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from library_api import create_app
from tests.conftest import PASSWORD, _service_missing
from tests.deployment_support import (BIN, ROOT, Instance, PrivatePostgres, clean_environment, client_at, isbn13,
                                      postgres_binaries, render_nginx, wait_for_port)
from tests.test_circulation_races import at_once
from tests.test_gunicorn import SECRET, free_port

pytestmark = [pytest.mark.xdist_group("deployment"), pytest.mark.timeout(600)]

REDIS_DB_URL = "redis://127.0.0.1:6379/14"
LOGIN_LIMIT = 5
SLOW_PROVIDER_SECONDS = 3.0


def test_a_dropped_database_is_503_not_ready_never_500(tmp_path):
    """Nothing listens where the database should be: the store's connection error is a retryable 503."""
    app = create_app({"LIBRARY_ENV": "testing", "LIBRARY_STORE": "sql", "RATELIMIT_ENABLED": False, "LIBRARY_WRITE_ACCESS": "open",
                      "DATABASE_URL": f"postgresql://root@127.0.0.1:{free_port()}/nothing?connect_timeout=2"})
    client = app.test_client()

    for answer in (client.get("/books"), client.post("/books", json={"title": "T", "author": "A"}),
                   client.get("/ready")):
        assert answer.status_code == 503, answer.get_json()
        assert answer.get_json()["error"]["code"] == "NOT_READY"


@pytest.fixture(scope="module")
def postgres():
    binaries = postgres_binaries()
    if binaries is None:
        _service_missing("no PostgreSQL server binaries (initdb) under /usr/lib/postgresql: apt-get install postgresql")
    server = PrivatePostgres(binaries)
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="module")
def redis_db():
    import redis

    client = redis.Redis.from_url(REDIS_DB_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError as error:
        _service_missing(f"Redis is not reachable at {REDIS_DB_URL}: {error}")
    client.flushdb()  # db 14 only: this module's rate-limit counters start at zero
    yield REDIS_DB_URL
    client.close()


@pytest.fixture(scope="module")
def nginx_binary():
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if found is None:
        _service_missing("nginx is not installed: apt-get install nginx")
    return found


@pytest.fixture(scope="module")
def slow_provider():
    """Open Library as on a bad day: every answer takes SLOW_PROVIDER_SECONDS, and knows no book."""
    def slowly(_request: Request) -> Response:
        time.sleep(SLOW_PROVIDER_SECONDS)
        return Response('{"error": "notfound"}', status=404, content_type="application/json")

    server = HTTPServer(host="127.0.0.1", port=free_port(), threaded=True)
    server.expect_request(re.compile(".*")).respond_with_handler(slowly)
    server.start()
    yield server.url_for("").rstrip("/")
    server.clear()
    server.stop()


def operator(settings: dict, *command: str) -> str:
    """Run `flask --app wsgi <command>` as an operator does, and return what it printed."""
    done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *command], cwd=ROOT, env=settings,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


class Deployment:
    def __init__(self, base: str, instances: list[Instance], tmp: Path, postgres: PrivatePostgres) -> None:
        self.base, self.instances, self.tmp, self.postgres = base, instances, tmp, postgres

    def access_log(self, until=bool, seconds: float = 3.0) -> list[list[str]]:
        """nginx's log (remote, method, path, status, upstream address, request id), read again until
        `until(lines)` holds: nginx writes a request's line just after its response, so a client may be first."""
        deadline = time.monotonic() + seconds
        while True:
            lines = [line.split(" ") for line in (self.tmp / "access.log").read_text().splitlines()]
            if until(lines) or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)

    def upstreams_of(self, method: str, path: str, remote: str | None = None, count: int = 1) -> Counter:
        """Which instances served the last `count` such requests."""
        def matching(lines):
            return [fields[4] for fields in lines
                    if fields[1] == method and fields[2] == path and remote in (None, fields[0])]
        return Counter(matching(self.access_log(until=lambda lines: len(matching(lines)) >= count))[-count:])


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, postgres, redis_db, nginx_binary, slow_provider):
    tmp = tmp_path_factory.mktemp("deployment")
    admin = sqlalchemy.create_engine(postgres.admin_url.replace("postgresql://", "postgresql+psycopg://"),
                                     isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text('CREATE DATABASE "library"'))
    settings = clean_environment(
        LIBRARY_ENV="production", LIBRARY_STORE="sql", DATABASE_URL=postgres.url("library"),
        JWT_SECRET_KEY=SECRET, REDIS_URL=redis_db, PROXY_COUNT="1", LIBRARY_WRITE_ACCESS="open",
        RATELIMIT_LOGIN=f"{LOGIN_LIMIT} per minute", RATELIMIT_DEFAULT="100000 per minute",
        OPENLIBRARY_URL=slow_provider, OPENLIBRARY_COVERS_URL=slow_provider + "/covers", GOOGLE_BOOKS_URL="",
        METADATA_TIMEOUT="5", OPENLIBRARY_RPS="1000", METADATA_CONTACT="deployment-test@example.invalid",
        # Two threads and one lookup at a time per worker: without the bulkhead, eight slow lookups would
        # hold every thread of both instances, and /health would wait behind them.
        WEB_CONCURRENCY="2", GUNICORN_THREADS="2", LOOKUP_CONCURRENCY="1",
        # Logins at a test's cost; the production cost is measured by `make bench`.
        ARGON2_TIME_COST="1", ARGON2_MEMORY_COST="1024")
    # The operator's steps, as the README gives them.
    operator(settings, "db", "upgrade")
    operator(settings, "create-admin", "operator", "--password", PASSWORD)
    instances = [Instance(name, free_port(), {**settings, "PROMETHEUS_MULTIPROC_DIR": str(tmp / f"prom-{name}")},
                          tmp / f"gunicorn-{name}.log") for name in ("a", "b")]
    nginx = None
    try:
        for instance in instances:
            instance.start()
        port = free_port()
        config = render_nginx(tmp, port, instances)
        nginx = subprocess.Popen([nginx_binary, "-p", str(tmp), "-c", str(config), "-e", str(tmp / "error.log")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_for_port(port)
        yield Deployment(f"http://127.0.0.1:{port}", instances, tmp, postgres)
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=20)
        for instance in instances:
            instance.stop()
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text('DROP DATABASE IF EXISTS "library" WITH (FORCE)'))
        admin.dispose()


def test_a_token_revoked_through_one_instance_is_refused_by_the_other(deployment):
    a, b = deployment.instances
    assert requests.post(f"{deployment.base}/register",
                         json={"username": "deployer", "password": PASSWORD}).status_code == 201
    token = requests.post(f"{deployment.base}/login",
                          json={"username": "deployer", "password": PASSWORD}).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert [requests.get(f"{i.base}/me", headers=bearer).status_code for i in (a, b)] == [200, 200]

    assert requests.post(f"{a.base}/logout", headers=bearer).status_code in (200, 204)

    refused = requests.get(f"{b.base}/me", headers=bearer)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "TOKEN_REVOKED"
    through_nginx = [requests.get(f"{deployment.base}/me", headers=bearer) for _ in range(2)]
    assert [(r.status_code, r.json()["error"]["code"]) for r in through_nginx] == [(401, "TOKEN_REVOKED")] * 2
    assert set(deployment.upstreams_of("GET", "/me", count=2)) == {a.address, b.address}


def test_the_operator_commands_and_probes_of_the_readme(deployment):
    admin = requests.post(f"{deployment.base}/login", json={"username": "operator", "password": PASSWORD})
    me = requests.get(f"{deployment.base}/me", headers={"Authorization": f"Bearer {admin.json()['access_token']}"})
    assert me.json()["is_admin"] is True  # made by `create-admin` before the instances started
    assert "Settled the hold queues" in operator(deployment.instances[0].env, "expire-holds")
    ready = requests.get(f"{deployment.base}/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["store"] == "ok", ready.json()


def test_nginx_passes_request_ids_compresses_caps_bodies_caches_assets_and_guards_metrics(deployment):
    given = requests.get(f"{deployment.base}/health", headers={"X-Request-ID": "from-the-caller-42"})
    assert given.headers["X-Request-ID"] == "from-the-caller-42"
    made = requests.get(f"{deployment.base}/health")
    # nginx made the id (its $request_id), and the app answered with it rather than one of its own.
    made_id = made.headers["X-Request-ID"]
    assert made_id in {fields[5] for fields in deployment.access_log(lambda ls: any(f[5] == made_id for f in ls))}
    # gunicorn's access log is one JSON object a line, naming the same request.
    deadline = time.monotonic() + 3
    while True:
        logged = [json.loads(line) for instance in deployment.instances
                  for line in instance.log.read_text().splitlines() if line.startswith("{")]
        # gunicorn's line (it names its worker's pid); the app writes one of its own on library_api.access.
        mine = [line for line in logged if line.get("request_id") == made_id and "pid" in line]
        if mine or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert mine and mine[0]["path"] == "/health" and mine[0]["method"] == "GET" and mine[0]["status"] == 200 \
        and mine[0]["remote"] == "127.0.0.1" and mine[0]["duration_ms"] >= 0 and mine[0]["time"], logged[-3:]

    spec = requests.get(f"{deployment.base}/openapi.json", headers={"Accept-Encoding": "gzip"}, stream=True)
    assert spec.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(spec.raw.read()))["info"]["title"] == "Library API"

    too_large = requests.post(f"{deployment.base}/books", data=b"x" * (1024 * 1024 + 1),
                              headers={"Content-Type": "application/json"})
    assert too_large.status_code == 413 and too_large.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"

    asset = "/docs/assets/swagger-ui.css"
    cache = [requests.get(f"{deployment.base}{asset}").headers.get("X-Cache-Status") for _ in range(3)]
    assert cache[0] == "MISS" and cache[-1] == "HIT", cache

    assert client_at("127.0.0.2").get(f"{deployment.base}/metrics").status_code == 403
    assert requests.get(f"{deployment.base}/metrics").status_code != 403  # loopback: proxied to the app


def test_the_login_limit_counts_across_instances_per_real_client(deployment):
    attacker, neighbour = client_at("127.0.0.2"), client_at("127.0.0.3")
    wrong = {"username": "deployer", "password": "not the password at all"}
    tries = [attacker.post(f"{deployment.base}/login", json=wrong).status_code for _ in range(LOGIN_LIMIT)]
    assert tries == [401] * LOGIN_LIMIT
    served = deployment.upstreams_of("POST", "/login", remote="127.0.0.2", count=LOGIN_LIMIT)
    assert len(served) == 2, f"both instances must have counted the attempts: {served}"

    limited = attacker.post(f"{deployment.base}/login", json=wrong)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    # What a client writes into X-Forwarded-For itself is not its address: nginx appends the real one.
    forged = attacker.post(f"{deployment.base}/login", json=wrong, headers={"X-Forwarded-For": "198.51.100.7"})
    assert forged.status_code == 429
    other_client = neighbour.post(f"{deployment.base}/login", json=wrong)
    assert other_client.status_code == 401, "another client has a bucket of its own"


def test_thirty_racing_borrows_of_three_copies_through_nginx(deployment):
    base = deployment.base
    book = requests.post(f"{base}/books", json={"title": "Dune", "author": "F", "copies": 3}).json()["id"]
    patrons = [requests.post(f"{base}/users", json={"name": f"P{n}"}).json()["id"] for n in range(30)]

    answers = at_once([lambda p=p: requests.post(f"{base}/borrow", json={"userId": p, "bookId": book}, timeout=60)
                       for p in patrons])

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 3, 409: 27}, statuses
    assert len({answer.json()["loan"]["copy_id"] for answer in answers if answer.status_code == 201}) == 3
    assert requests.get(f"{base}/books/{book}").json()["available_copies"] == 0
    assert len(deployment.upstreams_of("POST", "/borrow", count=30)) == 2


def test_eight_slow_lookups_leave_health_answering(deployment):
    base = deployment.base
    results: list = []
    lookups = [threading.Thread(target=lambda n=n: results.append(
        requests.get(f"{base}/isbn/{isbn13(n)}", timeout=60))) for n in range(8)]
    started = time.monotonic()
    for lookup in lookups:
        lookup.start()
    time.sleep(0.5)  # the lookups are in: each instance's workers hold theirs on the slow provider
    latencies = []
    for _ in range(5):
        before = time.monotonic()
        assert requests.get(f"{base}/health", timeout=10).status_code == 200
        latencies.append(time.monotonic() - before)
        time.sleep(0.1)
    measured_while_slow = time.monotonic() - started < SLOW_PROVIDER_SECONDS
    for lookup in lookups:
        lookup.join()

    statuses = Counter(answer.status_code for answer in results)
    report = (f"/health latencies during 8 slow lookups: {[round(s * 1000, 1) for s in latencies]} ms; "
              f"lookup statuses {dict(statuses)}")
    print(report)
    assert measured_while_slow, report
    assert statuses[503] >= 1 and set(statuses) <= {404, 503}, report
    assert {a.json()["error"]["code"] for a in results if a.status_code == 503} == {"UPSTREAM_BUSY"}, report
    assert statistics.median(latencies) < 0.1, report


def test_a_database_crash_is_503_while_it_lasts_and_heals_without_a_restart(deployment):
    base, outage = deployment.base, 1.5
    book = requests.post(f"{base}/books", json={"title": "Crash course", "author": "PG"}).json()["id"]
    samples: list[tuple[float, int]] = []
    stop = threading.Event()

    def load(worker: int) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            if n % 2:
                answer = requests.get(f"{base}/books/{book}", timeout=30)
            else:
                answer = requests.post(f"{base}/books", json={"title": f"load {worker}-{n}", "author": "L"},
                                       timeout=30)
            samples.append((time.monotonic(), answer.status_code))
            time.sleep(0.02)

    threads = [threading.Thread(target=load, args=(worker,)) for worker in range(3)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        crashed_at = time.monotonic()
        deployment.postgres.crash()
        time.sleep(outage)
        deployment.postgres.start()
        back_at = time.monotonic()
        time.sleep(3.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    statuses = Counter(status for _, status in samples)
    during = Counter(status for at, status in samples if crashed_at <= at <= back_at + 1.0)
    after = [status for at, status in samples if at > back_at + 1.0]
    report = (f"database crashed for {back_at - crashed_at:.1f} s: {len(samples)} requests, {statuses[503]} x 503, "
              f"{statuses[500]} x 500, all {dict(statuses)}, during the outage {dict(during)}, "
              f"{len(after)} after it")
    print(report)
    assert statuses[500] == 0, report
    assert statuses[503] >= 1 and during[503] == statuses[503], report
    assert after and set(after) <= {200, 201}, report
    assert all(instance.process.poll() is None for instance in deployment.instances), "no instance restarted"


def test_an_instance_killed_mid_write_loses_no_acknowledged_write(deployment):
    base = deployment.base
    acknowledged: list[str] = []
    refused: Counter = Counter()
    stop = threading.Event()
    killed_at: list[int] = []

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            title = f"survivor {n}"
            try:
                answer = requests.post(f"{base}/books", json={"title": title, "author": "W"}, timeout=30)
            except requests.RequestException as error:
                refused[type(error).__name__] += 1
                continue
            if 200 <= answer.status_code < 300:
                acknowledged.append(title)
            else:
                refused[answer.status_code] += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        time.sleep(1.5)
        killed_at.append(len(acknowledged))
        deployment.instances[1].kill()
        time.sleep(2.0)
    finally:
        stop.set()
        writer.join()

    found: Counter = Counter()
    page = 1
    while True:
        books = requests.get(f"{base}/books", params={"per_page": 500, "page": page}, timeout=30).json()
        found.update(book["title"] for book in books)
        if len(books) < 500:
            break
        page += 1
    lost = [title for title in acknowledged if title not in found]
    report = (f"{len(acknowledged)} writes acknowledged ({killed_at[0]} before the SIGKILL), "
              f"{len(acknowledged) - len(lost)} found, {len(lost)} lost; refused {dict(refused)}")
    print(report)
    assert not lost, report
    twice = [title for title in acknowledged if found[title] > 1]
    assert not twice, f"nginx sent a write to both instances: {twice}"
    assert len(acknowledged) > killed_at[0], f"nginx must send writes to the surviving instance: {report}"
