"""account leases for the dispatcher

Revision ID: 0002_dispatch
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import outreach.models

revision: str = "0002_dispatch"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("lease_until", outreach.models.UTCDateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column("locked_by", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("last_published_at",
                                   outreach.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.drop_column("last_published_at")
        batch.drop_column("locked_by")
        batch.drop_column("lease_until")
