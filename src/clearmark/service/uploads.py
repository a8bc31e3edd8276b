"""Client-streamed uploads: a header first, then chunks, spooled to disk and checked against the header."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clearmark.core.errors import FieldViolation, InvalidRequest, MediaTooLarge
from clearmark.v1 import types_pb2 as pb

SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """A reassembled upload: the header message the client sent first, and the verified bytes."""

    header: Any
    content: bytes


def _bad(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(message, reason="BAD_STREAM", violations=(FieldViolation(field, message),))


async def receive_upload(requests: AsyncIterator[Any], *, max_bytes: int, spool_dir: Path) -> Upload:
    """Read ``header`` then ``chunk`` messages; enforce the declared size and SHA-256.

    Raises:
        InvalidRequest: no header first, a second header, size or SHA-256 different from the header's.
        MediaTooLarge: the declared or received size exceeds ``max_bytes``.
    """
    header = None
    digest = hashlib.sha256()
    received = 0
    spool_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES, dir=spool_dir) as spool:
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
                if received > header.content_header.size_bytes:
                    raise _bad("chunk", f"more bytes than the declared {header.content_header.size_bytes}")
                digest.update(message.chunk)
                spool.write(message.chunk)
            else:
                raise _bad("part", "a message with neither header nor chunk")
        if header is None:
            raise _bad("header", "the stream ended without a header")
        if received != header.content_header.size_bytes:
            raise _bad("chunk", f"received {received} bytes, the header declared {header.content_header.size_bytes}")
        if digest.hexdigest() != header.content_header.sha256.lower():
            raise _bad("header.content_header.sha256", "the content's SHA-256 differs from the header's")
        spool.seek(0)
        return Upload(header=header, content=spool.read())


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    """Slices of ``data`` of at most ``size`` bytes."""
    for start in range(0, len(data), size):
        yield data[start : start + size]
