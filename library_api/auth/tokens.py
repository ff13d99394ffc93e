"""Access tokens: issuing them, and telling flask-jwt-extended how to find their user and revocation."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app
from flask_jwt_extended import JWTManager, create_access_token

from ..domain import User
from ..web import uow
from . import service


def issue_token(user: User) -> dict:
    """A bearer token for the user, in the shape of an OAuth2 token response."""
    lifetime: timedelta = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return {"access_token": create_access_token(identity=str(user.id)), "token_type": "bearer",
            "expires_in": int(lifetime.total_seconds())}


def _load_user(_header: dict, payload: dict) -> User | None:
    # A token whose user is gone or deactivated is no longer a valid token.
    return service.active_user(uow(), user_id=int(payload["sub"]))


def _is_revoked(_header: dict, payload: dict) -> bool:
    return service.is_token_revoked(uow(), jti=payload["jti"])


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
