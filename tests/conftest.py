"""Fixtures: an app per store (memory, SQLite, PostgreSQL), a client, a clock, and stand-in providers."""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy

from library_api import create_app
from library_api.auth.commands import ensure_admin
from library_api.extensions import db
from tests.metadata_server import install_recorded_providers
from tests.provider_support import RecordingSleep

STORES = ["memory", "sqlite", "postgres"]
DEFAULT_PG_URL = "postgresql://root@127.0.0.1:5432/postgres"


class FakeClock:
    """The app's clock in tests: it moves only when a test moves it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 15, 9, 30, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


def _service_missing(reason: str):
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def _migrate(url: str) -> None:
    """Build the schema the way an operator does: Flask-Migrate's upgrade."""
    from flask_migrate import upgrade

    app = create_app({"LIBRARY_ENV": "testing", "LIBRARY_STORE": "sql", "DATABASE_URL": url, "SERVING": False})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'library.db'}"
    _migrate(url)
    return url


# One name per test run and worker, so runs side by side never share (or drop) each other's database.
RUN_ID = uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def postgres_url(worker_id):
    """A database of this run's and worker's own on the PostgreSQL of TEST_DATABASE_URL (or the local one).

    Dropped at the end of the session: a run drops only what it created.
    """
    admin_url = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL).replace(
        "postgresql://", "postgresql+psycopg://", 1)
    name = f"library_test_{RUN_ID}_{worker_id}"
    try:
        engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT",
                                          connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    except sqlalchemy.exc.OperationalError as error:
        _service_missing(f"PostgreSQL is not reachable at {admin_url}: {error.orig}")
    url = sqlalchemy.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    _migrate(url)
    yield url
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def providers(httpserver):
    """The stand-in Open Library and Google Books, answering the recorded real responses."""
    install_recorded_providers(httpserver)
    return httpserver


def _empty_tables() -> None:
    """Every test starts on an empty database whose ids start at 1 again, as a new one's do."""
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(table.name for table in tables)
        db.session.execute(sqlalchemy.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
        db.session.execute(sqlalchemy.text("DELETE FROM sqlite_sequence"))
    db.session.commit()


@pytest.fixture(params=STORES)
def store(request):
    return request.param


@pytest.fixture
def settings(store, request, providers, clock):
    """The settings of the app under test; a test may change them before asking for `app`."""
    base = providers.url_for("").rstrip("/")
    values = {
        "LIBRARY_ENV": "testing",
        "LIBRARY_STORE": "memory" if store == "memory" else "sql",
        "OPENLIBRARY_URL": base,
        "OPENLIBRARY_COVERS_URL": base + "/covers",
        "GOOGLE_BOOKS_URL": base + "/books/v1",
        "METADATA_TIMEOUT": 0.5,
        "OPENLIBRARY_RPS": 1000.0,
        "METADATA_CONTACT": "tests@library.invalid",
        "RATELIMIT_ENABLED": False,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 64,
        # One secret for every app a test makes, as processes sharing a store share theirs.
        "JWT_SECRET_KEY": "tests-only-secret-shared-by-the-apps-of-a-test",
        "CLOCK": clock,
        # Backoff and rate-limit waits are recorded and move the clock; no test spends them.
        "SLEEP": RecordingSleep(clock),
        # An app of one test would otherwise take over the jobs another test left in a shared database.
        "IMPORT_RESUME": False,
    }
    if store != "memory":
        values["DATABASE_URL"] = request.getfixturevalue(f"{store}_url")
    return values


@pytest.fixture
def app(settings):
    app = create_app(settings)
    if settings["LIBRARY_STORE"] == "sql":
        with app.app_context():
            _empty_tables()
    yield app
    app.extensions["library.imports"].stop()  # no import thread outlives its test (or its stand-in server)
    if settings["LIBRARY_STORE"] == "sql":
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


PASSWORD = "correct horse battery"


def sign_up(client, username: str, password: str = PASSWORD, **extra) -> dict:
    response = client.post("/register", json={"username": username, "password": password, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def sign_in(client, username: str, password: str = PASSWORD) -> str:
    response = client.post("/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def client_as(app, username: str):
    """A test client that sends this user's bearer token with every request."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {sign_in(client, username)}"
    return client


def make_admin(app, username: str = "librarian") -> None:
    """An admin made the way an operator makes one: the create-admin command on the SQL store; on the
    memory store, which that command cannot reach, what ADMIN_USERNAME does at start-up."""
    if app.config["LIBRARY_STORE"] == "memory":
        app.config.update(ADMIN_USERNAME=username, ADMIN_PASSWORD=PASSWORD)
        ensure_admin(app)
        return
    result = app.test_cli_runner().invoke(args=["create-admin", username, "--password", PASSWORD])
    assert result.exit_code == 0, result.output


@pytest.fixture
def member_client(app):
    sign_up(app.test_client(), "reader", email="reader@example.org")
    return client_as(app, "reader")


@pytest.fixture
def admin_client(app):
    make_admin(app)
    return client_as(app, "librarian")


@pytest.fixture
def book(member_client):
    """One book in the catalog, added by the member."""
    return member_client.post("/books", json={"title": "Dune", "author": "Frank Herbert"}).get_json()


@pytest.fixture
def other_client(app):
    """A second member, to prove nobody reads or changes another's data."""
    sign_up(app.test_client(), "other")
    return client_as(app, "other")


@pytest.fixture
def redis_url():
    """The Redis of TEST_REDIS_URL (or the local one); tests keep to keys of their own there."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError as error:
        _service_missing(f"Redis is not reachable at {url}: {error}")
    finally:
        client.close()
    return url
