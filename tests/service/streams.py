"""Client side of the streaming RPCs in tests: a content's request parts, and a response stream gathered."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from clearmark.v1 import types_pb2 as pb


def request_parts(request_type, header_type, content: bytes, options=None, chunk: int = 64 * 1024) -> Iterator:  # noqa: ANN001
    """A header with the content's size and SHA-256 (and ``options`` when given), then its chunks."""
    content_header = pb.ContentHeader(size_bytes=len(content), sha256=hashlib.sha256(content).hexdigest())
    header = header_type(content_header=content_header)
    if options is not None:
        header.options.CopyFrom(options)
    yield request_type(header=header)
    for start in range(0, len(content), chunk):
        yield request_type(chunk=content[start : start + chunk])


def collect(parts: Iterator) -> tuple[object, bytes]:  # noqa: ANN001
    """The result message and the content chunks of a streamed response, joined."""
    result, content = None, bytearray()
    for part in parts:
        if part.WhichOneof("part") == "result":
            result = part.result
        else:
            content += part.chunk
    return result, bytes(content)
