"""Indexes for a genre filter under each sort, and for a book's copies on the shelf

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 07:00:00

Written by hand. `genre=` with a sort walked the genre's index and sorted every book of the genre (a
twentieth of the catalog) for each page; an index on (genre_key, key, id) per sort serves the filter, the
order and its tie-break in one walk, in either direction, and its prefix replaces the genre index.
`available=` tests each book for a copy on the shelf: (book_id, status) answers from the index alone, and
its prefix replaces the book_id index.
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SORTS = ('title_key', 'author_key', 'publication_year', 'created_at')


def upgrade():
    for key in SORTS:
        op.create_index(f'ix_books_genre_key_{key}_id', 'books', ['genre_key', key, 'id'])
    op.drop_index('ix_books_genre_key', table_name='books')
    op.create_index('ix_copies_book_id_status', 'copies', ['book_id', 'status'])
    op.drop_index('ix_copies_book_id', table_name='copies')


def downgrade():
    op.create_index('ix_copies_book_id', 'copies', ['book_id'])
    op.drop_index('ix_copies_book_id_status', table_name='copies')
    op.create_index('ix_books_genre_key', 'books', ['genre_key'])
    for key in SORTS:
        op.drop_index(f'ix_books_genre_key_{key}_id', table_name='books')
