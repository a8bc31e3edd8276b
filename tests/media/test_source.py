"""Source: bytes or a file, read in bounded pieces."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from clearmark.core.errors import InvalidMedia, MediaTooLarge
from clearmark.media.source import Source, as_content, content_size

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


@pytest.mark.parametrize("needle", [b"\x00\x01\x02", bytes(range(250, 256)) + b"\x00\x01", b"\xff\xfe"])
def test_contains_searches_across_chunk_boundaries(source: Source, needle: bytes) -> None:
    assert source.contains(needle, chunk_size=256) is (needle in DATA)
    assert source.contains(needle, chunk_size=7) is (needle in DATA)


def test_as_content_keeps_small_outputs_as_bytes(tmp_path: Path) -> None:
    path = tmp_path / "out.bin"
    path.write_bytes(b"abc")
    assert as_content(Source(data=b"abc")) == b"abc"
    assert as_content(Source(path=path)) == Source(path=path)
    assert content_size(b"abcd") == 4 and content_size(Source(path=path)) == 3
