"""Stored responses of Stamp and Label, so a replayed request id gets the very bytes it got first.

C2PA signatures are randomised, so re-running a request cannot reproduce its output; the first
response is kept and served again until it expires. By default it lives in the registry database,
so a restart or another replica behind the load balancer answers the replay too; a shared
directory (e.g. a network file system all replicas mount) is the alternative for very large files.

An output that is a file (long media) is never read into memory to be kept: it is hard-linked into
the replay directory (copied in pieces only across file systems), and a replay serves that file. With
the database store the row names the file; replicas then share the replay directory (``replay_dir``)
to answer each other's replays of file outputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from google.protobuf.message import Message
from sqlalchemy import delete, select

from clearmark.core.errors import Unavailable
from clearmark.media.source import Content, Source
from clearmark.service.files import write_atomically
from clearmark.service.registry import RegistryStore
from clearmark.service.registry.models import ReplayRow

_HEADER = struct.Struct(">I")


@dataclass(frozen=True)
class Replay:
    """A stored response: the request's fingerprint, the serialized result message and the content
    (bytes, or a file: a ``Source`` whose path is the kept copy once loaded)."""

    fingerprint: str
    result: bytes
    content: Content


class ReplayContentMissing(Unavailable):
    """A stored response names an output file this replica cannot see (``replay_dir`` not shared)."""

    default_reason = "REPLAY_CONTENT_MISSING"


def keep_file(source: Source, target: Path) -> None:
    """Put the file behind ``source`` at ``target`` without reading it: a hard link, or (across file
    systems) a copy in pieces to a temporary sibling renamed into place.

    Raises:
        OSError: the file could not be linked or copied (nothing is left at ``target``).
    """
    assert source.path is not None
    try:
        os.link(source.path, target)
        return
    except OSError:
        pass  # another file system, or links not allowed: copy
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out, source.open() as stream:
            shutil.copyfileobj(stream, out, 1 << 20)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _is_file(content: Content) -> bool:
    return isinstance(content, Source) and not content.in_memory


def _as_bytes(content: Content) -> bytes:
    if isinstance(content, Source):
        assert content.data is not None
        return content.data
    return content


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
        directory: where file outputs are kept (``<record_id>.content``), named by the row.
    """

    def __init__(
        self,
        registry: RegistryStore,
        ttl: timedelta,
        clock: Callable[[], datetime] | None = None,
        directory: Path | None = None,
    ) -> None:
        self._registry = registry
        self._ttl = ttl
        self._now = clock or (lambda: datetime.now(UTC))
        self._directory = directory

    def _file(self, name: str) -> Path:
        if self._directory is None:
            raise ValueError("this replay store keeps no files (no directory)")
        return self._directory / name

    def save(self, record_id: str, replay: Replay) -> None:
        now = self._now()
        content_file = ""
        if _is_file(replay.content):
            if not record_id.isalnum():
                raise ValueError("record ids are alphanumeric")
            content_file = f"{record_id}.content"
            self._file(content_file).parent.mkdir(parents=True, exist_ok=True)
            keep_file(replay.content, self._file(content_file))  # type: ignore[arg-type]
        row = ReplayRow(
            record_id=record_id,
            fingerprint=replay.fingerprint,
            result=replay.result,
            content=b"" if content_file else _as_bytes(replay.content),
            content_file=content_file,
            created_at=now,
            expires_at=now + self._ttl,
        )
        try:
            with self._registry.transaction(writing=True) as session:
                session.add(row)
        except BaseException:
            if content_file:
                self._file(content_file).unlink(missing_ok=True)
            raise

    def load(self, record_id: str) -> Replay | None:
        with self._registry.transaction() as session:
            row = session.get(ReplayRow, record_id)
            if row is None or _utc(row.expires_at) <= self._now():
                return None
            fingerprint, result, content, content_file = (
                row.fingerprint,
                bytes(row.result),
                row.content,
                row.content_file,
            )
        if not content_file:
            return Replay(fingerprint, result, bytes(content))
        path = self._file(content_file)
        if not path.is_file():
            raise ReplayContentMissing(
                "the first response's content is kept on another replica's disk; share replay_dir between replicas"
            )
        return Replay(fingerprint, result, Source(path=path))

    def discard(self, record_id: str) -> None:
        with self._registry.transaction(writing=True) as session:
            row = session.get(ReplayRow, record_id)
            content_file = row.content_file if row is not None else ""
            session.execute(delete(ReplayRow).where(ReplayRow.record_id == record_id))
        if content_file:
            self._file(content_file).unlink(missing_ok=True)

    def purge_expired(self, now: datetime | None = None) -> int:
        cutoff = now or self._now()
        with self._registry.transaction(writing=True) as session:
            files = session.scalars(
                select(ReplayRow.content_file).where(ReplayRow.expires_at <= cutoff, ReplayRow.content_file != "")
            ).all()
            result = session.execute(delete(ReplayRow).where(ReplayRow.expires_at <= cutoff))
        for name in files:
            self._file(name).unlink(missing_ok=True)
        return int(result.rowcount or 0)

    def count(self) -> int:
        """How many responses are stored (expired or not)."""
        with self._registry.transaction() as session:
            return len(session.scalars(select(ReplayRow.record_id)).all())


class DirectoryReplayStore:
    """Files ``<record_id>.replay`` in a directory every replica shares: a JSON header, the result, the
    content; a file output is kept beside it as ``<record_id>.content`` (linked, not read)."""

    def __init__(self, directory: Path, ttl: timedelta, clock: Callable[[], datetime] | None = None) -> None:
        self._directory = directory
        self._ttl = ttl
        self._now = clock or (lambda: datetime.now(UTC))
        directory.mkdir(parents=True, exist_ok=True)

    def _path(self, record_id: str) -> Path:
        if not record_id.isalnum():
            raise ValueError("record ids are alphanumeric")
        return self._directory / f"{record_id}.replay"

    def _content_path(self, record_id: str) -> Path:
        return self._path(record_id).with_suffix(".content")

    def save(self, record_id: str, replay: Replay) -> None:
        expires = (self._now() + self._ttl).isoformat()
        in_file = _is_file(replay.content)
        fields: dict[str, object] = {
            "fingerprint": replay.fingerprint,
            "result_bytes": len(replay.result),
            "expires_at": expires,
        }
        if in_file:  # linked first, so a header never names a file that is not there
            fields["content_file"] = self._content_path(record_id).name
            keep_file(replay.content, self._content_path(record_id))  # type: ignore[arg-type]
        header = json.dumps(fields).encode()
        content = b"" if in_file else _as_bytes(replay.content)
        try:
            write_atomically(
                self._path(record_id), _HEADER.pack(len(header)) + header + replay.result + content, mode=0o600
            )
        except BaseException:
            self._content_path(record_id).unlink(missing_ok=True)
            raise

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
        content: Content = blob[cut:]
        if header.get("content_file"):
            path = self._directory / str(header["content_file"])
            if not path.is_file():
                return None
            content = Source(path=path)
        return Replay(fingerprint=str(header["fingerprint"]), result=blob[start:cut], content=content)

    def discard(self, record_id: str) -> None:
        self._path(record_id).unlink(missing_ok=True)
        self._content_path(record_id).unlink(missing_ok=True)

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
                path.with_suffix(".content").unlink(missing_ok=True)
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
    "registry": lambda registry, directory, ttl: DatabaseReplayStore(registry, ttl, directory=directory),
    "directory": lambda _registry, directory, ttl: DirectoryReplayStore(directory, ttl),
}
