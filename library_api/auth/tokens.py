"""Access tokens: issuing them, and telling flask-jwt-extended how to find their user and revocation.

A token names its user by id and by the account's random stamp: ids can come back (a memory store
restarted), stamps never do, so an old token is TOKEN_INVALID rather than somebody else's.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, g
from flask_jwt_extended import JWTManager, create_access_token

from ..domain import User
from ..web import uow
from . import service

# Token answers must not be kept by a browser or a proxy (RFC 6749, section 5.1).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def issue_token(user: User) -> tuple[dict, dict]:
    """A bearer token for the user, in the shape of an OAuth2 token response, with its headers."""
    lifetime: timedelta = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    token = create_access_token(identity=str(user.id), additional_claims={"stamp": user.token_stamp})
    return {"access_token": token, "token_type": "bearer", "expires_in": int(lifetime.total_seconds())}, NO_STORE


def _checked(payload: dict) -> tuple[User | None, bool]:
    """The token's user and revocation, read once per request however often asked."""
    if g.get("token_jti") != payload["jti"]:
        g.token_jti = payload["jti"]
        g.token_check = service.token_user(uow(), user_id=int(payload["sub"]), stamp=str(payload.get("stamp", "")),
                                           jti=payload["jti"])
    return g.token_check


def _load_user(_header: dict, payload: dict) -> User | None:
    # A token whose user is gone, deactivated or re-stamped is no longer a valid token.
    return _checked(payload)[0]


def _is_revoked(_header: dict, payload: dict) -> bool:
    return _checked(payload)[1]


def init_tokens(app: Flask, jwt: JWTManager) -> None:
    """Configure flask-jwt-extended from our settings and hook it to the store."""
    app.config.update(
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=app.config["JWT_ACCESS_TOKEN_MINUTES"]),
        JWT_TOKEN_LOCATION=["headers"],
        JWT_ALGORITHM="HS256",
        JWT_DECODE_ALGORITHMS=["HS256"],
        JWT_DECODE_LEEWAY=0,
    )
    jwt.init_app(app)
    jwt.user_lookup_loader(_load_user)
    jwt.token_in_blocklist_loader(_is_revoked)
