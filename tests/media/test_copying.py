"""copy_range: kernel copies between files keep a sparse source's holes; other streams copy in chunks."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from clearmark.core.errors import ClearMarkError
from clearmark.media.copying import copy_range

MIB = 1 << 20


def _sparse(path: Path) -> Path:
    """64 MiB: data, a 30 MiB hole, data, then a hole to the end."""
    with path.open("wb") as out:
        out.write(b"a" * MIB)
        out.seek(31 * MIB)
        out.write(b"b" * MIB)
        out.truncate(64 * MIB)
    return path


def _expected(offset: int, length: int) -> bytes:
    whole = bytearray(64 * MIB)
    whole[0:MIB] = b"a" * MIB
    whole[31 * MIB : 32 * MIB] = b"b" * MIB
    return bytes(whole[offset : offset + length])


@pytest.mark.parametrize(("offset", "length"), [(0, 64 * MIB), (MIB // 2, 40 * MIB), (2 * MIB, 62 * MIB)])
def test_holes_are_kept_between_files(tmp_path: Path, offset: int, length: int) -> None:
    source = _sparse(tmp_path / "in.bin")
    with source.open("rb") as stream, (tmp_path / "out.bin").open("wb", buffering=0) as out:
        out.write(b"head")
        copy_range(stream, out, offset, length)
        out.write(b"tail")
    written = (tmp_path / "out.bin").read_bytes()
    assert written == b"head" + _expected(offset, length) + b"tail"
    assert os.stat(tmp_path / "out.bin").st_blocks * 512 <= 8 * MIB  # the 30 MiB hole was not written


def test_a_trailing_hole_still_reaches_the_full_length(tmp_path: Path) -> None:
    source = _sparse(tmp_path / "in.bin")
    with source.open("rb") as stream, (tmp_path / "out.bin").open("wb", buffering=0) as out:
        copy_range(stream, out, 31 * MIB, 33 * MIB)
    assert (tmp_path / "out.bin").read_bytes() == _expected(31 * MIB, 33 * MIB)


def test_a_buffered_reader_reads_on_correctly_after_a_copy(tmp_path: Path) -> None:
    source = _sparse(tmp_path / "in.bin")
    with source.open("rb") as stream, (tmp_path / "out.bin").open("wb", buffering=0) as out:
        stream.seek(10)
        assert stream.read(4) == b"aaaa"
        copy_range(stream, out, 0, 40 * MIB)  # the hole probe must not move the reader's file position
        assert stream.read(4) == b"aaaa" and stream.tell() == 18


def test_memory_streams_copy_in_chunks_and_a_short_source_is_an_error(tmp_path: Path) -> None:
    out = io.BytesIO()
    copy_range(io.BytesIO(b"0123456789"), out, 2, 5)
    assert out.getvalue() == b"23456"
    source = _sparse(tmp_path / "in.bin")
    with source.open("rb") as stream, (tmp_path / "out.bin").open("wb", buffering=0) as sink:
        with pytest.raises(ClearMarkError) as shrank:
            copy_range(stream, sink, 60 * MIB, 8 * MIB)
    assert shrank.value.reason == "SOURCE_CHANGED"
