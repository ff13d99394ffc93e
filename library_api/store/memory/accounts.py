"""The dict store's accounts and revoked tokens: usernames and emails unique by their folded form."""
from __future__ import annotations

import dataclasses
from datetime import datetime

from ...domain import Page, User, fold
from ...errors import NameTaken
from ..base import TokenRepository, UserRepository
from .tables import Journal, MemoryStore, copy_value

# (index table, field) for each name that is unique whatever its letter case.
UNIQUE_NAMES = (("usernames", "username"), ("emails", "email"))


class MemoryUsers(UserRepository):
    def __init__(self, store: MemoryStore, journal: Journal) -> None:
        self.store, self.j = store, journal

    def _claim_names(self, user: User, old: User | None) -> None:
        for table, field in UNIQUE_NAMES:
            key, old_key = fold(getattr(user, field)), fold(getattr(old, field)) if old else None
            if old_key and old_key != key:
                self.j.pop(table, old_key)
            if key is None:
                continue
            owner = self.j.get(table, key)
            if owner is not None and owner != user.id:
                raise NameTaken(field)
            self.j.put(table, key, user.id)

    def add(self, user: User) -> User:
        user = dataclasses.replace(user, id=self.store.next_id("users"))
        self._claim_names(user, None)
        self.j.put("users", user.id, user)
        return copy_value(user)

    def get(self, user_id: int) -> User | None:
        return self.j.get("users", user_id)

    def get_by_login(self, login: str) -> User | None:
        user_id = self.j.get("emails" if "@" in login else "usernames", fold(login))
        return self.get(user_id) if user_id is not None else None

    def update(self, user: User) -> User:
        self._claim_names(user, self.j.get("users", user.id))
        self.j.put("users", user.id, user)
        return copy_value(user)

    def lock(self, user_id: int) -> None:
        pass  # the unit of work holds the store's lock already

    def search(self, q: str | None, page: int, per_page: int) -> Page:
        found = [user for user in sorted(self.j.values("users"), key=lambda user: user.id)
                 if q is None or any(q in (fold(text) or "") for text in (user.name, user.username, user.email))]
        offset = (page - 1) * per_page
        return Page([copy_value(user) for user in found[offset:offset + per_page]], len(found))


class MemoryTokens(TokenRepository):
    def __init__(self, store: MemoryStore, journal: Journal) -> None:
        self.store, self.j = store, journal

    def revoke(self, jti: str, expires_at: datetime) -> None:
        self.j.put("revoked", jti, expires_at)

    def bearer(self, user_id: int, jti: str) -> tuple[User | None, bool]:
        return self.j.get("users", user_id), self.j.get("revoked", jti) is not None

    def purge_expired(self, now: datetime) -> int:
        expired = [jti for jti, expires_at in self.store.tables["revoked"].items() if expires_at <= now]
        for jti in expired:
            self.j.pop("revoked", jti)
        return len(expired)
