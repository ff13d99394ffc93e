"""The Library API: create_app() builds one configured Flask application."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone

from flask import Flask, current_app, has_app_context

__version__ = "0.1.0"

MAX_BODY_BYTES = 1024 * 1024


def create_app(config: Mapping | None = None) -> Flask:
    """Build the app from the environment's settings, with `config` overriding them."""
    from config import load_settings

    from . import errors, extensions, logs, middleware, observability, redis_store
    from .conditional import init_conditional
    from .auth.commands import create_admin, ensure_admin
    from .borrow.commands import expire_holds
    from .fake import fake_catalog
    from .imports.commands import import_isbns, import_worker
    from .imports.queue import init_imports
    from .jsonio import OrjsonProvider
    from .auth.passwords import Passwords
    from .auth.tokens import init_tokens
    from .providers import build_lookup
    from .store import init_store
    from .web import IdConverter

    app = Flask(__name__, static_folder=None)
    app.json = OrjsonProvider(app)
    app.url_map.converters["id"] = IdConverter
    app.config.from_mapping(load_settings(overrides=config, instance_path=app.instance_path))
    app.config.update(_framework_settings(app.config))
    _trust_proxies(app, app.config["PROXY_COUNT"])
    logs.configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    logs.warn_if_per_process(app.config, app.logger)

    app.extensions["library.uow"] = init_store(app)
    redis = redis_store.connect(app.config["REDIS_URL"]) if app.config["REDIS_URL"] else None
    app.extensions["library.redis"] = redis
    app.extensions["library.throttle"] = logs.Throttle()
    app.extensions["library.lookup"] = build_lookup(app.config, redis=redis)
    app.extensions["library.passwords"] = Passwords(time_cost=app.config["ARGON2_TIME_COST"],
                                                    memory_cost=app.config["ARGON2_MEMORY_COST"],
                                                    parallelism=app.config["ARGON2_PARALLELISM"])
    init_tokens(app, extensions.jwt)
    extensions.limiter.init_app(app)
    logs.install_limiter_warning(_app_throttle)
    if app.config["CORS_ORIGINS"]:
        extensions.cors.init_app(app, origins=app.config["CORS_ORIGINS"].split(","),
                                 expose_headers=["X-Total-Count", "Link", "X-Request-ID", "Retry-After"])
    extensions.api.init_app(app)
    _declare_security(extensions.api)
    errors.register_error_handlers(app)
    errors.register_jwt_errors(extensions.jwt)
    init_conditional(app)  # first registered, so it runs last: after the envelope, on the final body
    middleware.init_middleware(app)
    observability.init_observability(app)
    _register_blueprints(app, extensions.api)
    init_imports(app)
    app.extensions["library.spec"] = extensions.api.spec  # this app's own; the next app's Api gets a new one
    app.cli.add_command(create_admin)
    app.cli.add_command(expire_holds)
    app.cli.add_command(fake_catalog)
    app.cli.add_command(import_isbns)
    app.cli.add_command(import_worker)
    if app.config["SERVING"] and app.config["ADMIN_USERNAME"]:
        ensure_admin(app)
    return app


def _app_throttle():
    """The current app's throttle of repeated warnings (each app warns on its own)."""
    return current_app.extensions.get("library.throttle") if has_app_context() else None


def _trust_proxies(app: Flask, count: int) -> None:
    """Believe the last `count` proxies' X-Forwarded-For and -Proto, so remote_addr (the rate limits' key)
    is the client's address. X-Forwarded-Host is never believed: links are not built from a Host a client
    could choose."""
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0, x_port=0, x_prefix=0)


def _framework_settings(settings: Mapping) -> dict:
    """Translate our settings into the names Flask and its extensions read."""
    from .redis_store import STORAGE_OPTIONS

    return {
        "DEBUG": False,
        "TESTING": settings["LIBRARY_ENV"] == "testing",
        "MAX_CONTENT_LENGTH": MAX_BODY_BYTES,
        "CLOCK": settings.get("CLOCK") or (lambda: datetime.now(timezone.utc)),
        "APP_VERSION": __version__,
        "API_TITLE": "Library API",
        "API_VERSION": __version__,
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/docs/assets/",
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "RATELIMIT_STORAGE_URI": settings["REDIS_URL"] or "memory://",
        "RATELIMIT_STORAGE_OPTIONS": STORAGE_OPTIONS if settings["REDIS_URL"] else {},
        "RATELIMIT_HEADERS_ENABLED": False,
        # If the limits' storage fails, serve anyway (fail open) rather than refuse every request.
        "RATELIMIT_SWALLOW_ERRORS": True,
    }


def _declare_security(api) -> None:
    """Bearer and OAuth2 password-flow schemes, headers and error responses the operations refer to."""
    from .openapi import declare_components

    declare_components(api.spec)


def _register_blueprints(app: Flask, api) -> None:
    from .auth.routes import bp as auth
    from .books.routes import bp as books
    from .borrow.routes import bp as borrow
    from .favorites.routes import bp as favorites
    from .imports.routes import bp as imports
    from .isbn.routes import bp as isbn
    from .ops.routes import assets, bp as ops, metrics
    from .page.routes import bp as page
    from .shelf.routes import bp as shelf

    for blueprint in (auth, books, isbn, borrow, favorites, shelf, imports, ops):
        api.register_blueprint(blueprint)
    app.register_blueprint(assets)
    app.register_blueprint(metrics)
    app.register_blueprint(page)  # HTML for people, outside the OpenAPI document
