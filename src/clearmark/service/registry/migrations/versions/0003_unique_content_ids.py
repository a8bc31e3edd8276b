"""A ProduceID (Stamp) and a PropagateID (Label) name one piece of content, ever: partial unique indexes.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamp = sa.text("verb = 'stamp'")
    label = sa.text("verb = 'label' AND propagate_id != ''")
    op.create_index(
        "uq_provenance_stamp_produce_id",
        "provenance_records",
        ["produce_id"],
        unique=True,
        sqlite_where=stamp,
        postgresql_where=stamp,
    )
    op.create_index(
        "uq_provenance_label_propagate_id",
        "provenance_records",
        ["propagate_id"],
        unique=True,
        sqlite_where=label,
        postgresql_where=label,
    )


def downgrade() -> None:
    op.drop_index("uq_provenance_label_propagate_id", "provenance_records")
    op.drop_index("uq_provenance_stamp_produce_id", "provenance_records")
