"""A database per run (made, migrated, filled by fake-catalog) and the gunicorn that serves it."""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests
import sqlalchemy

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OUT = ROOT / "bench" / "out"
WORKERS, THREADS = 2, 4


def postgres_answers(url: str) -> str | None:
    """None when PostgreSQL answers at `url`, else why not (one line)."""
    try:
        engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1),
                                          connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except sqlalchemy.exc.OperationalError as error:
        return str(error.orig).strip().splitlines()[0]
    return None


@contextmanager
def database(db: str, size: int, pg_url: str):
    """A new, empty database's URL; dropped (or deleted) afterwards."""
    OUT.mkdir(parents=True, exist_ok=True)
    if db == "sqlite":
        path = OUT / f"bench-{size}.db"
        _remove_sqlite(path)
        try:
            yield f"sqlite:///{path}"
        finally:
            _remove_sqlite(path)
        return
    name = f"library_bench_{size}_{os.getpid()}"
    admin = sqlalchemy.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1),
                                     isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sqlalchemy.engine.make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def flask(env: dict, *args: str) -> str:
    """Run `flask --app wsgi ARGS` on the bench's settings; its output, or exit with it on failure."""
    done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def server_environment(database_url: str, standin_url: str) -> dict:
    return dict(os.environ, LIBRARY_ENV="production", LIBRARY_STORE="sql", DATABASE_URL=database_url,
                JWT_SECRET_KEY=secrets.token_urlsafe(48), LIBRARY_WRITE_ACCESS="open",
                RATELIMIT_ENABLED="false", OPENLIBRARY_URL=standin_url, OPENLIBRARY_COVERS_URL=standin_url,
                GOOGLE_BOOKS_URL="", LOG_LEVEL="WARNING")


def gunicorn_config() -> Path:
    """deploy/gunicorn.conf.py where it exists (it is moving there), else the root one."""
    deployed = ROOT / "deploy" / "gunicorn.conf.py"
    return deployed if deployed.exists() else ROOT / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env: dict, label: str):
    """gunicorn (2 workers x 4 threads) on a free port; yields its base URL, stops it afterwards."""
    port = free_port()
    env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}")
    log = open(OUT / f"gunicorn-{label}.log", "w")
    process = subprocess.Popen([str(BIN / "gunicorn"), "-c", str(gunicorn_config()), "--workers", str(WORKERS),
                                "--threads", str(THREADS), "wsgi:app"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_up(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {OUT}/gunicorn-*.log")
        try:
            if requests.get(f"{base}/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer /health within {timeout:.0f} s")
