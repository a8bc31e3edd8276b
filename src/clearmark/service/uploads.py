"""Client-streamed uploads: a header first, then chunks, spooled to a file and checked against the header.

The content never sits whole in this process: chunks go to a file in the spool directory as they
arrive, and the worker that handles the request receives the file's path.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clearmark.core.errors import FieldViolation, InvalidRequest, MediaTooLarge
from clearmark.media.source import Source
from clearmark.v1 import types_pb2 as pb


@dataclass(frozen=True)
class Upload:
    """A received upload: the header message the client sent first, and the verified content on disk."""

    header: Any
    source: Source


def _bad(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(message, reason="BAD_STREAM", violations=(FieldViolation(field, message),))


@contextlib.asynccontextmanager
async def receive_upload(requests: AsyncIterator[Any], *, max_bytes: int, spool_dir: Path) -> AsyncIterator[Upload]:
    """Read ``header`` then ``chunk`` messages into a spool file; enforce the declared size and SHA-256.

    The spool file is removed when the block exits, whatever happened.

    Raises:
        InvalidRequest: no header first, a second header, size or SHA-256 different from the header's.
        MediaTooLarge: the declared or received size exceeds ``max_bytes`` (checked at the header,
            before any chunk is read, and again while receiving).
    """
    spool_dir.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=spool_dir)
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as spool:
            header = await _receive(requests, spool, max_bytes)
        # The digest was just checked against the header's: the request fingerprint and the worker's
        # MediaInfo reuse it instead of hashing the spooled file again.
        yield Upload(header=header, source=Source.hashed(path, header.content_header.sha256))
    finally:
        path.unlink(missing_ok=True)


async def _receive(requests: AsyncIterator[Any], spool: Any, max_bytes: int) -> Any:
    header = None
    digest = hashlib.sha256()
    received = 0
    async for message in requests:
        part = message.WhichOneof("part")
        if part == "header":
            if header is not None:
                raise _bad("header", "a second header message arrived")
            header = message.header
            content: pb.ContentHeader = header.content_header
            if content.size_bytes <= 0:
                raise _bad("header.content_header.size_bytes", "the header must declare the total size")
            if content.size_bytes > max_bytes:
                raise MediaTooLarge(f"declared size {content.size_bytes} exceeds the stream limit {max_bytes}")
            if len(content.sha256) != 64:
                raise _bad("header.content_header.sha256", "the header must carry the hex SHA-256 of the content")
        elif part == "chunk":
            if header is None:
                raise _bad("header", "the first message must be the header")
            received += len(message.chunk)
            if received > max_bytes:  # also checked while receiving, whatever the header said
                raise MediaTooLarge(f"received more than the limit of {max_bytes} bytes")
            if received > header.content_header.size_bytes:
                raise _bad(
                    "header.content_header.size_bytes",
                    f"more bytes than the declared {header.content_header.size_bytes}",
                )
            digest.update(message.chunk)
            spool.write(message.chunk)
        else:
            raise _bad("part", "a message with neither header nor chunk")
    if header is None:
        raise _bad("header", "the stream ended without a header")
    if received != header.content_header.size_bytes:
        raise _bad(
            "header.content_header.size_bytes",
            f"received {received} bytes, the header declared {header.content_header.size_bytes}",
        )
    if digest.hexdigest() != header.content_header.sha256.lower():
        raise _bad("header.content_header.sha256", "the content's SHA-256 differs from the header's")
    return header
