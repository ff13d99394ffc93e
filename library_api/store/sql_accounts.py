"""SQL repositories for users and revoked tokens."""
from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain import User
from ..errors import NameTaken
from .base import TokenRepository, UserRepository
from .models import RevokedTokenRow, UserRow
from .sql_common import aware

USER_COLUMNS = [f.name for f in dataclasses.fields(User)]


def _to_user(row: UserRow) -> User:
    user = User(**{name: getattr(row, name) for name in USER_COLUMNS})
    user.created_at = aware(user.created_at)
    return user


class SqlUsers(UserRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def _by(self, column, value: str | None) -> UserRow | None:
        if not value:
            return None
        return self.session.scalar(select(UserRow).where(func.lower(column) == value.lower()))

    @contextmanager
    def _claiming_names(self, user: User):
        """Make changes in a savepoint; the case-insensitive unique indexes become USERNAME_TAKEN / EMAIL_TAKEN."""
        try:
            with self.session.begin_nested():
                yield
                self.session.flush()
        except IntegrityError:
            owner = self._by(UserRow.username, user.username)
            if owner is not None and owner.id != user.id:
                raise NameTaken("username") from None
            raise NameTaken("email") from None

    def add(self, user: User) -> User:
        row = UserRow(**{name: getattr(user, name) for name in USER_COLUMNS if name != "id"})
        with self._claiming_names(user):
            self.session.add(row)
        return _to_user(row)

    def get(self, user_id: int) -> User | None:
        row = self.session.get(UserRow, user_id)
        return _to_user(row) if row else None

    def get_by_login(self, login: str) -> User | None:
        row = self._by(UserRow.email if "@" in login else UserRow.username, login)
        return _to_user(row) if row else None

    def update(self, user: User) -> User:
        with self._claiming_names(user):
            row = self.session.get(UserRow, user.id)
            for name in USER_COLUMNS:
                setattr(row, name, getattr(user, name))
        return _to_user(row)


class SqlTokens(TokenRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def revoke(self, jti: str, expires_at: datetime) -> None:
        self.session.merge(RevokedTokenRow(jti=jti, expires_at=expires_at))
        self.session.flush()

    def is_revoked(self, jti: str) -> bool:
        return self.session.get(RevokedTokenRow, jti) is not None

    def purge_expired(self, now: datetime) -> int:
        result = self.session.execute(delete(RevokedTokenRow).where(RevokedTokenRow.expires_at <= now))
        return result.rowcount
