"""Perceptual hashes on every record, a created_at index for retention, and replays in the registry.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("provenance_records") as batch:
        batch.add_column(sa.Column("perceptual_hash", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("perceptual_kind", sa.String(16), nullable=False, server_default=""))
        batch.add_column(sa.Column("keyframe_hashes", sa.Text(), nullable=True))
    op.create_index("ix_provenance_created_at", "provenance_records", ["created_at"])
    op.create_table(
        "replays",
        sa.Column("record_id", sa.String(32), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("result", sa.LargeBinary(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_replays_expires_at", "replays", ["expires_at"])


def downgrade() -> None:
    op.drop_table("replays")
    op.drop_index("ix_provenance_created_at", "provenance_records")
    with op.batch_alter_table("provenance_records") as batch:
        batch.drop_column("keyframe_hashes")
        batch.drop_column("perceptual_kind")
        batch.drop_column("perceptual_hash")
