"""The catalog's size, kept by the database as books come and go

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 09:20:00

Written by hand. An unfiltered catalog page (the first page, every sort, every cursor page) showed its total
by probing for the 10,001st book: an index walk of 10,001 entries, half of a first page's SQL time over
100,000 books. `book_count` holds the number in one row, kept by triggers on books, so no code path that
adds or deletes books (the API, imports, fake-catalog's bulk inserts, a DBA's DELETE) can leave it behind.
PostgreSQL's triggers fire once per statement with its transition table, so a bulk insert updates the row
once, and TRUNCATE resets it; SQLite has row triggers only, and no TRUNCATE.
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

CREATE = ("CREATE TABLE book_count (id INTEGER PRIMARY KEY CHECK (id = 1), books BIGINT NOT NULL)",
          "INSERT INTO book_count (id, books) SELECT 1, count(*) FROM books")

SQLITE = [
    "CREATE TRIGGER book_count_insert AFTER INSERT ON books BEGIN "
    "UPDATE book_count SET books = books + 1 WHERE id = 1; END",
    "CREATE TRIGGER book_count_delete AFTER DELETE ON books BEGIN "
    "UPDATE book_count SET books = books - 1 WHERE id = 1; END",
]

POSTGRESQL = [
    "CREATE FUNCTION book_count_added() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE book_count SET books = books + (SELECT count(*) FROM added) WHERE id = 1; RETURN NULL; END $$",
    "CREATE FUNCTION book_count_removed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE book_count SET books = books - (SELECT count(*) FROM removed) WHERE id = 1; RETURN NULL; END $$",
    "CREATE FUNCTION book_count_emptied() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE book_count SET books = 0 WHERE id = 1; RETURN NULL; END $$",
    "CREATE TRIGGER book_count_insert AFTER INSERT ON books REFERENCING NEW TABLE AS added "
    "FOR EACH STATEMENT EXECUTE FUNCTION book_count_added()",
    "CREATE TRIGGER book_count_delete AFTER DELETE ON books REFERENCING OLD TABLE AS removed "
    "FOR EACH STATEMENT EXECUTE FUNCTION book_count_removed()",
    "CREATE TRIGGER book_count_truncate AFTER TRUNCATE ON books "
    "FOR EACH STATEMENT EXECUTE FUNCTION book_count_emptied()",
]


def upgrade():
    for statement in CREATE + tuple(SQLITE if op.get_bind().dialect.name == 'sqlite' else POSTGRESQL):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in ('insert', 'delete'):
            op.execute(f'DROP TRIGGER book_count_{trigger}')
    else:
        for trigger in ('insert', 'delete', 'truncate'):
            op.execute(f'DROP TRIGGER book_count_{trigger} ON books')
        for function in ('added', 'removed', 'emptied'):
            op.execute(f'DROP FUNCTION book_count_{function}()')
    op.execute('DROP TABLE book_count')
