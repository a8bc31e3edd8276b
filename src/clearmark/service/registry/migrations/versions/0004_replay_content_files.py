"""A stored response's content may be a file beside the database (long media), named in ``content_file``.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("replays") as batch:
        batch.add_column(sa.Column("content_file", sa.String(255), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("replays") as batch:
        batch.drop_column("content_file")
