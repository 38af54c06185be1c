"""web sessions recorded on the server

Revision ID: 0006_session_generation
Revises: 0005_account_tokens
Create Date: 2026-12-07 02:00:00

A signed session cookie alone stayed valid until it expired: one copied before signing out
went on working for hours. Each sign-in is now a row the cookie points to; signing out, "keluar
dari semua perangkat", a new password and an idle timeout delete it.

A sign-in failure also records the (address, e-mail) pair it came from, so that a success
forgets only its own failures and never the count of the whole address.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import outreach.models

revision: str = '0006_session_generation'
down_revision: str | None = '0005_account_tokens'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('websession',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', outreach.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', outreach.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('websession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_websession_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_websession_last_seen_at'), ['last_seen_at'],
                              unique=False)
    with op.batch_alter_table('loginfailure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pair', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_loginfailure_pair'), ['pair'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('loginfailure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loginfailure_pair'))
        batch_op.drop_column('pair')
    with op.batch_alter_table('websession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_websession_last_seen_at'))
        batch_op.drop_index(batch_op.f('ix_websession_user_id'))
    op.drop_table('websession')
