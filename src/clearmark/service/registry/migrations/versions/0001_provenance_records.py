"""The provenance records table as the pre-Alembic ``create_all`` made it (watermark key included).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "provenance_records",
        sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(32), nullable=False, unique=True),
        sa.Column("tenant", sa.String(255), nullable=False),
        sa.Column("request_id", sa.String(255), nullable=False),
        sa.Column("verb", sa.String(16), nullable=False),
        sa.Column("media_type", sa.String(255), nullable=False),
        sa.Column("produce_id", sa.String(255), nullable=False),
        sa.Column("propagate_id", sa.String(255), nullable=False),
        sa.Column("producer_code", sa.String(255), nullable=False),
        sa.Column("propagator_code", sa.String(255), nullable=False),
        sa.Column("label_value", sa.Text(), nullable=False),
        sa.Column("input_sha256", sa.String(64), nullable=False),
        sa.Column("output_sha256", sa.String(64), nullable=False),
        sa.Column("labels_applied", sa.String(255), nullable=False),
        sa.Column("model", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("watermark_id", sa.String(64), nullable=False),
        sa.UniqueConstraint("tenant", "request_id", name="uq_provenance_tenant_request"),
    )
    op.create_index("ix_provenance_produce_id", "provenance_records", ["produce_id", "tenant"])
    op.create_index("ix_provenance_propagate_id", "provenance_records", ["propagate_id", "tenant"])
    op.create_index("ix_provenance_input_sha256", "provenance_records", ["input_sha256", "tenant"])
    op.create_index("ix_provenance_output_sha256", "provenance_records", ["output_sha256", "tenant"])
    op.create_index("ix_provenance_watermark_id", "provenance_records", ["watermark_id"])


def downgrade() -> None:
    op.drop_table("provenance_records")
