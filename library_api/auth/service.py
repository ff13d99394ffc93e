"""Accounts: registering, signing in and out, and the rules of who an account is."""
from __future__ import annotations

from datetime import datetime

from ..domain import User
from ..errors import Unauthorized
from ..store.base import UnitOfWork
from .passwords import Passwords


def register_user(uow: UnitOfWork, passwords: Passwords, *, username: str, password: str,
                  email: str | None, name: str | None, now: datetime, is_admin: bool = False) -> User:
    """Create an account. Raises Conflict USERNAME_TAKEN / EMAIL_TAKEN."""
    user = User(username=username, email=email, name=name or username, is_admin=is_admin,
                password_hash=passwords.hash(password), created_at=now)
    with uow:
        user = uow.users.add(user)
        uow.commit()
    return user


def authenticate(uow: UnitOfWork, passwords: Passwords, *, login: str, password: str) -> User:
    """The account whose username or email and password match. Raises Unauthorized INVALID_CREDENTIALS.

    An unknown user, a wrong password and a deactivated account get the same answer in about the same time.
    """
    with uow:
        user = uow.users.get_by_login(login)
        hash_ = user.password_hash if user else None
        if not passwords.verify(hash_, password) or not user.is_active:
            raise Unauthorized("INVALID_CREDENTIALS", "Invalid username or password")
        if passwords.needs_rehash(hash_):
            user.password_hash = passwords.hash(password)
            uow.users.update(user)
            uow.commit()
    return user


def log_out(uow: UnitOfWork, *, jti: str, expires_at: datetime, now: datetime) -> None:
    """Revoke a token at once, and forget revocations of tokens that have expired anyway."""
    with uow:
        uow.tokens.revoke(jti, expires_at)
        uow.tokens.purge_expired(now)
        uow.commit()


def is_token_revoked(uow: UnitOfWork, *, jti: str) -> bool:
    with uow:
        return uow.tokens.is_revoked(jti)


def active_user(uow: UnitOfWork, *, user_id: int) -> User | None:
    """The user a token names, if the account still exists and is active."""
    with uow:
        user = uow.users.get(user_id)
    return user if user and user.is_active else None


def make_admin(uow: UnitOfWork, passwords: Passwords, *, username: str, password: str, now: datetime) -> User:
    """Create an administrator account (the create-admin command). Raises Conflict USERNAME_TAKEN."""
    return register_user(uow, passwords, username=username, password=password, email=None, name=None,
                         now=now, is_admin=True)

