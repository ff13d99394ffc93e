"""Settings: their defaults, and how the environment overrides them.

Read inside create_app(), never at import, so tests pass their own overrides.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

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
    "LOOKUP_CACHE_TTL": 86400.0,
    "LOOKUP_NEGATIVE_CACHE_TTL": 3600.0,
    "REDIS_URL": None,
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_DEFAULT": "300 per minute",
    "RATELIMIT_LOGIN": "10 per minute",
    "CORS_ORIGINS": "",
    "LOG_LEVEL": "INFO",
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_COST": 65536,
}

# Development and tests may run without a secret of their own; production never does.
INSECURE_DEV_SECRET = "development-only-secret-not-for-production-use!"

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


def load_settings(environ: Mapping[str, str] | None = None, overrides: Mapping | None = None) -> dict:
    """Defaults, then the environment, then explicit overrides (a test's dict)."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for name, default in DEFAULTS.items():
        if name in environ:
            settings[name] = _coerce(name, environ[name], default)
    settings.update(overrides or {})
    _validate(settings)
    return settings


def _validate(settings: dict) -> None:
    env = settings["LIBRARY_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigError(f"LIBRARY_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    if settings["LIBRARY_STORE"] not in ("memory", "sql"):
        raise ConfigError("LIBRARY_STORE must be 'memory' or 'sql'")
    if settings["LIBRARY_WRITE_ACCESS"] not in ("member", "admin", "open"):
        raise ConfigError("LIBRARY_WRITE_ACCESS must be 'member', 'admin' or 'open'")
    if not settings["JWT_SECRET_KEY"]:
        if env == "production":
            raise ConfigError("JWT_SECRET_KEY must be set (at least 32 bytes) outside development and testing")
        settings["JWT_SECRET_KEY"] = INSECURE_DEV_SECRET
    if len(settings["JWT_SECRET_KEY"].encode()) < 32:
        raise ConfigError("JWT_SECRET_KEY must be at least 32 bytes long")
    if settings["JWT_ACCESS_TOKEN_MINUTES"] <= 0:
        raise ConfigError("JWT_ACCESS_TOKEN_MINUTES must be positive")
    if settings["METADATA_TIMEOUT"] <= 0 or settings["OPENLIBRARY_RPS"] <= 0:
        raise ConfigError("METADATA_TIMEOUT and OPENLIBRARY_RPS must be positive")
