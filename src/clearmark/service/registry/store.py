"""The provenance registry: transactional, idempotent Stamp/Label records, tenant-scoped paged lookup,
nearest-perceptual-hash lookup and retention."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, create_engine, delete, event, func, or_, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from clearmark.core.enums import AppliedLabel
from clearmark.core.errors import FieldViolation, RequestConflict, Unavailable
from clearmark.media.perceptual import from_signed, to_signed
from clearmark.service.registry.models import ProvenanceRow, ReplayRow
from clearmark.service.registry.paging import PagePosition, decode_page_token, encode_page_token, query_digest
from clearmark.service.registry.perceptual import BindingCheck, PerceptualHash, check_binding
from clearmark.service.registry.schema import upgrade_schema
from clearmark.service.registry.similar import PerceptualIndex

VERBS = frozenset({"stamp", "label"})
LOOKUP_KEYS = ("produce_id", "propagate_id", "sha256", "watermark_id")
# Measures Art. 9 and GB 45438: logs kept at least six months.
MIN_RETENTION = timedelta(days=183)
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
    # The output's perceptual hash (pixels or text), None for modalities without one.
    perceptual: PerceptualHash | None = None
    # Video: perceptual hashes of key frames, in order (unsigned 64-bit).
    keyframe_hashes: tuple[int, ...] = ()

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
        self._similar = PerceptualIndex()
        self._file = _sqlite_file(parsed)
        self._identity: tuple[int, int] | None = None
        self._lock = threading.Lock()
        self.errors = 0  # failures seen (health checks and operations), for the metrics endpoint
        self.problem: str | None = None  # why the last check failed; None while healthy

    @property
    def engine(self) -> Engine:
        """The underlying engine (for health checks and migrations)."""
        return self._engine

    def migrate(self) -> None:
        """Bring the database to the newest schema (Alembic); adopts a database made by ``create_all``."""
        upgrade_schema(self._engine)
        if self._file is not None:
            stat = os.stat(self._file)
            self._identity = (stat.st_dev, stat.st_ino)

    # The name the service and older callers use.
    create_schema = migrate

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

    def watermark_binding(self, watermark_id: str, content: PerceptualHash | None) -> BindingCheck | None:
        """Whether content carrying our mark ``watermark_id`` is the content that mark was made for.

        None when no record carries the mark. A mismatch (``matches`` False) means the mark was
        copied onto other content: the mark says record X, the content is not X's. Any tenant's
        record counts, as for :meth:`watermark_known`; only the check leaves the registry.
        """
        stmt = (
            select(ProvenanceRow)
            .where(ProvenanceRow.watermark_id == watermark_id.lower())
            .order_by(ProvenanceRow.seq)
            .limit(1)
        )
        with self._transaction() as session:
            row = session.scalars(stmt).first()
            record = None if row is None else _to_record(row)
        return None if record is None else check_binding(record.record_id, record.perceptual, content)

    def watermark_stamp(self, watermark_id: str) -> ProvenanceRecord | None:
        """The Stamp record that embedded this mark (None when no Stamp carries it), any tenant's.

        For the platform that labels a stripped copy: the record holds the producer's label fields.
        """
        stmt = (
            select(ProvenanceRow)
            .where(ProvenanceRow.watermark_id == watermark_id.lower(), ProvenanceRow.verb == "stamp")
            .order_by(ProvenanceRow.seq)
            .limit(1)
        )
        with self._transaction() as session:
            row = session.scalars(stmt).first()
            return None if row is None else _to_record(row)

    def produce_id_stamped(self, produce_id: str) -> bool:
        """Whether any tenant's Stamp issued this ProduceID (reveals nothing else about the record)."""
        stmt = (
            select(ProvenanceRow.seq)
            .where(ProvenanceRow.produce_id == produce_id, ProvenanceRow.verb == "stamp")
            .limit(1)
        )
        with self._transaction() as session:
            return session.scalars(stmt).first() is not None

    def stamps_producer(self, producer_code: str) -> bool:
        """Whether this deployment has stamped content for ``producer_code`` (any tenant's Stamp)."""
        stmt = (
            select(ProvenanceRow.seq)
            .where(ProvenanceRow.producer_code == producer_code, ProvenanceRow.verb == "stamp")
            .limit(1)
        )
        with self._transaction() as session:
            return session.scalars(stmt).first() is not None

    def find(
        self,
        tenant: str | None,
        *,
        produce_id: str = "",
        propagate_id: str = "",
        sha256: str = "",
        watermark_id: str = "",
        limit: int = 100,
    ) -> list[ProvenanceRecord]:
        """Records of ``tenant`` matching exactly one key, newest first (the first page of :meth:`find_page`)."""
        page = self.find_page(
            tenant,
            produce_id=produce_id,
            propagate_id=propagate_id,
            sha256=sha256,
            watermark_id=watermark_id,
            page_size=limit,
        ).records
        return list(page)

    def find_page(
        self,
        tenant: str | None,
        *,
        produce_id: str = "",
        propagate_id: str = "",
        sha256: str = "",
        watermark_id: str = "",
        page_size: int = 100,
        page_token: str = "",
    ) -> RecordPage:
        """One page of the records matching exactly one key, newest first.

        ``sha256`` matches the input or the output hash (case-insensitive). ``tenant`` None reads
        every tenant (the auditor role; the caller decides who may); otherwise other tenants'
        records are never returned. ``page_token`` continues where a previous page ended
        (AIP-158); it only works for the same query.

        Raises:
            ValueError: no key or more than one key given, an empty tenant, a malformed sha256,
                ``page_size`` below 1, or a page token that is malformed or from another query.
        """
        if tenant is not None and not tenant:
            raise ValueError("tenant must not be empty")
        keys = {"produce_id": produce_id, "propagate_id": propagate_id, "sha256": sha256, "watermark_id": watermark_id}
        given = [(name, value) for name, value in keys.items() if value]
        if len(given) != 1:
            raise ValueError("give exactly one of produce_id, propagate_id, sha256, watermark_id")
        if page_size < 1:
            raise ValueError("limit must be at least 1")
        name, value = given[0]
        condition: ColumnElement[bool]
        if name == "produce_id":
            condition = ProvenanceRow.produce_id == value
        elif name == "propagate_id":
            condition = ProvenanceRow.propagate_id == value
        elif name == "watermark_id":
            value = value.lower()
            condition = ProvenanceRow.watermark_id == value
        else:
            value = value.lower()
            if not _SHA256_HEX.fullmatch(value):
                raise ValueError("sha256 must be 64 hex digits")
            condition = or_(ProvenanceRow.input_sha256 == value, ProvenanceRow.output_sha256 == value)
        query = query_digest("\x01" if tenant is None else tenant, name, value)
        stmt = select(ProvenanceRow).where(condition)
        if tenant is not None:
            stmt = stmt.where(ProvenanceRow.tenant == tenant)
        if page_token:
            after = decode_page_token(page_token, query)
            created = after.created_at.astimezone(UTC)
            stmt = stmt.where(
                or_(
                    ProvenanceRow.created_at < created,
                    and_(ProvenanceRow.created_at == created, ProvenanceRow.seq < after.seq),
                )
            )
        stmt = stmt.order_by(ProvenanceRow.created_at.desc(), ProvenanceRow.seq.desc()).limit(page_size + 1)
        with self._transaction() as session:
            rows = list(session.scalars(stmt))
        token = ""
        if len(rows) > page_size:
            last = rows[page_size - 1]
            token = encode_page_token(query, PagePosition(_utc(last.created_at), last.seq))
        return RecordPage(tuple(_to_record(row) for row in rows[:page_size]), token)

    def find_similar(
        self,
        tenant: str | None,
        target: PerceptualHash,
        *,
        max_distance: int,
        limit: int = 10,
    ) -> list[SimilarRecord]:
        """Records whose perceptual hash lies within ``max_distance`` bits of ``target``, nearest first.

        ``tenant`` None searches every tenant (the auditor role).

        Raises:
            ValueError: ``max_distance`` outside 0-64 or ``limit`` below 1.
        """
        if not 0 <= max_distance <= 64:
            raise ValueError("max_distance must be 0-64")
        if limit < 1:
            raise ValueError("limit must be at least 1")
        with self._transaction() as session:
            self._similar.refresh(session.connection())
            # Over-fetch a little: candidates purged by another replica are dropped below.
            candidates = self._similar.search(target.kind, target.value, max_distance, tenant, limit * 2 + 8)
            if not candidates:
                return []
            rows = {
                row.seq: row
                for row in session.scalars(
                    select(ProvenanceRow).where(ProvenanceRow.seq.in_([c.seq for c in candidates]))
                )
            }
        found = [SimilarRecord(_to_record(rows[c.seq]), c.distance) for c in candidates if c.seq in rows]
        return found[:limit]

    def purge(self, *, retention: timedelta = MIN_RETENTION, now: datetime | None = None) -> PurgeResult:
        """Delete records older than ``retention`` and every expired replay.

        Raises:
            ValueError: ``retention`` shorter than six months (Measures Art. 9).
        """
        if retention < MIN_RETENTION:
            raise ValueError(f"records must be kept at least {MIN_RETENTION.days} days (Measures Art. 9)")
        now = (now or datetime.now(UTC)).astimezone(UTC)
        cutoff = now - retention
        with self._transaction(writing=True) as session:
            old = select(ProvenanceRow.record_id).where(ProvenanceRow.created_at < cutoff)
            replays = session.execute(
                delete(ReplayRow).where(or_(ReplayRow.expires_at < now, ReplayRow.record_id.in_(old)))
            ).rowcount
            records = session.execute(delete(ProvenanceRow).where(ProvenanceRow.created_at < cutoff)).rowcount
        if records:
            self._similar.reset()
        return PurgeResult(records=records or 0, replays=replays or 0, cutoff=cutoff)

    def count(self) -> int:
        """How many records the registry holds (all tenants)."""
        with self._transaction() as session:
            return int(session.scalar(select(func.count()).select_from(ProvenanceRow)) or 0)

    @contextmanager
    def transaction(self, *, writing: bool = False) -> Iterator[Any]:
        """A session on the registry database for its other tables (replays), with the same health
        check and error mapping as the records: failures become RegistryUnavailable."""
        with self._transaction(writing=writing) as session:
            yield session

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


