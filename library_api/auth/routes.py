"""Registering, signing in (JSON or the OAuth2 password flow), signing out, and who am I."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app, url_for
from flask_jwt_extended import get_jwt

from ..extensions import limiter
from ..middleware import FORM_ENDPOINTS
from ..openapi import header_refs
from ..web import Blueprint, utcnow, uow
from . import service
from .guards import current_actor, signed_in
from .schemas import AccountPatch, LoginIn, RegisterIn, TokenForm, TokenOut, UserOut
from .tokens import issue_token

bp = Blueprint("auth", __name__, description="Accounts and access tokens")
FORM_ENDPOINTS.add("auth.token")


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


# One bucket per client for every route that checks or makes a password (SPEC.md, Service).
login_limit = limiter.shared_limit(_login_limit, scope="login")


def _passwords():
    return current_app.extensions["library.passwords"]


@bp.route("/register", methods=["POST"], endpoint="register")
@bp.route("/auth/register", methods=["POST"], endpoint="auth_register")
@login_limit
@bp.arguments(RegisterIn)
@bp.response(201, UserOut, headers=header_refs("Location"))
@bp.errors(409)
def register(data):
    """Create an account."""
    user = service.register_user(uow(), _passwords(), username=data["username"], password=data["password"],
                                 email=data.get("email"), name=data.get("name"), now=utcnow())
    return user, {"Location": url_for("auth.me")}


@bp.route("/login", methods=["POST"])
@login_limit
@bp.arguments(LoginIn)
@bp.response(200, TokenOut)
@bp.errors(401)
def login(data):
    """Exchange a username (or email) and password for an access token."""
    user = service.authenticate(uow(), _passwords(), login=data.get("username") or data["email"],
                                password=data["password"])
    return issue_token(user)


@bp.route("/auth/token", methods=["POST"])
@login_limit
@bp.arguments(TokenForm, location="form")
@bp.response(200, TokenOut)
@bp.errors(401)
def token(data):
    """Exchange credentials for an access token (OAuth2 password flow, form fields)."""
    user = service.authenticate(uow(), _passwords(), login=data["username"], password=data["password"])
    return issue_token(user)


@bp.route("/logout", methods=["POST"], endpoint="logout")
@bp.route("/auth/logout", methods=["POST"], endpoint="auth_logout")
@signed_in
@bp.response(204)
def logout():
    """Revoke the token this request carries, at once."""
    claims = get_jwt()
    service.log_out(uow(), jti=claims["jti"], expires_at=datetime.fromtimestamp(claims["exp"], timezone.utc),
                    now=utcnow())


@bp.route("/me", methods=["GET"])
@signed_in
@bp.response(200, UserOut)
def me():
    """Show the signed-in account."""
    return current_actor()


@bp.route("/me", methods=["PATCH"])
@signed_in
@bp.arguments(AccountPatch, required=False)
@bp.response(200, UserOut)
def update_me(changes):
    """Change the signed-in account's name, email or password (the last two need current_password)."""
    return service.update_account(uow(), _passwords(), user=current_actor(), changes=changes,
                                  token_jti=get_jwt()["jti"])
