"""The SQL tables. Only store/sql/ uses these rows; everything else sees domain dataclasses."""
from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text, text
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
    created_at: Mapped[object] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[object] = mapped_column(DateTime(timezone=True))
    # Folded forms (domain.fold) that filters and sorts use.
    title_key: Mapped[str | None] = mapped_column(FoldedKey())
    author_key: Mapped[str | None] = mapped_column(FoldedKey())
    genre_key: Mapped[str | None] = mapped_column(FoldedKey())


# Each sort walks one index, its ties broken by id, and so does each sort of one genre (the trigram indexes
# of title_key and author_key are in migration 0005 only: a GIN index on PostgreSQL, an FTS5 table on SQLite).
for _key in ("title_key", "author_key", "publication_year", "created_at"):
    Index(f"ix_books_{_key}_id", getattr(BookRow, _key), BookRow.id)
    Index(f"ix_books_genre_key_{_key}_id", BookRow.genre_key, getattr(BookRow, _key), BookRow.id)


def described_here(name: str | None, type_: str, _parent_names) -> bool:
    """Whether autogenerate should compare this schema object with the models: the trigram search
    structures and the trigger-kept book count are the migrations' own (they differ per database and
    SQLAlchemy cannot describe them)."""
    if type_ == "table":
        return not (name or "").startswith("books_search") and name != "book_count"
    if type_ == "index":
        return not (name or "").endswith("_trigrams")
    return True


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
    name_key: Mapped[str | None] = mapped_column(FoldedKey())
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


def _partial(sql: str) -> dict:
    """A partial index's condition, in the SQL both SQLite and PostgreSQL accept."""
    return {"sqlite_where": text(sql), "postgresql_where": text(sql)}


class CopyRow(db.Model):
    __tablename__ = "copies"
    __table_args__ = (
        CheckConstraint("status IN ('available', 'on_loan', 'on_hold_shelf')", name="status_known"),
        # A book's copies, and whether one is on the shelf, from the index alone.
        Index("ix_copies_book_id_status", "book_id", "status"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"))
    barcode: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[object] = mapped_column(DateTime(timezone=True))


class LoanRow(db.Model):
    __tablename__ = "loans"
    __table_args__ = (
        # A copy is never out twice, and a borrower never has two copies of one book, even under races.
        Index("uq_loans_open_copy", "copy_id", unique=True, **_partial("returned_at IS NULL")),
        Index("uq_loans_open_borrower", "user_id", "book_id", unique=True, **_partial("returned_at IS NULL")),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"), index=True)
    # History outlives a withdrawn copy: the barcode is kept on the loan.
    copy_id: Mapped[int | None] = mapped_column(ForeignKey("copies.id", ondelete="SET NULL"))
    barcode: Mapped[str] = mapped_column(String(64))
    borrowed_at: Mapped[object] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[object] = mapped_column(DateTime(timezone=True))
    returned_at: Mapped[object | None] = mapped_column(DateTime(timezone=True))
    renewals: Mapped[int] = mapped_column(Integer, default=0)


class HoldRow(db.Model):
    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'ready', 'fulfilled', 'cancelled', 'expired')", name="status_known"),
        # One place in a book's queue per user.
        Index("uq_holds_active", "user_id", "book_id", unique=True,
              **_partial("status IN ('waiting', 'ready')")),
        Index("ix_holds_book_id_status", "book_id", "status", "id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"))
    copy_id: Mapped[int | None] = mapped_column(ForeignKey("copies.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[object] = mapped_column(DateTime(timezone=True))
    ready_until: Mapped[object | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[object | None] = mapped_column(DateTime(timezone=True))


class ImportJobRow(db.Model):
    __tablename__ = "import_jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'finished')", name="status_known"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A deleted user's jobs go with them: kept without an owner, they would read as anonymous (anyone's).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    to_shelf: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[object] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[object | None] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[object | None] = mapped_column(DateTime(timezone=True))


class ImportRowRow(db.Model):
    __tablename__ = "import_rows"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'created', 'duplicate', 'not_found', 'invalid', 'failed')",
                        name="status_known"),
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),
        # The runner's "next pending rows" and the job's counts walk this index.
        Index("ix_import_rows_job_id_status", "job_id", "status", "row"),
    )

    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    isbn: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(500))
    author: Mapped[str | None] = mapped_column(String(500))
    shelf_status: Mapped[str | None] = mapped_column(String(16))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    review_text: Mapped[str | None] = mapped_column(Text)
    date_added: Mapped[object | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    # The outcome outlives a book deleted later: the row keeps its status and loses the link.
    book_id: Mapped[int | None] = mapped_column(ForeignKey("books.id", ondelete="SET NULL"), index=True)
    error: Mapped[str | None] = mapped_column(String(500))
    needs_details: Mapped[bool] = mapped_column(Boolean, default=False)
