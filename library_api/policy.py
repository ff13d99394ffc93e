"""Who may do what: the one place LIBRARY_WRITE_ACCESS and ownership are decided."""
from __future__ import annotations

from .domain import User
from .errors import Forbidden, Unauthorized, Unprocessable

WRITE_ACCESS_MODES = ("member", "admin", "open")


def require_signed_in(actor: User | None) -> User:
    """The caller, who must be signed in. Raises Unauthorized TOKEN_MISSING."""
    if actor is None:
        raise Unauthorized("TOKEN_MISSING", "Sign in and send the token as 'Authorization: Bearer <token>'")
    return actor


def ensure_can_write_catalog(actor: User | None, mode: str) -> None:
    """Catalog writes: anyone in `open` mode, members in `member` mode, admins in `admin` mode."""
    if mode == "open":
        return
    require_signed_in(actor)
    if mode == "admin" and not actor.is_admin:
        raise Forbidden("FORBIDDEN", "Only administrators may change the catalog")


def ensure_desk(actor: User | None, mode: str) -> None:
    """The desk's routes (patrons, every loan): admins, or anyone in `open` mode."""
    if mode == "open":
        return
    require_signed_in(actor)
    if not actor.is_admin:
        raise Forbidden("FORBIDDEN", "Only administrators may do this")


def ensure_self_or_admin(actor: User | None, user_id: int) -> None:
    """A user's own loans and holds: that user, or an admin. Raises Unauthorized / Forbidden."""
    require_signed_in(actor)
    if actor.id != user_id and not actor.is_admin:
        raise Forbidden("FORBIDDEN", "This belongs to another user")


def ensure_may_see_user(actor: User | None, user_id: int, mode: str) -> None:
    """A user's account, loans and holds: that user, admins, or anyone in `open` mode."""
    if mode != "open":
        ensure_self_or_admin(actor, user_id)


def borrower_for(actor: User | None, user_id: int | None, mode: str) -> int:
    """Whom a borrow, return or hold is for: members act for themselves, admins (and anyone in `open`
    mode) for anyone. Raises Unauthorized, Forbidden, Unprocessable (no user named in `open` mode)."""
    if actor is None and mode == "open":
        if user_id is None:
            raise Unprocessable("VALIDATION_ERROR", "The request did not validate", userId=["Name the user."])
        return user_id
    require_signed_in(actor)
    if user_id is None or user_id == actor.id:
        return actor.id
    if actor.is_admin or mode == "open":
        return user_id
    raise Forbidden("FORBIDDEN", "Members borrow for themselves; the desk acts for others")


def ensure_may_read_imports(actor: User | None, mode: str) -> None:
    """Imports are read with a token, except in `open` mode, where anyone may start one."""
    if mode != "open":
        require_signed_in(actor)


def may_see_import(actor: User | None, owner_id: int | None) -> bool:
    """A job started without a token (open mode) is anyone's who has its id; a member's job is theirs and
    the admins'."""
    return owner_id is None or (actor is not None and (actor.id == owner_id or actor.is_admin))
