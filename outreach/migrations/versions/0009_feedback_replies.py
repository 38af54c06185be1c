"""feedback replies: answers staff send from the app to the public's comments

Revision ID: 0009_feedback_replies
Revises: 0005_account_tokens
Create Date: 2026-12-07 03:00:00

Staff answer questions of the feedback inbox from the app (a Facebook or Instagram comment
reply, an X reply); each reply is kept with who sent it and when, and what the platform said.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import outreach.models

revision: str = '0009_feedback_replies'
down_revision: str | None = '0008_notifications'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('feedbackreply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('remote_id', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('remote_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', outreach.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feedbackreply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedbackreply_feedback_id'), ['feedback_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('feedbackreply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedbackreply_feedback_id'))
    op.drop_table('feedbackreply')