@dataclass(frozen=True)
class RecordPage:
    """One page of Lookup results and the token of the next ("" on the last page)."""

    records: tuple[ProvenanceRecord, ...]
    next_page_token: str = ""


@dataclass(frozen=True)
class SimilarRecord:
    """A record found by perceptual hash and how many bits its hash differs from the query's."""

    record: ProvenanceRecord
    distance: int


@dataclass(frozen=True)
class PurgeResult:
    """What a retention purge removed."""

    records: int
    replays: int
    cutoff: datetime


def _utc(value: datetime) -> datetime:
    # SQLite keeps no offset; the store only ever writes UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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
        perceptual_hash=None if rec.perceptual is None else to_signed(rec.perceptual.value),
        perceptual_kind="" if rec.perceptual is None else rec.perceptual.kind,
        keyframe_hashes=json.dumps([to_signed(h) for h in rec.keyframe_hashes]) if rec.keyframe_hashes else None,
    )


def _to_record(row: ProvenanceRow) -> ProvenanceRecord:
    created_at = _utc(row.created_at)
    perceptual = (
        None if row.perceptual_hash is None else PerceptualHash(row.perceptual_kind, from_signed(row.perceptual_hash))
    )
    keyframes = tuple(from_signed(h) for h in json.loads(row.keyframe_hashes)) if row.keyframe_hashes else ()
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
        perceptual=perceptual,
        keyframe_hashes=keyframes,
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
