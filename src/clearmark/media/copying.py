"""Copying large content file to file: byte ranges in the kernel or in bounded chunks, outputs renamed into place."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from clearmark.core.errors import ClearMarkError
from clearmark.media.source import READ_CHUNK

COPY_CHUNK = 8 * READ_CHUNK


def copy_range(stream: BinaryIO, out: BinaryIO, offset: int, length: int) -> None:
    """Copy ``length`` bytes from ``offset``: in the kernel between two files, else in bounded chunks."""
    try:
        source_fd, out_fd = stream.fileno(), out.fileno()
    except (OSError, AttributeError, ValueError):
        source_fd = out_fd = -1
    if source_fd >= 0 and hasattr(os, "copy_file_range"):
        out.flush()
        position = offset
        remaining = length
        while remaining:
            try:
                copied = os.copy_file_range(source_fd, out_fd, min(remaining, 1 << 30), position)
            except OSError:  # EXDEV, ENOSYS, EINVAL on some file systems: copy in user space instead
                break
            if copied <= 0:
                break
            position += copied
            remaining -= copied
        if not remaining:
            return
        offset, length = position, remaining
    stream.seek(offset)
    while length:
        piece = stream.read(min(length, COPY_CHUNK))
        if not piece:
            raise ClearMarkError("the source file shrank while it was copied", reason="SOURCE_CHANGED")
        out.write(piece)
        length -= len(piece)


@contextlib.contextmanager
def atomic_output(output: Path) -> Iterator[tuple[BinaryIO, Path]]:
    """An unbuffered stream to a temporary file beside ``output``, renamed onto it when the block succeeds."""
    temp = output.with_name(f".{output.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    stream = open(temp, "wb", buffering=0)  # noqa: SIM115  (closed below, or by the caller to read back)
    try:
        yield stream, temp
        stream.close()
        os.replace(temp, output)
    except BaseException:
        stream.close()
        temp.unlink(missing_ok=True)
        raise
