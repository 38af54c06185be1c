"""delivery template: the template each delivery was composed from

Revision ID: 0007_delivery_template
Revises: 0005_account_tokens
Create Date: 2026-12-09 10:00:00

A post is composed once per platform, each from its own template, but only the post kept a
template name (the last platform's), so "which template works" credited Facebook and X posts to
the Instagram template. Each delivery now keeps its own. Existing deliveries get their post's
name with the platform part replaced by their own platform: the name every template has
("<kind>/<platform>.<lang>.j2"); a platform that fell back to another language cannot be told
apart afterwards, so such a delivery keeps its post's language.
"""
import re
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0007_delivery_template'
down_revision: str | None = '0006_session_generation'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = re.compile(r"([^/]+)/[^/.]+\.(\w+)\.j2")
BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template', sqlmodel.sql.sqltypes.AutoString(length=120),
                                      nullable=True))
    bind = op.get_bind()
    delivery = sa.table('delivery', sa.column('id', sa.Integer), sa.column('post_id', sa.Integer),
                        sa.column('platform', sa.String), sa.column('template', sa.String))
    post = sa.table('post', sa.column('id', sa.Integer), sa.column('template', sa.String))
    rows = bind.execute(sa.select(delivery.c.id, delivery.c.platform, post.c.template)
                        .join(post, post.c.id == delivery.c.post_id)
                        .where(post.c.template.is_not(None))).all()
    values = []
    for delivery_id, platform, name in rows:
        found = NAME.fullmatch(name)
        if found:
            values.append({"b_id": delivery_id,
                           "b_template": f"{found.group(1)}/{platform}.{found.group(2)}.j2"})
    update = (sa.update(delivery).where(delivery.c.id == sa.bindparam("b_id"))
              .values(template=sa.bindparam("b_template")))
    for i in range(0, len(values), BATCH):
        bind.execute(update, values[i:i + BATCH])


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_column('template')
