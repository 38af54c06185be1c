"""account token lifetimes: accounts connected by signing in

Revision ID: 0005_account_tokens
Revises: 0004
Create Date: 2026-12-07 01:30:00

Accounts connected with Facebook Login or X's OAuth 2.0 know when their access ends, keep X's
rotating refresh token encrypted apart from the other credentials (so that a refresh is a
compare-and-swap on it), and say why they must be signed in to again.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import outreach.models

revision: str = '0005_account_tokens'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_expires_at',
                                      outreach.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('data_access_expires_at',
                                      outreach.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('refresh_token_encrypted', sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=True))
        batch_op.add_column(sa.Column('refresh_lease_until',
                                      outreach.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('refresh_locked_by',
                                      sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))
        batch_op.add_column(sa.Column('refresh_error', sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=True))
        batch_op.add_column(sa.Column('reconnect_reason',
                                      sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('account', schema=None) as batch_op:
        for column in ('reconnect_reason', 'refresh_error', 'refresh_locked_by',
                       'refresh_lease_until', 'refresh_token_encrypted',
                       'data_access_expires_at', 'token_expires_at'):
            batch_op.drop_column(column)
