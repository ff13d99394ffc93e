"""Imports: jobs and their rows

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 06:50:00

Written by hand, like 0004. A user's jobs go with the user (kept without an owner they would read as
anonymous jobs, which anyone may read); a row keeps its outcome when its book is deleted later.
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('to_shelf', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lease_owner', sa.String(length=64), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'finished')", name=op.f('ck_import_jobs_status_known')),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_import_jobs_owner_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_jobs')),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_import_jobs_owner_id'), 'import_jobs', ['owner_id'], unique=False)

    op.create_table('import_rows',
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('row', sa.Integer(), nullable=False),
        sa.Column('isbn', sa.String(length=64), nullable=True),
        sa.Column('title', sa.String(length=500), nullable=True),
        sa.Column('author', sa.String(length=500), nullable=True),
        sa.Column('shelf_status', sa.String(length=16), nullable=True),
        sa.Column('rating', sa.SmallInteger(), nullable=True),
        sa.Column('review_text', sa.Text(), nullable=True),
        sa.Column('date_added', sa.DateTime(timezone=True), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('book_id', sa.Integer(), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.Column('needs_details', sa.Boolean(), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'created', 'duplicate', 'not_found', 'invalid', 'failed')",
                           name=op.f('ck_import_rows_status_known')),
        sa.CheckConstraint('rating IS NULL OR (rating BETWEEN 1 AND 5)', name=op.f('ck_import_rows_rating_range')),
        sa.ForeignKeyConstraint(['book_id'], ['books.id'], name=op.f('fk_import_rows_book_id_books'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['job_id'], ['import_jobs.id'], name=op.f('fk_import_rows_job_id_import_jobs'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('job_id', 'row', name=op.f('pk_import_rows')),
    )
    op.create_index(op.f('ix_import_rows_book_id'), 'import_rows', ['book_id'], unique=False)
    op.create_index('ix_import_rows_job_id_status', 'import_rows', ['job_id', 'status', 'row'], unique=False)


def downgrade():
    op.drop_table('import_rows')
    op.drop_table('import_jobs')
