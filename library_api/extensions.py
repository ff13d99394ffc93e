"""The Flask extensions, created unbound here and bound to an app in create_app()."""
import json

import jwt as pyjwt
from flask import current_app
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_jwt_extended.config import config as jwt_config
from flask_jwt_extended.tokens import _decode_jwt
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

from .schemas import ErrorEnvelope


class LibraryApi(Api):
    """flask-smorest's Api, documenting SPEC.md's error envelope instead of its own.

    /openapi.json serves this app's own spec (kept by create_app, as the Api object is shared by every app
    a process makes), finished by openapi.document on the first request and kept.
    """

    ERROR_SCHEMA = ErrorEnvelope

    def _openapi_json(self):
        from .openapi import document

        extensions = current_app.extensions
        if "library.openapi" not in extensions:
            extensions["library.openapi"] = json.dumps(
                document(extensions["library.spec"], envelope=current_app.config["RESPONSE_ENVELOPE"]), indent=2)
        return current_app.response_class(extensions["library.openapi"], mimetype="application/json")


# Named constraints, so migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class LibraryJWTManager(JWTManager):
    """flask-jwt-extended's manager, decoding a token once rather than three times.

    It decodes every token twice unverified (claims, then header) for a callback to choose the key by; we
    have one key, and PyJWT tests each character of the token on every decode (in process, three decodes
    were a third of what a token adds to a request). Pinned flask-jwt-extended: this replaces its
    _decode_jwt_from_config, keeping what the expired-token callback is given.
    """

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False) -> dict:
        kwargs = {
            "algorithms": jwt_config.decode_algorithms,
            "audience": jwt_config.decode_audience,
            "csrf_value": csrf_value,
            "encoded_token": encoded_token,
            "identity_claim_key": jwt_config.identity_claim_key,
            "issuer": jwt_config.decode_issuer,
            "leeway": jwt_config.leeway,
            "secret": jwt_config.decode_key,
            "verify_aud": jwt_config.decode_audience is not None,
            "verify_sub": jwt_config.verify_sub,
        }
        try:
            return _decode_jwt(**kwargs, allow_expired=allow_expired)
        except pyjwt.ExpiredSignatureError as error:
            error.jwt_header = pyjwt.get_unverified_header(encoded_token)
            error.jwt_data = _decode_jwt(**kwargs, allow_expired=True)
            raise


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
jwt = LibraryJWTManager()


def _per_client_limit() -> str:
    return current_app.config["RATELIMIT_DEFAULT"]


class LibraryLimiter(Limiter):
    """Flask-Limiter with SPEC.md's meaning of RATELIMIT_DEFAULT: one bucket per client across all routes.

    Flask-Limiter reads RATELIMIT_DEFAULT as a limit for each route on its own (300 on every route);
    here the setting is the application-wide limit, read per request so that each app keeps its value.
    """

    def init_app(self, app) -> None:
        missing = object()
        per_client = app.config.pop("RATELIMIT_DEFAULT", missing)
        # One Limiter serves every app a process creates (tests make many): Flask-Limiter keeps the first
        # app's key prefix, so each app sets its own.
        self._key_prefix = app.config.get("RATELIMIT_KEY_PREFIX", "")
        try:
            super().init_app(app)
        finally:
            if per_client is not missing:
                app.config["RATELIMIT_DEFAULT"] = per_client


# The client is the connecting address (a trusted proxy's report of it, once PROXY_COUNT is honoured).
# Retry-After goes on a 429 only (errors.py), so the per-response rate-limit headers are off.
limiter = LibraryLimiter(key_func=get_remote_address, application_limits=[_per_client_limit],
                         headers_enabled=False)
cors = CORS()
api = LibraryApi()
