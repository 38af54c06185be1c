"""sources: which OAI-PMH harvests were incremental (ImportRun.harvested_since)

Revision ID: 0002_sources
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_sources"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("importrun") as batch:
        batch.add_column(sa.Column("harvested_since", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("importrun") as batch:
        batch.drop_column("harvested_since")
