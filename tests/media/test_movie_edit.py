"""Offsets moved by a grown ``moov``: 32-bit offsets that would pass 4 GiB are widened (a sparse 4 GiB MP4)."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import av
import pytest

from clearmark.media import MediaLimits, Source
from clearmark.media.bmff import BoxCounter, make_box, make_full_box
from clearmark.media.movie_edit import shift_fragment_offsets, shift_moov_offsets
from clearmark.media.movie_label import MovieContainer
from tests.media.movie_clips import FRAMES, make_clip
from tests.media.samples import LABEL_JSON

GIB4 = 1 << 32


def _boxes(data: bytes | bytearray, start: int, end: int) -> list[tuple[bytes, int, int, int]]:
    """``(type, offset, header, size)`` laid end to end in ``data[start:end]``; a plain walk with largesize."""
    found = []
    while start < end:
        size, kind, header = int.from_bytes(data[start : start + 4], "big"), bytes(data[start + 4 : start + 8]), 8
        if size == 1:
            size, header = int.from_bytes(data[start + 8 : start + 16], "big"), 16
        assert size >= header, f"box at {start} declares {size} bytes"
        found.append((kind, start, header, size))
        start += size
    return found


def _chunk_tables(moov: bytes) -> list[tuple[bytes, list[int]]]:
    """Each track's ``(stco|co64, offsets)`` found by walking trak/mdia/minf/stbl (not the code under test)."""
    tables = []
    for kind, offset, _, size in _boxes(moov, 8, len(moov)):
        if kind != b"trak":
            continue
        box = (offset, offset + size)
        for step in (b"mdia", b"minf", b"stbl"):
            box = next((o, o + s) for k, o, _, s in _boxes(moov, box[0] + 8, box[1]) if k == step)
        for k, o, _, _ in _boxes(moov, box[0] + 8, box[1]):
            if k in (b"stco", b"co64"):
                width = 4 if k == b"stco" else 8
                count = int.from_bytes(moov[o + 12 : o + 16], "big")
                values = [
                    int.from_bytes(moov[at : at + width], "big") for at in range(o + 16, o + 16 + count * width, width)
                ]
                tables.append((k, values))
    return tables


def _moved_stco(moov: bytes, by: int) -> bytes:
    """``moov`` with every ``stco`` entry moved by ``by`` (in place: same sizes), by the plain walk above."""
    out = bytearray(moov)
    for kind, offset, _, size in _boxes(moov, 8, len(moov)):
        if kind == b"trak":
            stco = moov.index(b"stco", offset, offset + size) - 4
            count = int.from_bytes(moov[stco + 12 : stco + 16], "big")
            for at in range(stco + 16, stco + 16 + 4 * count, 4):
                out[at : at + 4] = (int.from_bytes(moov[at : at + 4], "big") + by).to_bytes(4, "big")
    return bytes(out)


