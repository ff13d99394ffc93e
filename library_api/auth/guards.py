"""Route decorators that put the policy in front of a view and declare bearer auth in the OpenAPI document."""
from __future__ import annotations

import functools

from flask import current_app, g
from flask_jwt_extended import get_current_user, verify_jwt_in_request

from .. import policy
from ..domain import User

def current_actor() -> User | None:
    """The signed-in caller, or None without a token. A bad, expired or revoked token is a 401 here."""
    if "actor" not in g:  # the token is checked once per request, however often the caller is asked for
        g.actor = get_current_user() if verify_jwt_in_request(optional=True) else None
    return g.actor


def _guard(check, *, statuses: tuple[int, ...], optional_when_open: bool = False):
    def decorator(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            check()
            return view(*args, **kwargs)

        # web.Blueprint turns this into the operation's security (bearer or OAuth2) and its 401/403.
        guarded._apidoc = dict(getattr(view, "_apidoc", {}))
        guarded._apidoc["guard"] = {"statuses": statuses, "optional_when_open": optional_when_open}
        return guarded
    return decorator


def signed_in(view):
    """Only for a signed-in caller (401 otherwise)."""
    return _guard(lambda: policy.require_signed_in(current_actor()), statuses=(401,))(view)


def catalog_writer(view):
    """Only for whom LIBRARY_WRITE_ACCESS lets write the catalog (401 / 403 otherwise)."""
    return _guard(lambda: policy.ensure_can_write_catalog(
        current_actor(), current_app.config["LIBRARY_WRITE_ACCESS"]), statuses=(401, 403),
        optional_when_open=True)(view)
