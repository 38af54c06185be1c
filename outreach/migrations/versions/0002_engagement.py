"""engagement: latest snapshot pointer, removed-post detection, the feedback inbox

Revision ID: 0002_engagement
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import outreach.models

revision: str = "0002_engagement"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("last_snapshot_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("last_interactions", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("last_base", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sync_misses", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("comments_seen", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.create_index("ix_delivery_published", ["published_at", "status", "platform",
                                                     "last_snapshot_id", "last_interactions",
                                                     "last_base"], unique=False)
        batch.create_index("ix_delivery_sync", ["account_id", "status", "next_sync_at"],
                           unique=False)
    # The defaults above only fill existing rows; the models give the values from now on.
    with op.batch_alter_table("delivery") as batch:
        batch.alter_column("sync_misses", server_default=None)
        batch.alter_column("comments_seen", server_default=None)
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("remote_id", sa.String(length=120), nullable=False),
        sa.Column("parent_remote_id", sa.String(length=120), nullable=True),
        sa.Column("author_key", sa.String(length=32), nullable=True),
        sa.Column("author_handle", sa.String(length=120), nullable=True),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("created_at", outreach.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", outreach.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_question", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("handled_by", sa.String(length=254), nullable=True),
        sa.Column("handled_at", outreach.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "remote_id", name="uq_feedback_remote"),
    )
    with op.batch_alter_table("feedback") as batch:
        batch.create_index("ix_feedback_delivery_id", ["delivery_id"], unique=False)
        batch.create_index("ix_feedback_status_created", ["status", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_index("ix_feedback_status_created")
        batch.drop_index("ix_feedback_delivery_id")
    op.drop_table("feedback")
    with op.batch_alter_table("delivery") as batch:
        batch.drop_index("ix_delivery_sync")
        batch.drop_index("ix_delivery_published")
        batch.drop_column("comments_seen")
        batch.drop_column("sync_misses")
        batch.drop_column("last_base")
        batch.drop_column("last_interactions")
        batch.drop_column("last_snapshot_id")
