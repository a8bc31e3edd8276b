"""Source: bytes or a file, read in bounded pieces; atomic writes leave the old file or the new, never a part."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from clearmark.core.errors import InvalidMedia, MediaTooLarge
from clearmark.media.source import Source, write_atomically

DATA = bytes(range(256)) * 5000


@pytest.fixture(params=["memory", "file"])
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Source:
    if request.param == "memory":
        return Source(data=DATA)
    path = tmp_path / "content.bin"
    path.write_bytes(DATA)
    return Source(path=path)


def test_reads_agree_for_bytes_and_files(source: Source) -> None:
    assert source.size == len(DATA)
    assert source.head(10) == DATA[:10] and source.tail(10) == DATA[-10:]
    assert b"".join(source.chunks(4096)) == DATA
    assert all(len(piece) <= 4096 for piece in source.chunks(4096))
    assert source.sha256 == hashlib.sha256(DATA).hexdigest()
    assert source.read_bytes(len(DATA)) == DATA
    with source.open() as stream:
        assert stream.read(3) == DATA[:3]


def test_whole_reads_are_capped(source: Source) -> None:
    with pytest.raises(MediaTooLarge):
        source.read_bytes(len(DATA) - 1)


def test_exactly_one_of_data_and_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Source()
    with pytest.raises(ValueError):
        Source(data=b"x", path=tmp_path)
    assert Source.of(b"x").data == b"x" and Source.of(tmp_path).path == tmp_path


def test_a_vanished_file_is_invalid_media(tmp_path: Path) -> None:
    with pytest.raises(InvalidMedia):
        _ = Source(path=tmp_path / "gone").size


def test_atomic_write_replaces_and_honours_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    previous = os.umask(0o027)
    try:
        write_atomically(target, iter([b"new ", b"content"]))
    finally:
        os.umask(previous)
    assert target.read_bytes() == b"new content"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    write_atomically(target, b"secret", mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")

    def pieces():  # noqa: ANN202
        yield b"half"
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomically(target, pieces())
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]
