"""Settings: their defaults, and how the environment overrides them.

Read inside create_app(), never at import, so tests pass their own overrides.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

ENVIRONMENTS = ("production", "development", "testing")

DEFAULTS: dict = {
    "LIBRARY_ENV": "production",
    "LIBRARY_STORE": "memory",
    "DATABASE_URL": "sqlite:///library.db",
    "LIBRARY_WRITE_ACCESS": "member",
    "RESPONSE_ENVELOPE": False,
    "JWT_SECRET_KEY": None,
    "JWT_ACCESS_TOKEN_MINUTES": 30.0,
    "OPENLIBRARY_URL": "https://openlibrary.org",
    "OPENLIBRARY_COVERS_URL": "https://covers.openlibrary.org",
    "GOOGLE_BOOKS_URL": "https://www.googleapis.com/books/v1",
    "METADATA_TIMEOUT": 5.0,
    "METADATA_CONTACT": "admin@localhost",
    "OPENLIBRARY_RPS": 3.0,
    # Provider lookups that may wait on providers at once, per process; one more is 503 UPSTREAM_BUSY.
    "LOOKUP_CONCURRENCY": 4,
    "LOOKUP_CACHE_TTL": 86400.0,
    "LOOKUP_NEGATIVE_CACHE_TTL": 3600.0,
    "REDIS_URL": None,
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_DEFAULT": "300 per minute",
    "RATELIMIT_LOGIN": "10 per minute",
    "CORS_ORIGINS": "",
    "LOG_LEVEL": "INFO",
    # `json`: one JSON object per log line, each with its request's id; `text`: plain lines.
    "LOG_FORMAT": "json",
    # Where gunicorn's workers keep their metrics, added up by /metrics; empty: this process's own.
    # prometheus-client reads it from the environment when first imported, so set it there, not in a test.
    "PROMETHEUS_MULTIPROC_DIR": "",
    # How many proxies in front of the app to believe about the client (X-Forwarded-For, -Proto); 0: none.
    "PROXY_COUNT": 0,
    # OWASP's Argon2id recommendation: t=2, 19 MiB, one lane.
    "ARGON2_TIME_COST": 2,
    "ARGON2_MEMORY_COST": 19456,
    "ARGON2_PARALLELISM": 1,
    "LOAN_DAYS": 14.0,
    "MAX_LOANS": 10,
    "MAX_RENEWALS": 2,
    "HOLD_DAYS": 3.0,
    "ADMIN_USERNAME": None,
    "ADMIN_PASSWORD": None,
    # Where the memory store's one-process lock lives; empty: `<instance>/memory-store.lock` (none in tests).
    "MEMORY_STORE_LOCK": "",
    # Imports: rows looked up and committed together (at most 100 reach one Open Library request).
    "IMPORT_BATCH_SIZE": 100,
    # How long a runner's claim on a job lasts without renewal (a batch whose ISBNs Google Books answers one
    # by one may take a minute); a lapsed one is taken over.
    "IMPORT_LEASE_SECONDS": 300.0,
    # auto: an RQ queue where REDIS_URL is set on the SQL store, else a thread; thread, rq, or sync
    # (inside the request: for tests).
    "IMPORT_RUNNER": "auto",
    "IMPORT_QUEUE": "library-imports",
    # Take over, at start, the jobs whose runner died (their lease lapsed).
    "IMPORT_RESUME": True,
    # After a job's rows are done, fetch each new book's summary one by one at the polite rate.
    "IMPORT_FILL_DETAILS": True,
}

# A development server without JWT_SECRET_KEY signs with a random secret kept here, inside instance/.
DEV_SECRET_FILE = "jwt-secret"

_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True,
             "0": False, "false": False, "no": False, "off": False, "": False}


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message is one line meant for the operator."""


def _coerce(name: str, raw: str, default):
    """Turn an environment string into the type of the setting's default."""
    try:
        if isinstance(default, bool):
            return _BOOLEANS[raw.strip().lower()]
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except (KeyError, ValueError):
        raise ConfigError(f"{name}={raw!r} is not a valid value for {name}") from None
    return raw


def load_settings(environ: Mapping[str, str] | None = None, overrides: Mapping | None = None,
                  instance_path: str = "instance") -> dict:
    """Defaults, then the environment, then explicit overrides (a test's dict).

    `SERVING` (an override only, default true) is false when a command other than `run` loaded the
    app: `db upgrade` and `create-admin` need no JWT secret.
    """
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS, SERVING=True)
    for name, default in DEFAULTS.items():
        if name in environ:
            settings[name] = _coerce(name, environ[name], default)
    settings.update(overrides or {})
    _validate(settings)
    _fill_secret(settings, instance_path)
    if not settings["MEMORY_STORE_LOCK"] and settings["LIBRARY_ENV"] != "testing":
        settings["MEMORY_STORE_LOCK"] = str(Path(instance_path) / "memory-store.lock")
    return settings


