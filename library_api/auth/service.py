"""Accounts: registering, signing in and out, changing one's own account, and who a token names.

Password hashing is slow on purpose, so it runs before or after a unit of work, never inside one: a
transaction (and the dict store's lock) is held for microseconds, not for an Argon2 hash.
"""
from __future__ import annotations

import dataclasses
import hmac
from datetime import datetime

from ..domain import User, new_token_stamp
from ..errors import Conflict, Unauthorized, Unprocessable
from ..store.base import UnitOfWork
from .passwords import Passwords

def _bad_credentials() -> Unauthorized:
    return Unauthorized("INVALID_CREDENTIALS", "Invalid username or password")


def register_user(uow: UnitOfWork, passwords: Passwords | None, *, username: str | None, password: str | None,
                  email: str | None, name: str | None, now: datetime, is_admin: bool = False) -> User:
    """Create an account (without a password: a patron the desk made). Raises Conflict USERNAME_TAKEN /
    EMAIL_TAKEN, Unprocessable."""
    user = User(username=username, email=email, name=name or username, is_admin=is_admin,
                password_hash=passwords.hash(password) if password else None, created_at=now)
    with uow:
        user = uow.users.add(user)
        uow.commit()
    return user


def authenticate(uow: UnitOfWork, passwords: Passwords, *, login: str, password: str) -> User:
    """The account whose username or email and password match. Raises Unauthorized INVALID_CREDENTIALS.

    An unknown user, a wrong password and a deactivated account get the same answer in about the same time.
    """
    with uow.reading():
        user = uow.users.get_by_login(login)
    stored_hash = user.password_hash if user else None
    if not passwords.verify(stored_hash, password) or not user.is_active:
        raise _bad_credentials()
    if passwords.needs_rehash(stored_hash):
        _replace_hash(uow, user, old_hash=stored_hash, new_hash=passwords.hash(password))
    return user


def _replace_hash(uow: UnitOfWork, user: User, *, old_hash: str, new_hash: str) -> None:
    """Store a re-hash made with today's cost, unless the password changed meanwhile."""
    with uow:
        current = uow.users.get(user.id)
        if current is not None and current.password_hash == old_hash:
            uow.users.update(dataclasses.replace(current, password_hash=new_hash))
            uow.commit()


def update_account(uow: UnitOfWork, passwords: Passwords, *, user: User, changes: dict, token_jti: str) -> User:
    """Change one's own name, email or password; email and password need the current password.

    A new password rotates the account's token stamp: every other token of the account stops working,
    the one that made the change (`token_jti`) goes on. Raises Unprocessable, Unauthorized
    INVALID_CREDENTIALS, Conflict EMAIL_TAKEN.
    """
    changes = dict(changes)
    current_password = changes.pop("current_password", None)
    if ("email" in changes or "password" in changes) and not current_password:
        raise Unprocessable("VALIDATION_ERROR", "The request did not validate", current_password=[
            "Required to change the email or the password."])
    if current_password is not None and not passwords.verify(user.password_hash, current_password):
        raise _bad_credentials()
    new_password = changes.pop("password", None)
    if new_password is not None:
        changes.update(password_hash=passwords.hash(new_password), token_stamp=new_token_stamp(),
                       kept_token_jti=token_jti)
    with uow:
        stored = uow.users.get(user.id)
        if stored is None or (current_password is not None and stored.password_hash != user.password_hash):
            raise Conflict("ACCOUNT_CHANGED", "The account changed meanwhile; read it again and retry")
        user = uow.users.update(dataclasses.replace(stored, **changes))
        uow.commit()
    return user


def log_out(uow: UnitOfWork, *, jti: str, expires_at: datetime, now: datetime) -> None:
    """Revoke a token at once, and forget revocations of tokens that have expired anyway."""
    with uow:
        uow.tokens.revoke(jti, expires_at)
        uow.tokens.purge_expired(now)
        uow.commit()


def token_user(uow: UnitOfWork, *, user_id: int, stamp: str, jti: str) -> tuple[User | None, bool]:
    """The active user a token names by id and stamp (None if gone, inactive or the stamp is stale),
    and whether the token is revoked: one read for both of a request's checks."""
    with uow.reading():
        user, revoked = uow.tokens.bearer(user_id, jti)
    if user is None or not user.is_active:
        return None, revoked
    if not hmac.compare_digest(user.token_stamp, stamp) and user.kept_token_jti != jti:
        return None, revoked
    return user, revoked


def make_admin(uow: UnitOfWork, passwords: Passwords, *, username: str, password: str, now: datetime) -> User:
    """Create an administrator account (the create-admin command). Raises Conflict USERNAME_TAKEN."""
    return register_user(uow, passwords, username=username, password=password, email=None, name=None,
                         now=now, is_admin=True)


def ensure_admin(uow: UnitOfWork, passwords: Passwords, *, username: str, password: str, now: datetime) -> None:
    """Make the administrator when no account has the name; never change an existing one."""
    with uow.reading():
        if uow.users.get_by_login(username) is not None:
            return
    try:
        make_admin(uow, passwords, username=username, password=password, now=now)
    except Conflict:
        pass  # another process made it first
