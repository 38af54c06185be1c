"""login failures in the database, counted across web processes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 13:45:00

The sign-in limit (5 failures per 15 minutes per address and per e-mail) was counted in each web
process's memory: several processes behind a load balancer multiplied it, and the counts of
addresses that never came back were never freed.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import outreach.models

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('loginfailure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', outreach.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('loginfailure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loginfailure_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_loginfailure_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('loginfailure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loginfailure_at'))
        batch_op.drop_index(batch_op.f('ix_loginfailure_key'))
    op.drop_table('loginfailure')