@pytest.fixture(scope="module")
def sparse_mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real H.264+AAC MP4 (``moov`` first) whose media sits just under 4 GiB, behind a sparse ``mdat`` of zeros.

    The last chunk starts 200 bytes short of 2^32: the label's growth of ``moov`` pushes it past 32 bits.
    Written sparsely: about 3 KB on disk.
    """
    clip = make_clip("faststart_mp4")
    (_, moov_at, _, moov_size) = _boxes(clip, 0, len(clip))[1]
    moov = clip[moov_at : moov_at + moov_size]
    last = max(max(values) for _, values in _chunk_tables(moov))
    hole = GIB4 - 200 - last
    path = tmp_path_factory.mktemp("co64") / "sparse.mp4"
    with path.open("wb") as out:
        out.write(clip[:moov_at] + _moved_stco(moov, hole))
        out.write((1).to_bytes(4, "big") + b"mdat" + hole.to_bytes(8, "big"))  # an mdat of ``hole`` zero bytes
        out.seek(moov_at + moov_size + hole)
        out.write(clip[moov_at + moov_size :])
    assert GIB4 - 1024 < path.stat().st_size < GIB4 and path.stat().st_blocks * 512 < 1 << 20
    return path


def test_a_label_that_pushes_chunk_offsets_past_4_gib_turns_stco_into_co64(sparse_mp4: Path, tmp_path: Path) -> None:
    with av.open(str(sparse_mp4)) as before:  # the input plays: its offsets are right
        assert sum(1 for _ in before.decode(video=0)) == FRAMES
    output = tmp_path / "labelled.mp4"
    MovieContainer("mp4").write_label_to(Source.of(sparse_mp4), output, LABEL_JSON, limits=MediaLimits())
    assert output.stat().st_size > GIB4  # the media now ends past 4 GiB
    assert output.stat().st_blocks * 512 < 1 << 20  # the hole was kept, not written

    with sparse_mp4.open("rb") as old, output.open("rb") as new:
        head_old, head_new = old.read(64 * 1024), new.read(64 * 1024)
    (_, old_at, _, old_size) = _boxes(head_old, 0, 64 * 1024 - 1)[1]
    (_, new_at, _, new_size) = _boxes(head_new, 0, new_at_end := head_new.index(b"mdat") - 4)[1]
    assert new_at_end == new_at + new_size
    shift = new_size - old_size
    before_tables = _chunk_tables(head_old[old_at : old_at + old_size])
    after_tables = _chunk_tables(head_new[new_at : new_at + new_size])
    assert [kind for kind, _ in after_tables] == [b"co64", b"co64"]  # video and audio both pass 2^32
    assert [values for _, values in after_tables] == [[v + shift for v in values] for _, values in before_tables]
    assert max(max(values) for _, values in after_tables) >= GIB4

    with av.open(str(output)) as after:  # FFmpeg follows the 64-bit offsets to the same frames
        assert json.loads(after.metadata["AIGC"]) == json.loads(LABEL_JSON)
        decoded = Counter(packet.stream.type for packet in after.demux() for _ in packet.decode())
    assert decoded["video"] == FRAMES and decoded["audio"] > 0


def _stbl_track(*offsets: int) -> bytes:
    stco = make_full_box(
        b"stco", 0, 0, len(offsets).to_bytes(4, "big") + b"".join(o.to_bytes(4, "big") for o in offsets)
    )
    return make_box(b"trak", make_box(b"mdia", make_box(b"minf", make_box(b"stbl", stco))))


def test_widening_one_table_can_push_the_next_past_32_bits() -> None:
    # +50 overflows track A only; A's co64 adds 4 bytes, and +54 overflows track B too.
    moov = make_box(b"moov", _stbl_track(GIB4 - 40) + _stbl_track(GIB4 - 52, 1000))
    moved = shift_moov_offsets(moov, 500, 50, BoxCounter())
    assert len(moved) == len(moov) + 4 + 8
    assert _chunk_tables(moved) == [(b"co64", [GIB4 - 40 + 62]), (b"co64", [GIB4 - 52 + 62, 1062])]


def test_a_table_that_still_fits_stays_32_bit() -> None:
    moov = make_box(b"moov", _stbl_track(GIB4 - 100) + _stbl_track(100, 200))
    moved = shift_moov_offsets(moov, 150, 50, BoxCounter())
    assert _chunk_tables(moved) == [(b"stco", [GIB4 - 50]), (b"stco", [100, 250])]  # before ``after``: kept


def _saio_offsets(box: bytes) -> tuple[int, list[int]]:
    """``(version, offsets)`` of one ``saio`` box read by hand (flags 1: aux type and parameter first)."""
    version, flags = box[8], int.from_bytes(box[9:12], "big")
    pos = 12 + (8 if flags & 1 else 0)
    count, width = int.from_bytes(box[pos : pos + 4], "big"), 8 if version else 4
    return version, [
        int.from_bytes(box[at : at + width], "big") for at in range(pos + 4, pos + 4 + count * width, width)
    ]


def test_a_32_bit_saio_that_would_overflow_becomes_64_bit() -> None:
    aux = b"cenc" + bytes(4)
    saio = make_full_box(
        b"saio", 0, 1, aux + (2).to_bytes(4, "big") + (100).to_bytes(4, "big") + (GIB4 - 10).to_bytes(4, "big")
    )
    moov = make_box(b"moov", make_box(b"trak", make_box(b"mdia", make_box(b"minf", make_box(b"stbl", saio)))))
    moved = shift_moov_offsets(moov, 50, 50, BoxCounter())
    assert len(moved) == len(moov) + 8  # two offsets, 4 bytes wider each
    at = moved.index(b"saio") - 4
    box = moved[at : at + int.from_bytes(moved[at : at + 4], "big")]
    assert box[12:16] == b"cenc"  # the aux-info type kept
    assert _saio_offsets(box) == (1, [100 + 58, GIB4 - 10 + 58])


def test_a_saio_that_still_fits_stays_32_bit() -> None:
    saio = make_full_box(b"saio", 0, 0, (1).to_bytes(4, "big") + (GIB4 - 100).to_bytes(4, "big"))
    moov = make_box(b"moov", make_box(b"trak", make_box(b"mdia", make_box(b"minf", make_box(b"stbl", saio)))))
    moved = shift_moov_offsets(moov, 0, 50, BoxCounter())
    assert len(moved) == len(moov)
    at = moved.index(b"saio") - 4
    assert _saio_offsets(moved[at:]) == (0, [GIB4 - 50])


def _mfra(*entries: tuple[int, int]) -> bytes:
    """An ``mfra`` with one version 0 ``tfra`` (1-byte traf/trun/sample numbers) and its ``mfro``."""
    body = (1).to_bytes(4, "big") + bytes(4) + len(entries).to_bytes(4, "big")
    body += b"".join(t.to_bytes(4, "big") + o.to_bytes(4, "big") + b"\x01\x01\x01" for t, o in entries)
    tfra = make_full_box(b"tfra", 0, 0, body)
    return make_box(b"mfra", tfra + make_full_box(b"mfro", 0, 0, (8 + len(tfra) + 16).to_bytes(4, "big")))


def _tfra_entries(mfra: bytes) -> tuple[int, list[tuple[int, int]]]:
    at = mfra.index(b"tfra") - 4
    version = mfra[at + 8]
    width = 8 if version else 4
    count = int.from_bytes(mfra[at + 20 : at + 24], "big")
    pos, step = at + 24, 2 * width + 3
    return version, [
        (int.from_bytes(mfra[p : p + width], "big"), int.from_bytes(mfra[p + width : p + 2 * width], "big"))
        for p in range(pos, pos + count * step, step)
    ]


def test_a_tfra_that_would_overflow_becomes_64_bit_and_mfro_follows() -> None:
    mfra = _mfra((0, 40), (3000, GIB4 - 20))
    moved = shift_fragment_offsets(mfra, 100, 64, BoxCounter())
    assert _tfra_entries(moved) == (1, [(0, 40), (3000, GIB4 - 20 + 64)])  # before ``after``: kept
    assert len(moved) == len(mfra) + 2 * 8
    assert int.from_bytes(moved[-4:], "big") == len(moved) == int.from_bytes(moved[:4], "big")


def test_a_tfra_that_fits_keeps_its_bytes_but_its_offsets() -> None:
    mfra = _mfra((0, 400), (3000, 9000))
    moved = shift_fragment_offsets(mfra, 100, 64, BoxCounter())
    assert len(moved) == len(mfra)
    assert _tfra_entries(moved) == (0, [(0, 464), (3000, 9064)])
    assert moved[-4:] == mfra[-4:]


def test_the_plain_walk_reads_what_pyav_reads() -> None:
    clip = make_clip("faststart_mp4")
    with av.open(io.BytesIO(clip)) as container:
        assert container.streams.video[0].frames == FRAMES
    (_, at, _, size) = _boxes(clip, 0, len(clip))[1]
    assert [kind for kind, _ in _chunk_tables(clip[at : at + size])] == [b"stco", b"stco"]
