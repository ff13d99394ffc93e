"""Catalog indexes: one per sort with its id tie-break, and trigram indexes for substring search

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 04:45:00

Written by hand. Each sort walks an index on (key, id). Substring filters on the folded title and author
use a trigram index: pg_trgm's GIN indexes on PostgreSQL, an FTS5 table with the trigram tokenizer on
SQLite (kept in step with books by triggers; GLOB uses it, so case_sensitive: the keys are folded already).
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

SORTS = ('title_key', 'author_key', 'publication_year', 'created_at')

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE books_search USING fts5(title_key, author_key, content='books', content_rowid='id', "
    "tokenize='trigram case_sensitive 1')",
    "CREATE TRIGGER books_search_insert AFTER INSERT ON books BEGIN "
    "INSERT INTO books_search(rowid, title_key, author_key) VALUES (new.id, new.title_key, new.author_key); END",
    "CREATE TRIGGER books_search_delete AFTER DELETE ON books BEGIN "
    "INSERT INTO books_search(books_search, rowid, title_key, author_key) "
    "VALUES ('delete', old.id, old.title_key, old.author_key); END",
    "CREATE TRIGGER books_search_update AFTER UPDATE OF title_key, author_key ON books BEGIN "
    "INSERT INTO books_search(books_search, rowid, title_key, author_key) "
    "VALUES ('delete', old.id, old.title_key, old.author_key); "
    "INSERT INTO books_search(rowid, title_key, author_key) VALUES (new.id, new.title_key, new.author_key); END",
    "INSERT INTO books_search(books_search) VALUES ('rebuild')",
]


def upgrade():
    op.drop_index('ix_books_created_at', table_name='books')
    for key in SORTS:
        op.create_index(f'ix_books_{key}_id', 'books', [key, 'id'])
    op.create_index('ix_books_genre_key', 'books', ['genre_key'])
    if op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_SEARCH:
            op.execute(statement)
    else:
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for key in ('title_key', 'author_key'):
            op.create_index(f'ix_books_{key}_trigrams', 'books', [key], postgresql_using='gin',
                            postgresql_ops={key: 'gin_trgm_ops'})


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in ('insert', 'delete', 'update'):
            op.execute(f'DROP TRIGGER books_search_{trigger}')
        op.execute('DROP TABLE books_search')
    else:
        for key in ('title_key', 'author_key'):
            op.drop_index(f'ix_books_{key}_trigrams', table_name='books')
    op.drop_index('ix_books_genre_key', table_name='books')
    for key in SORTS:
        op.drop_index(f'ix_books_{key}_id', table_name='books')
    op.create_index('ix_books_created_at', 'books', ['created_at'])
