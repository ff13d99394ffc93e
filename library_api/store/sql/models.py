"""The SQL tables. Only store/sql/ uses these rows; everything else sees domain dataclasses."""
from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ...extensions import db

# Ids are never reused: SQLite hands out a deleted row's id again unless the table says AUTOINCREMENT.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def FoldedKey() -> Text:
    """A column holding domain.fold() of another: compared byte by byte (code point order) on every
    database, as Python compares the dict store's keys, never by a locale's collation.

    Unbounded, because casefolding can lengthen a text (one character can become eighteen).
    """
    return Text().with_variant(Text(collation="C"), "postgresql")


class BookRow(db.Model):
    __tablename__ = "books"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The catalog keeps one book per ISBN-13, whatever form it was entered in.
    isbn: Mapped[str | None] = mapped_column(String(13), unique=True)
    isbn10: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(500))
    subtitle: Mapped[str | None] = mapped_column(String(500))
    author: Mapped[str | None] = mapped_column(String(500))
    summary: Mapped[str | None] = mapped_column(Text)
    cover_url: Mapped[str | None] = mapped_column(String(2048))
    publication_year: Mapped[int | None] = mapped_column(Integer)
    genre: Mapped[str | None] = mapped_column(String(100))
    publisher: Mapped[str | None] = mapped_column(String(500))
    page_count: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[object] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[object] = mapped_column(DateTime(timezone=True))
    # Folded forms (domain.fold) that filters and sorts use.
    title_key: Mapped[str | None] = mapped_column(FoldedKey())
    author_key: Mapped[str | None] = mapped_column(FoldedKey())
    genre_key: Mapped[str | None] = mapped_column(FoldedKey())


class UserRow(db.Model):
    __tablename__ = "users"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[object] = mapped_column(DateTime(timezone=True))
    # Usernames and emails are unique by their folded form, whatever the letter case or alphabet.
    username_key: Mapped[str | None] = mapped_column(FoldedKey(), unique=True)
    email_key: Mapped[str | None] = mapped_column(FoldedKey(), unique=True)
    token_stamp: Mapped[str] = mapped_column(String(32))
    kept_token_jti: Mapped[str | None] = mapped_column(String(64))


class FavoriteRow(db.Model):
    __tablename__ = "favorites"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[object] = mapped_column(DateTime(timezone=True))


class ShelfRow(db.Model):
    __tablename__ = "shelf_entries"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),
        CheckConstraint("status IN ('wishlist', 'reading', 'completed')", name="status_known"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(16))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    review_text: Mapped[str | None] = mapped_column(Text)
    date_added: Mapped[object] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[object] = mapped_column(DateTime(timezone=True))


class RevokedTokenRow(db.Model):
    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[object] = mapped_column(DateTime(timezone=True), index=True)
