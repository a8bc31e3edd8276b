"""Index the producer code of Stamp records: a label naming a producer this deployment stamps for,
with a ProduceID no Stamp issued, is reported as a possible forgery.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_provenance_producer_code", "provenance_records", ["producer_code", "verb"])


def downgrade() -> None:
    op.drop_index("ix_provenance_producer_code", "provenance_records")
