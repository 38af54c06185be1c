"""post.subject_hash: the title's or event's content hash when its post was composed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 13:20:00

Planning compares it with the subject's current hash: a queued announcement of an event whose
time or place changed since is composed again instead of going out with the old details.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_column('subject_hash')
