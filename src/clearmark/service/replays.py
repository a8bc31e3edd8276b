"""Stored responses of Stamp and Label, so a replayed request id gets the very bytes it got first.

C2PA signatures are randomised, so re-running a request cannot reproduce its output; the first
response is kept and served again until it expires. By default it lives in the registry database,
so a restart or another replica behind the load balancer answers the replay too; a shared
directory (e.g. a network file system all replicas mount) is the alternative for very large files.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from google.protobuf.message import Message
from sqlalchemy import delete, select

from clearmark.service.files import write_atomically
from clearmark.service.registry import RegistryStore
from clearmark.service.registry.models import ReplayRow

_HEADER = struct.Struct(">I")


@dataclass(frozen=True)
class Replay:
    """A stored response: the request's fingerprint, the serialized result message and the content."""

    fingerprint: str
    result: bytes
    content: bytes


def request_fingerprint(verb: str, content_sha256: str, options: Message) -> str:
    """What makes two requests "the same": the verb, the content and the options, not the request id."""
    digest = hashlib.sha256()
    for part in (verb.encode(), bytes.fromhex(content_sha256), options.SerializeToString(deterministic=True)):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


class ReplayStore(Protocol):
    """Where first responses are kept, by registry record id, until they expire."""

    def save(self, record_id: str, replay: Replay) -> None:
        """Keep one response (replacing nothing: record ids are unique)."""
        ...

    def load(self, record_id: str) -> Replay | None:
        """The stored response, or None when never stored, discarded or expired."""
        ...

    def discard(self, record_id: str) -> None:
        """Remove a response that lost a race for its request id."""
        ...

    def purge_expired(self, now: datetime | None = None) -> int:
        """Delete every expired response; returns how many."""
        ...


class DatabaseReplayStore:
    """Responses in the registry's ``replays`` table, written and read through the registry's own
    transactions (its health check first; database failures are ``RegistryUnavailable``).

    Args:
        registry: the registry, schema migrated.
        ttl: how long a response is served again.
    """

    def __init__(self, registry: RegistryStore, ttl: timedelta, clock: Callable[[], datetime] | None = None) -> None:
        self._registry = registry
        self._ttl = ttl
        self._now = clock or (lambda: datetime.now(UTC))

    def save(self, record_id: str, replay: Replay) -> None:
        now = self._now()
        row = ReplayRow(
            record_id=record_id,
            fingerprint=replay.fingerprint,
            result=replay.result,
            content=replay.content,
            created_at=now,
            expires_at=now + self._ttl,
        )
        with self._registry.transaction(writing=True) as session:
            session.add(row)

    def load(self, record_id: str) -> Replay | None:
        with self._registry.transaction() as session:
            row = session.get(ReplayRow, record_id)
            if row is None or _utc(row.expires_at) <= self._now():
                return None
            return Replay(row.fingerprint, bytes(row.result), bytes(row.content))

    def discard(self, record_id: str) -> None:
        with self._registry.transaction(writing=True) as session:
            session.execute(delete(ReplayRow).where(ReplayRow.record_id == record_id))

    def purge_expired(self, now: datetime | None = None) -> int:
        with self._registry.transaction(writing=True) as session:
            result = session.execute(delete(ReplayRow).where(ReplayRow.expires_at <= (now or self._now())))
            return int(result.rowcount or 0)

    def count(self) -> int:
        """How many responses are stored (expired or not)."""
        with self._registry.transaction() as session:
            return len(session.scalars(select(ReplayRow.record_id)).all())


class DirectoryReplayStore:
    """Files ``<record_id>.replay`` in a directory every replica shares: a JSON header, the result, the content."""

    def __init__(self, directory: Path, ttl: timedelta, clock: Callable[[], datetime] | None = None) -> None:
        self._directory = directory
        self._ttl = ttl
        self._now = clock or (lambda: datetime.now(UTC))
        directory.mkdir(parents=True, exist_ok=True)

    def _path(self, record_id: str) -> Path:
        if not record_id.isalnum():
            raise ValueError("record ids are alphanumeric")
        return self._directory / f"{record_id}.replay"

    def save(self, record_id: str, replay: Replay) -> None:
        expires = (self._now() + self._ttl).isoformat()
        header = json.dumps(
            {"fingerprint": replay.fingerprint, "result_bytes": len(replay.result), "expires_at": expires}
        ).encode()
        blob = _HEADER.pack(len(header)) + header + replay.result + replay.content
        write_atomically(self._path(record_id), blob, mode=0o600)

    def _header(self, blob: bytes) -> tuple[dict[str, object], int]:
        (size,) = _HEADER.unpack_from(blob)
        return json.loads(blob[_HEADER.size : _HEADER.size + size]), _HEADER.size + size

    def load(self, record_id: str) -> Replay | None:
        try:
            blob = self._path(record_id).read_bytes()
        except FileNotFoundError:
            return None
        header, start = self._header(blob)
        if _expired(header, self._now()):
            return None
        cut = start + int(header["result_bytes"])  # type: ignore[call-overload]
        return Replay(fingerprint=str(header["fingerprint"]), result=blob[start:cut], content=blob[cut:])

    def discard(self, record_id: str) -> None:
        self._path(record_id).unlink(missing_ok=True)

    def purge_expired(self, now: datetime | None = None) -> int:
        now = now or self._now()
        removed = 0
        for path in self._directory.glob("*.replay"):
            with path.open("rb") as handle:
                head = handle.read(64 * 1024)
            try:
                header, _ = self._header(head)
            except (struct.error, ValueError):
                continue
            if _expired(header, now):
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def _expired(header: dict[str, object], now: datetime) -> bool:
    expires = header.get("expires_at")
    # Files written before responses expired (no expiry in the header) count as expired.
    return expires is None or datetime.fromisoformat(str(expires)) <= now


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# Where responses are kept, by the ``replay_store`` setting: the registry database, or a shared directory.
REPLAY_BACKENDS: dict[str, Callable[[RegistryStore, Path, timedelta], ReplayStore]] = {
    "registry": lambda registry, _directory, ttl: DatabaseReplayStore(registry, ttl),
    "directory": lambda _registry, directory, ttl: DirectoryReplayStore(directory, ttl),
}
