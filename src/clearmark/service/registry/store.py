"""The provenance registry: transactional, idempotent Stamp/Label records and tenant-scoped lookup."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import ColumnElement, Engine, create_engine, event, or_, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from clearmark.core.enums import AppliedLabel
from clearmark.core.errors import FieldViolation, RequestConflict, Unavailable
from clearmark.service.registry.models import Base, ProvenanceRow

VERBS = frozenset({"stamp", "label"})
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class RegistryUnavailable(Unavailable):
    """The registry database is gone, read-only or unreachable; nothing was recorded."""

    default_reason = "REGISTRY_UNAVAILABLE"


@dataclass(frozen=True)
class ProvenanceRecord:
    """What one Stamp or Label did to one piece of content, for Lookup and the Art. 9 log.

    ``record_id`` is a uuid4 hex chosen by the writer; ``(tenant, request_id)`` is the idempotency
    key. Hashes are lowercase hex SHA-256 of the bytes received and returned. ``details`` holds free
    key/value pairs (e.g. notice geometry as JSON), keys unique, order kept.

    Raises:
        ValueError: on an unknown verb, empty tenant or request id, a malformed hash, a naive
            ``created_at``, a label that is not an ``AppliedLabel``, or a repeated ``details`` key.
    """

    record_id: str
    request_id: str
    tenant: str
    verb: str
    media_type: str
    produce_id: str
    propagate_id: str
    producer_code: str
    propagator_code: str
    label_value: str
    input_sha256: str
    output_sha256: str
    labels_applied: tuple[AppliedLabel, ...]
    model: str
    created_at: datetime
    details: tuple[tuple[str, str], ...] = ()
    # The registry key our invisible watermark carries (hex), "" when no mark was embedded.
    watermark_id: str = ""

    def __post_init__(self) -> None:
        if not self.record_id:
            raise ValueError("record_id must not be empty")
        if not self.tenant or not self.request_id:
            raise ValueError("tenant and request_id must not be empty")
        if self.verb not in VERBS:
            raise ValueError(f"verb must be one of {sorted(VERBS)}, not {self.verb!r}")
        for name in ("input_sha256", "output_sha256"):
            if not _SHA256_HEX.fullmatch(getattr(self, name)):
                raise ValueError(f"{name} must be 64 lowercase hex digits")
        if self.created_at.tzinfo is None or self.created_at.utcoffset() is None:
            raise ValueError("created_at must be timezone-aware")
        if not all(isinstance(label, AppliedLabel) for label in self.labels_applied):
            raise ValueError("labels_applied must hold AppliedLabel members")
        keys = [key for key, _ in self.details]
        if len(keys) != len(set(keys)):
            raise ValueError("details keys must be unique")


class RegistryStore:
    """The registry over one SQLAlchemy database (SQLite file by default, PostgreSQL in production).

    SQLite connections run in WAL mode with a busy timeout and foreign keys on, and may be used from
    any thread. Use as a context manager, or call ``close()``.

    Args:
        url: a SQLAlchemy URL, e.g. ``sqlite:////var/lib/clearmark/registry.db``; the parent
            directory of a SQLite file is created.
        busy_timeout_ms: how long a SQLite writer waits for the write lock before failing.
    """

    def __init__(self, url: str, *, busy_timeout_ms: int = 5000) -> None:
        parsed = make_url(url)
        self._engine = _create_engine(parsed, busy_timeout_ms)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._file = _sqlite_file(parsed)
        self._identity: tuple[int, int] | None = None
        self._lock = threading.Lock()
        self.errors = 0  # failures seen (health checks and operations), for the metrics endpoint
        self.problem: str | None = None  # why the last check failed; None while healthy

    @property
    def engine(self) -> Engine:
        """The underlying engine (for health checks and migrations)."""
        return self._engine

    def check(self) -> str | None:
        """Probe the database: None when it is usable, else why not (and remember it in ``problem``).

        A SQLite file must still be the file opened at start (not deleted or replaced) and
        writable, since SQLite keeps writing into an unlinked file without complaint; every
        backend must answer a query.
        """
        problem = self._file_problem()
        if problem is None:
            try:
                with self._engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
            except DBAPIError as error:
                problem = f"the registry database does not answer ({type(error.orig).__name__})"
        if problem is not None:
            with self._lock:
                self.errors += 1
        self.problem = problem
        return problem

    def _file_problem(self) -> str | None:
        if self._file is None or self._identity is None:
            return None
        try:
            stat = os.stat(self._file)
        except OSError:
            return "the registry database file is gone"
        if (stat.st_dev, stat.st_ino) != self._identity:
            return "the registry database file was replaced"
        if not os.access(self._file, os.W_OK) or not os.access(self._file.parent, os.W_OK):
            return "the registry database file is read-only"
        return None

    def create_schema(self) -> None:
        """Create missing tables and indexes.

        Enough for the embedded SQLite default; Alembic migrations replace this with PostgreSQL.
        """
        Base.metadata.create_all(self._engine)
        if self._file is not None:
            stat = os.stat(self._file)
            self._identity = (stat.st_dev, stat.st_ino)

    def record(self, rec: ProvenanceRecord) -> tuple[ProvenanceRecord, bool]:
        """Store ``rec`` unless its ``(tenant, request_id)`` is already recorded.

        A replay (same verb and input hash) returns the stored record, unchanged, so retries are
        safe; a concurrent duplicate insert is resolved the same way.

        Returns:
            The stored record and whether this call created it.

        Raises:
            RequestConflict: the request id was used before for another verb or other content, or
                the same content then produced a different output.
        """
        rec = replace(rec, created_at=rec.created_at.astimezone(UTC))
        existing = self.get_by_request(rec.tenant, rec.request_id)
        if existing is not None:
            return _check_replay(existing, rec), False
        try:
            with self._transaction(writing=True) as session:
                session.add(_to_row(rec))
        except IntegrityError:
            # Lost a race with another writer of the same request id: apply the replay rule to theirs.
            existing = self.get_by_request(rec.tenant, rec.request_id)
            if existing is None:
                raise
            return _check_replay(existing, rec), False
        return rec, True

    def get_by_request(self, tenant: str, request_id: str) -> ProvenanceRecord | None:
        """The record of ``request_id`` in ``tenant``, or None."""
        stmt = select(ProvenanceRow).where(
            ProvenanceRow.tenant == tenant,
            ProvenanceRow.request_id == request_id,
        )
        with self._transaction() as session:
            row = session.scalars(stmt).one_or_none()
            return None if row is None else _to_record(row)

    def watermark_known(self, watermark_id: str) -> bool:
        """Whether any tenant's record carries this watermark key (reveals nothing else about it)."""
        stmt = select(ProvenanceRow.seq).where(ProvenanceRow.watermark_id == watermark_id.lower()).limit(1)
        with self._transaction() as session:
            return session.scalars(stmt).first() is not None

    def find(
        self,
        tenant: str,
        *,
        produce_id: str = "",
        propagate_id: str = "",
        sha256: str = "",
        watermark_id: str = "",
        limit: int = 100,
    ) -> list[ProvenanceRecord]:
        """Records of ``tenant`` matching exactly one key, newest first.

        ``sha256`` matches the input or the output hash (case-insensitive). Other tenants' records
        are never returned.

        Raises:
            ValueError: no key or more than one key given, an empty tenant, a malformed sha256, or
                ``limit`` below 1.
        """
        if not tenant:
            raise ValueError("tenant must not be empty")
        if sum(1 for key in (produce_id, propagate_id, sha256, watermark_id) if key) != 1:
            raise ValueError("give exactly one of produce_id, propagate_id, sha256, watermark_id")
        if limit < 1:
            raise ValueError("limit must be at least 1")
        condition: ColumnElement[bool]
        if produce_id:
            condition = ProvenanceRow.produce_id == produce_id
        elif propagate_id:
            condition = ProvenanceRow.propagate_id == propagate_id
        elif watermark_id:
            condition = ProvenanceRow.watermark_id == watermark_id.lower()
        else:
            digest = sha256.lower()
            if not _SHA256_HEX.fullmatch(digest):
                raise ValueError("sha256 must be 64 hex digits")
            condition = or_(ProvenanceRow.input_sha256 == digest, ProvenanceRow.output_sha256 == digest)
        stmt = (
            select(ProvenanceRow)
            .where(ProvenanceRow.tenant == tenant, condition)
            .order_by(ProvenanceRow.created_at.desc(), ProvenanceRow.seq.desc())
            .limit(limit)
        )
        with self._transaction() as session:
            return [_to_record(row) for row in session.scalars(stmt)]

    @contextmanager
    def _transaction(self, *, writing: bool = False) -> Iterator[Any]:
        """A session (committed at the end when ``writing``); database failures become RegistryUnavailable."""
        if writing:
            problem = self.check()
            if problem is not None:
                raise RegistryUnavailable(f"{problem}; nothing was recorded")
        try:
            if writing:
                with self._sessions.begin() as session:
                    yield session
            else:
                with self._sessions() as session:
                    yield session
        except IntegrityError:
            raise
        except OperationalError as error:
            with self._lock:
                self.errors += 1
            self.problem = f"the registry database failed ({type(error.orig).__name__})"
            raise RegistryUnavailable(f"{self.problem}; nothing was recorded") from None

    def close(self) -> None:
        """Release every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> RegistryStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _check_replay(existing: ProvenanceRecord, incoming: ProvenanceRecord) -> ProvenanceRecord:
    """Apply the idempotency rule: the same request id must mean the same work on the same content.

    The output may differ (C2PA signatures are randomised): the first record wins, and the service
    answers a replay with the output stored for it.
    """
    violation = (FieldViolation("request_id", "already used in this tenant"),)
    if existing.verb != incoming.verb or existing.input_sha256 != incoming.input_sha256:
        raise RequestConflict(
            f"request id {incoming.request_id!r} was reused for different content",
            violations=violation,
        )
    return existing


def _to_row(rec: ProvenanceRecord) -> ProvenanceRow:
    return ProvenanceRow(
        record_id=rec.record_id,
        tenant=rec.tenant,
        request_id=rec.request_id,
        verb=rec.verb,
        media_type=rec.media_type,
        produce_id=rec.produce_id,
        propagate_id=rec.propagate_id,
        producer_code=rec.producer_code,
        propagator_code=rec.propagator_code,
        label_value=rec.label_value,
        input_sha256=rec.input_sha256,
        output_sha256=rec.output_sha256,
        labels_applied=",".join(label.name for label in rec.labels_applied),
        model=rec.model,
        created_at=rec.created_at,
        details=json.dumps(dict(rec.details), ensure_ascii=False),
        watermark_id=rec.watermark_id,
    )


def _to_record(row: ProvenanceRow) -> ProvenanceRecord:
    created_at = row.created_at
    # SQLite keeps no offset; the store only ever writes UTC.
    created_at = created_at.replace(tzinfo=UTC) if created_at.tzinfo is None else created_at.astimezone(UTC)
    return ProvenanceRecord(
        record_id=row.record_id,
        request_id=row.request_id,
        tenant=row.tenant,
        verb=row.verb,
        media_type=row.media_type,
        produce_id=row.produce_id,
        propagate_id=row.propagate_id,
        producer_code=row.producer_code,
        propagator_code=row.propagator_code,
        label_value=row.label_value,
        input_sha256=row.input_sha256,
        output_sha256=row.output_sha256,
        labels_applied=tuple(AppliedLabel[name] for name in row.labels_applied.split(",") if name),
        model=row.model,
        created_at=created_at,
        details=tuple((str(key), str(value)) for key, value in json.loads(row.details).items()),
        watermark_id=row.watermark_id,
    )


def _sqlite_file(url: URL) -> Path | None:
    """The file of a file-backed SQLite URL, else None."""
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return None
    if url.query.get("mode") == "memory":
        return None
    return Path(database).expanduser().resolve()


def _create_engine(url: URL, busy_timeout_ms: int) -> Engine:
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = url.database or ""
    in_memory = database in ("", ":memory:") or url.query.get("mode") == "memory"
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": busy_timeout_ms / 1000}}
    if in_memory:
        kwargs["poolclass"] = StaticPool  # one shared connection, else every thread sees its own database
    elif not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")  # before WAL: that needs a lock
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    return engine