def _fill_secret(settings: dict, instance_path: str) -> None:
    """Refuse production without a secret; elsewhere never sign with a constant anyone can read."""
    if settings["JWT_SECRET_KEY"]:
        if len(settings["JWT_SECRET_KEY"].encode()) < 32:
            raise ConfigError("JWT_SECRET_KEY must be at least 32 bytes long")
        return
    env = settings["LIBRARY_ENV"]
    if env == "production" and settings["SERVING"]:
        raise ConfigError("JWT_SECRET_KEY must be set (at least 32 bytes) outside development and testing")
    if env == "development" and settings["SERVING"]:
        settings["JWT_SECRET_KEY"] = _development_secret(Path(instance_path) / DEV_SECRET_FILE)
    else:
        # Tests, and commands that issue no token: a secret nobody else will ever see.
        settings["JWT_SECRET_KEY"] = secrets.token_urlsafe(48)


def _development_secret(path: Path) -> str:
    """A random secret made on first use and kept (readable by its owner only), so tokens survive a restart."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _validate(settings: dict) -> None:
    env = settings["LIBRARY_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigError(f"LIBRARY_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    if settings["LIBRARY_STORE"] not in ("memory", "sql"):
        raise ConfigError("LIBRARY_STORE must be 'memory' or 'sql'")
    if settings["LIBRARY_WRITE_ACCESS"] not in ("member", "admin", "open"):
        raise ConfigError("LIBRARY_WRITE_ACCESS must be 'member', 'admin' or 'open'")
    if bool(settings["ADMIN_USERNAME"]) != bool(settings["ADMIN_PASSWORD"]):
        raise ConfigError("ADMIN_USERNAME and ADMIN_PASSWORD go together: set both, or neither")
    if settings["JWT_ACCESS_TOKEN_MINUTES"] <= 0:
        raise ConfigError("JWT_ACCESS_TOKEN_MINUTES must be positive")
    if min(settings["LOAN_DAYS"], settings["HOLD_DAYS"]) <= 0 or settings["MAX_LOANS"] < 1 \
            or settings["MAX_RENEWALS"] < 0:
        raise ConfigError("LOAN_DAYS and HOLD_DAYS must be positive, MAX_LOANS at least 1, MAX_RENEWALS at least 0")
    if settings["METADATA_TIMEOUT"] <= 0 or settings["OPENLIBRARY_RPS"] <= 0:
        raise ConfigError("METADATA_TIMEOUT and OPENLIBRARY_RPS must be positive")
    if settings["LOG_FORMAT"] not in ("json", "text"):
        raise ConfigError("LOG_FORMAT must be 'json' or 'text'")
    if settings["PROMETHEUS_MULTIPROC_DIR"] and not os.path.isdir(settings["PROMETHEUS_MULTIPROC_DIR"]):
        raise ConfigError(f"PROMETHEUS_MULTIPROC_DIR={settings['PROMETHEUS_MULTIPROC_DIR']!r} is not a directory: "
                          "create it (empty) before the workers start")
    if settings["LOOKUP_CONCURRENCY"] < 1:
        raise ConfigError("LOOKUP_CONCURRENCY must be at least 1")
    _validate_imports(settings)
    if settings["PROXY_COUNT"] < 0:
        raise ConfigError("PROXY_COUNT must be 0 (no proxy trusted) or the number of proxies in front of the app")


def _validate_imports(settings: dict) -> None:
    if settings["IMPORT_RUNNER"] not in ("auto", "thread", "rq", "sync"):
        raise ConfigError("IMPORT_RUNNER must be 'auto', 'thread', 'rq' or 'sync'")
    if settings["IMPORT_RUNNER"] == "rq" and not (settings["REDIS_URL"] and settings["LIBRARY_STORE"] == "sql"):
        raise ConfigError("IMPORT_RUNNER=rq needs REDIS_URL and LIBRARY_STORE=sql")
    if not 1 <= settings["IMPORT_BATCH_SIZE"] <= 100 or settings["IMPORT_LEASE_SECONDS"] <= 0:
        raise ConfigError("IMPORT_BATCH_SIZE must be 1 to 100 and IMPORT_LEASE_SECONDS positive")
