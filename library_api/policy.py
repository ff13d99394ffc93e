"""Who may do what: the one place LIBRARY_WRITE_ACCESS and ownership are decided."""
from __future__ import annotations

from .domain import User
from .errors import Forbidden, Unauthorized

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
