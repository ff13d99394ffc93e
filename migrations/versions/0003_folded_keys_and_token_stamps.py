"""Folded keys for case-insensitive names, token stamps, ids never reused, empty ISBNs as none

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 04:00:00

Written by hand: the keys are filled from the existing rows, and SQLite needs its tables rebuilt to
stop reusing ids (AUTOINCREMENT).
"""
import secrets
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def fold(text):
    """library_api.domain.fold as this migration was written (a migration must not follow later code)."""
    if not text:
        return None
    return unicodedata.normalize('NFKC', unicodedata.normalize('NFKC', text).casefold()) or None


def folded_key():
    return sa.Text().with_variant(sa.Text(collation='C'), 'postgresql')


def rebuilt_on_sqlite():
    """batch_alter_table options that rebuild a SQLite table as AUTOINCREMENT (elsewhere: plain ALTERs)."""
    if op.get_bind().dialect.name == 'sqlite':
        return {'recreate': 'always', 'table_kwargs': {'sqlite_autoincrement': True}}
    return {}


def upgrade():
    bind = op.get_bind()
    op.execute("UPDATE books SET isbn = NULL WHERE isbn = ''")
    with op.batch_alter_table('books') as batch_op:
        batch_op.add_column(sa.Column('title_key', folded_key(), nullable=True))
        batch_op.add_column(sa.Column('author_key', folded_key(), nullable=True))
        batch_op.add_column(sa.Column('genre_key', folded_key(), nullable=True))

    op.drop_index('uq_users_username_lower', table_name='users')
    op.drop_index('uq_users_email_lower', table_name='users')
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('username_key', folded_key(), nullable=True))
        batch_op.add_column(sa.Column('email_key', folded_key(), nullable=True))
        batch_op.add_column(sa.Column('token_stamp', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('kept_token_jti', sa.String(length=64), nullable=True))

    books = sa.table('books', sa.column('id'), sa.column('title'), sa.column('author'), sa.column('genre'),
                     sa.column('title_key'), sa.column('author_key'), sa.column('genre_key'))
    for id_, title, author, genre in bind.execute(sa.select(books.c.id, books.c.title, books.c.author,
                                                            books.c.genre)).all():
        bind.execute(books.update().where(books.c.id == id_).values(
            title_key=fold(title), author_key=fold(author), genre_key=fold(genre)))
    users = sa.table('users', sa.column('id'), sa.column('username'), sa.column('email'),
                     sa.column('username_key'), sa.column('email_key'), sa.column('token_stamp'))
    for id_, username, email in bind.execute(sa.select(users.c.id, users.c.username, users.c.email)).all():
        bind.execute(users.update().where(users.c.id == id_).values(
            username_key=fold(username), email_key=fold(email), token_stamp=secrets.token_hex(16)))

    with op.batch_alter_table('books', **rebuilt_on_sqlite()):
        pass
    with op.batch_alter_table('users', **rebuilt_on_sqlite()) as batch_op:
        batch_op.alter_column('token_stamp', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_username_key'), ['username_key'])
        batch_op.create_unique_constraint(batch_op.f('uq_users_email_key'), ['email_key'])


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_email_key'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_users_username_key'), type_='unique')
        batch_op.drop_column('kept_token_jti')
        batch_op.drop_column('token_stamp')
        batch_op.drop_column('email_key')
        batch_op.drop_column('username_key')
    op.create_index('uq_users_username_lower', 'users', [sa.text('lower(username)')], unique=True)
    op.create_index('uq_users_email_lower', 'users', [sa.text('lower(email)')], unique=True)
    with op.batch_alter_table('books') as batch_op:
        batch_op.drop_column('genre_key')
        batch_op.drop_column('author_key')
        batch_op.drop_column('title_key')
