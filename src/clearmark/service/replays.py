"""Stored responses of Stamp and Label, so a replayed request id gets the very bytes it got first.

C2PA signatures are randomised, so re-running a request cannot reproduce its output; the first
response is kept on disk (one file per registry record, written atomically) and served again.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from pathlib import Path

from google.protobuf.message import Message

from clearmark.service.files import write_atomically

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


class ReplayStore:
    """Files ``<record_id>.replay`` under one directory: a JSON header, the result, the content."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def _path(self, record_id: str) -> Path:
        if not record_id.isalnum():
            raise ValueError("record ids are alphanumeric")
        return self._directory / f"{record_id}.replay"

    def save(self, record_id: str, replay: Replay) -> None:
        """Write one response atomically."""
        header = json.dumps({"fingerprint": replay.fingerprint, "result_bytes": len(replay.result)}).encode()
        blob = _HEADER.pack(len(header)) + header + replay.result + replay.content
        write_atomically(self._path(record_id), blob, mode=0o600)

    def load(self, record_id: str) -> Replay | None:
        """The stored response, or None when it was never stored or has been removed."""
        try:
            blob = self._path(record_id).read_bytes()
        except FileNotFoundError:
            return None
        (size,) = _HEADER.unpack_from(blob)
        header = json.loads(blob[_HEADER.size : _HEADER.size + size])
        body = blob[_HEADER.size + size :]
        cut = header["result_bytes"]
        return Replay(fingerprint=header["fingerprint"], result=body[:cut], content=body[cut:])

    def discard(self, record_id: str) -> None:
        """Remove a response that lost a race for its request id."""
        self._path(record_id).unlink(missing_ok=True)
