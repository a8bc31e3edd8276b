"""Copying large content file to file: byte ranges in the kernel or in bounded chunks, outputs renamed into place."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from clearmark.core.errors import ClearMarkError
from clearmark.media.source import READ_CHUNK

COPY_CHUNK = 8 * READ_CHUNK


def copy_range(stream: BinaryIO, out: BinaryIO, offset: int, length: int) -> None:
    """Copy ``length`` bytes from ``offset``: in the kernel between two files, else in bounded chunks.

    Between two files a hole of a sparse source (``SEEK_HOLE``) is skipped, not copied: the output
    gets the same hole (read back as zeros), so a sparse file stays sparse and costs no time to copy.
    """
    try:
        source_fd, out_fd = stream.fileno(), out.fileno()
    except (OSError, AttributeError, ValueError):
        source_fd = out_fd = -1
    if source_fd >= 0 and hasattr(os, "copy_file_range"):
        out.flush()
        position = offset
        remaining = length
        sparse = stat.S_ISREG(os.fstat(out_fd).st_mode)  # a hole can only be kept in a regular file
        while remaining:
            hole = _hole_length(source_fd, position, remaining) if sparse else 0
            if hole:
                end = os.lseek(out_fd, hole, os.SEEK_CUR)
                if os.fstat(out_fd).st_size < end:
                    os.ftruncate(out_fd, end)  # a hole at the end of the output: the file still reaches it
                position += hole
                remaining -= hole
                continue
            try:
                copied = os.copy_file_range(
                    source_fd, out_fd, min(remaining, 1 << 30, _data_length(source_fd, position, remaining)), position
                )
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


def _hole_length(fd: int, position: int, limit: int) -> int:
    """How many bytes from ``position`` (at most ``limit``) are a hole of a sparse file; 0 on data or no support."""
    try:
        data = _seek_aside(fd, position, os.SEEK_DATA)
    except OSError as exc:  # ENXIO: only a hole from here to the end of the file; EINVAL: no support
        return max(0, min(os.fstat(fd).st_size - position, limit)) if exc.errno == errno.ENXIO else 0
    return min(data - position, limit)


def _data_length(fd: int, position: int, limit: int) -> int:
    """How many bytes from ``position`` (at most ``limit``) hold data before the next hole."""
    try:
        return max(1, min(_seek_aside(fd, position, os.SEEK_HOLE) - position, limit))
    except OSError:
        return limit


def _seek_aside(fd: int, position: int, whence: int) -> int:
    """``lseek`` for where data or a hole starts, the descriptor's position put back (a buffered reader owns it)."""
    current = os.lseek(fd, 0, os.SEEK_CUR)
    try:
        return os.lseek(fd, position, whence)
    finally:
        os.lseek(fd, current, os.SEEK_SET)


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
