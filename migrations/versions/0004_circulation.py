"""Circulation: copies, loans and holds; one copy for each existing book

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 04:10:00

Written by hand: the partial unique indexes, the copies made for existing books, and books.available
(now derived from the copies) dropped.
"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

OPEN_LOAN = sa.text('returned_at IS NULL')
ACTIVE_HOLD = sa.text("status IN ('waiting', 'ready')")


def fold(text):
    """library_api.domain.fold as this migration was written."""
    if not text:
        return None
    return unicodedata.normalize('NFKC', unicodedata.normalize('NFKC', text).casefold()) or None


def folded_key():
    return sa.Text().with_variant(sa.Text(collation='C'), 'postgresql')


def upgrade():
    bind = op.get_bind()
    op.create_table('copies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('book_id', sa.Integer(), nullable=False),
        sa.Column('barcode', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('available', 'on_loan', 'on_hold_shelf')",
                           name=op.f('ck_copies_status_known')),
        sa.ForeignKeyConstraint(['book_id'], ['books.id'], name=op.f('fk_copies_book_id_books'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_copies')),
        sa.UniqueConstraint('barcode', name=op.f('uq_copies_barcode')),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_copies_book_id'), 'copies', ['book_id'], unique=False)

    op.create_table('loans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('book_id', sa.Integer(), nullable=False),
        sa.Column('copy_id', sa.Integer(), nullable=True),
        sa.Column('barcode', sa.String(length=64), nullable=False),
        sa.Column('borrowed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('renewals', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['book_id'], ['books.id'], name=op.f('fk_loans_book_id_books'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['copy_id'], ['copies.id'], name=op.f('fk_loans_copy_id_copies'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_loans_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_loans')),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_loans_book_id'), 'loans', ['book_id'], unique=False)
    op.create_index(op.f('ix_loans_user_id'), 'loans', ['user_id'], unique=False)
    op.create_index('uq_loans_open_copy', 'loans', ['copy_id'], unique=True,
                    sqlite_where=OPEN_LOAN, postgresql_where=OPEN_LOAN)
    op.create_index('uq_loans_open_borrower', 'loans', ['user_id', 'book_id'], unique=True,
                    sqlite_where=OPEN_LOAN, postgresql_where=OPEN_LOAN)

    op.create_table('holds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('book_id', sa.Integer(), nullable=False),
        sa.Column('copy_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ready_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('waiting', 'ready', 'fulfilled', 'cancelled', 'expired')",
                           name=op.f('ck_holds_status_known')),
        sa.ForeignKeyConstraint(['book_id'], ['books.id'], name=op.f('fk_holds_book_id_books'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['copy_id'], ['copies.id'], name=op.f('fk_holds_copy_id_copies'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_holds_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_holds')),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_holds_user_id'), 'holds', ['user_id'], unique=False)
    op.create_index('ix_holds_book_id_status', 'holds', ['book_id', 'status', 'id'], unique=False)
    op.create_index('uq_holds_active', 'holds', ['user_id', 'book_id'], unique=True,
                    sqlite_where=ACTIVE_HOLD, postgresql_where=ACTIVE_HOLD)

    # Every book had one copy, implicitly; now it is a row, named like the copies made from now on.
    books = sa.table('books', sa.column('id'), sa.column('created_at'))
    copies = sa.table('copies', sa.column('book_id'), sa.column('barcode'), sa.column('status'),
                      sa.column('created_at'))
    rows = bind.execute(sa.select(books.c.id, books.c.created_at).order_by(books.c.id)).all()
    if rows:
        op.bulk_insert(copies, [{'book_id': id_, 'barcode': f'B{id_:08d}', 'status': 'available',
                                 'created_at': created_at} for id_, created_at in rows])

    # SQLite rebuilds the table to drop a column; it must stay AUTOINCREMENT (ids never reused).
    sqlite = bind.dialect.name == 'sqlite'
    with op.batch_alter_table('books', **({'recreate': 'always', 'table_kwargs': {'sqlite_autoincrement': True}}
                                          if sqlite else {})) as batch_op:
        batch_op.drop_column('available')

    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('name_key', folded_key(), nullable=True))
    users = sa.table('users', sa.column('id'), sa.column('name'), sa.column('name_key'))
    for id_, name in bind.execute(sa.select(users.c.id, users.c.name)).all():
        bind.execute(users.update().where(users.c.id == id_).values(name_key=fold(name)))


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('name_key')
    with op.batch_alter_table('books') as batch_op:
        batch_op.add_column(sa.Column('available', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.drop_table('holds')
    op.drop_table('loans')
    op.drop_table('copies')
