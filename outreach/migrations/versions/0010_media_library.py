"""media library: images staff keep for reuse

Revision ID: 0010_media_library
Revises: 0005_account_tokens
Create Date: 2026-12-07 02:10:00

A media asset can be kept in the staff's library (`kept`: reused in later posts, so a clean-up
of orphaned uploads never removes it), and says who uploaded it.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0010_media_library'
down_revision: str | None = '0009_feedback_replies'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('mediaasset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kept', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('uploaded_by', sqlmodel.sql.sqltypes.AutoString(length=254),
                                      nullable=True))
        batch_op.add_column(sa.Column('uploaded_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_mediaasset_kept'), ['kept'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('mediaasset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mediaasset_kept'))
        batch_op.drop_column('uploaded_by_id')
        batch_op.drop_column('uploaded_by')
        batch_op.drop_column('kept')
