"""SQLAlchemy tables of the provenance registry; internal, the public API speaks ``ProvenanceRecord``.

The schema is owned by the Alembic migrations in ``migrations/``; these models mirror the head
revision (a test compares them).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only makes ``INTEGER PRIMARY KEY`` an auto-incrementing rowid alias; PostgreSQL gets BIGINT.
_SEQ_TYPE = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base of the registry tables."""


class ProvenanceRow(Base):
    """One Stamp or Label the service performed, as stored.

    ``seq`` only orders records that share a ``created_at``; ``record_id`` is the public identity.
    """

    __tablename__ = "provenance_records"
    __table_args__ = (
        UniqueConstraint("tenant", "request_id", name="uq_provenance_tenant_request"),
        # Lookup keys lead; tenant second so the tenant filter is answered from the index too.
        Index("ix_provenance_produce_id", "produce_id", "tenant"),
        Index("ix_provenance_propagate_id", "propagate_id", "tenant"),
        Index("ix_provenance_input_sha256", "input_sha256", "tenant"),
        Index("ix_provenance_output_sha256", "output_sha256", "tenant"),
        Index("ix_provenance_watermark_id", "watermark_id"),
        # "Does this deployment stamp for producer X?" (a label naming X with an unknown ProduceID).
        Index("ix_provenance_producer_code", "producer_code", "verb"),
        Index("ix_provenance_created_at", "created_at"),
        # A ProduceID (Stamp) and a PropagateID (Label) name one piece of content, ever.
        Index(
            "uq_provenance_stamp_produce_id",
            "produce_id",
            unique=True,
            sqlite_where=text("verb = 'stamp'"),
            postgresql_where=text("verb = 'stamp'"),
        ),
        Index(
            "uq_provenance_label_propagate_id",
            "propagate_id",
            unique=True,
            sqlite_where=text("verb = 'label' AND propagate_id != ''"),
            postgresql_where=text("verb = 'label' AND propagate_id != ''"),
        ),
    )

    seq: Mapped[int] = mapped_column(_SEQ_TYPE, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(32), unique=True)
    tenant: Mapped[str] = mapped_column(String(255))
    request_id: Mapped[str] = mapped_column(String(255))
    verb: Mapped[str] = mapped_column(String(16))
    media_type: Mapped[str] = mapped_column(String(255))
    produce_id: Mapped[str] = mapped_column(String(255))
    propagate_id: Mapped[str] = mapped_column(String(255))
    producer_code: Mapped[str] = mapped_column(String(255))
    propagator_code: Mapped[str] = mapped_column(String(255))
    label_value: Mapped[str] = mapped_column(Text)  # the implicit label as written
    input_sha256: Mapped[str] = mapped_column(String(64))
    output_sha256: Mapped[str] = mapped_column(String(64))
    labels_applied: Mapped[str] = mapped_column(String(255))  # comma-joined AppliedLabel names
    model: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    details: Mapped[str] = mapped_column(Text)  # JSON object, insertion order kept
    watermark_id: Mapped[str] = mapped_column(String(64), default="")  # hex key our image mark carries
    # The output's perceptual hash (64 bits stored signed, see media.perceptual.to_signed) and its
    # kind ("image" pHash or "text" SimHash); NULL when the modality has none.
    perceptual_hash: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    perceptual_kind: Mapped[str] = mapped_column(String(16), default="", server_default="")
    # Video: the perceptual hashes of key frames (JSON list of signed ints); NULL until video lands.
    keyframe_hashes: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReplayRow(Base):
    """The first response to a Stamp or Label, served again to a replay of its request id until it expires."""

    __tablename__ = "replays"
    __table_args__ = (Index("ix_replays_expires_at", "expires_at"),)

    record_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    result: Mapped[bytes] = mapped_column(LargeBinary)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    # A file output kept beside the database (its name in the replay directory); "" when in ``content``.
    content_file: Mapped[str] = mapped_column(String(255), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
