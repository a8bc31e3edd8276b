"""The Matroska/WebM label container: a global ``SimpleTag`` ``AIGC`` written byte-level, read by FFmpeg and a walk."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest

from clearmark.core.errors import ClearMarkError, InvalidMedia, InvalidRequest, LabelConflict, MediaTooLarge
from clearmark.media import MediaLimits, Source, sniff_format
from clearmark.media.ebml import element
from clearmark.media.matroska_label import MatroskaContainer
from tests.media.movie_clips import decoded_frames, make_clip, pyav_metadata
from tests.media.samples import LABEL_JSON, PLATFORM_JSON

CLIPS = {"vp9_opus_webm": "webm", "h264_mkv": "mkv"}


@pytest.fixture(scope="module")
def clips() -> dict[str, bytes]:
    return {name: make_clip(name) for name in CLIPS}


def _vint(data: bytes, pos: int, keep: bool) -> tuple[int, int]:
    length = next(n for n in range(1, 9) if data[pos] & (0x80 >> (n - 1)))
    value = data[pos] if keep else data[pos] & ((0x80 >> (length - 1)) - 1)
    for byte in data[pos + 1 : pos + length]:
        value = value << 8 | byte
    return value, length


def walk_simple_tags(data: bytes) -> dict[str, list[str]]:
    """``TagName -> [TagString]`` of every SimpleTag, found by an independent walk (Segment, Tags, Tag, SimpleTag)."""
    masters = {0x18538067, 0x1254C367, 0x7373, 0x67C8}
    found: dict[str, list[str]] = {}

    def walk(start: int, end: int) -> None:
        pos = start
        while pos < end:
            kind, id_length = _vint(data, pos, True)
            size, size_length = _vint(data, pos + id_length, False)
            body = pos + id_length + size_length
            if size == (1 << (7 * size_length)) - 1:
                size = end - body
            if kind == 0x67C8:
                fields = {}
                at = body
                while at < body + size:
                    child, a = _vint(data, at, True)
                    child_size, b = _vint(data, at + a, False)
                    fields[child] = data[at + a + b : at + a + b + child_size].rstrip(b"\x00").decode()
                    at += a + b + child_size
                found.setdefault(fields[0x45A3], []).append(fields.get(0x4487, ""))
            elif kind in masters:
                walk(body, body + size)
            pos = body + size

    walk(0, len(data))
    return found


@pytest.mark.parametrize("name", CLIPS)
def test_label_written_once_read_by_ffmpeg_and_a_plain_walk(clips: dict[str, bytes], name: str) -> None:
    data = clips[name]
    spec = sniff_format(data)
    assert spec.name == CLIPS[name]
    written = spec.container.write_label(data, LABEL_JSON)
    assert pyav_metadata(written)["AIGC"] == LABEL_JSON
    tags = walk_simple_tags(written)
    assert tags["AIGC"] == [LABEL_JSON] and tags["ENCODER"] == walk_simple_tags(data)["ENCODER"]
    assert len(tags["DURATION"]) == len(walk_simple_tags(data)["DURATION"])  # per-track tags kept
    carriers = spec.container.read_metadata(Source.of(written)).label_carriers
    assert [(c.carrier, c.standard) for c in carriers] == [(f"{CLIPS[name]}:Tags/SimpleTag/AIGC", True)]
    assert decoded_frames(written) == 10
    (carrier,) = carriers
    updated = spec.container.write_label(written, PLATFORM_JSON, target=carrier)
    assert len(updated) == len(written)  # same length: rewritten in place
    assert walk_simple_tags(updated)["AIGC"] == [PLATFORM_JSON] and pyav_metadata(updated)["AIGC"] == PLATFORM_JSON
    assert decoded_frames(updated) == 10


def _live_webm() -> bytes:
    """A WebM as a live recorder writes it: Segment and Clusters of unknown size."""
    out_buffer = io.BytesIO()
    with av.open(out_buffer, "w", format="webm", options={"live": "1"}) as out:
        stream = out.add_stream("libvpx-vp9", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(10):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), index * 20, np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return out_buffer.getvalue()


def test_unknown_size_segment_and_clusters() -> None:
    data = _live_webm()
    assert data[40:48] == b"\x01\xff\xff\xff\xff\xff\xff\xff"  # the Segment's size is "unknown"
    written = MatroskaContainer("webm").write_label(data, LABEL_JSON)
    assert pyav_metadata(written)["AIGC"] == LABEL_JSON
    assert decoded_frames(written) == 10


def _track_labelled_mkv() -> bytes:
    """An MKV whose video track (not the file) carries an ``AIGC`` tag: FFmpeg writes it with a TagTrackUID target."""
    out_buffer = io.BytesIO()
    with av.open(out_buffer, "w", format="matroska") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.metadata["AIGC"] = LABEL_JSON
        for index in range(3):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), index * 20, np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return out_buffer.getvalue()


def test_track_level_label_is_compat_and_blocks_a_second() -> None:
    data = _track_labelled_mkv()
    container = MatroskaContainer("mkv")
    carriers = container.read_metadata(Source.of(data)).label_carriers
    assert [(c.carrier, c.raw_text, c.standard) for c in carriers] == [
        ("mkv:Tags/Tag[targeted]/SimpleTag/AIGC", LABEL_JSON, False)
    ]
    with pytest.raises(LabelConflict):
        container.write_label(data, LABEL_JSON)


def test_write_label_to_and_refusals(clips: dict[str, bytes], tmp_path: Path) -> None:
    source = tmp_path / "in.webm"
    source.write_bytes(clips["vp9_opus_webm"])
    container = MatroskaContainer("webm")
    container.write_label_to(Source(path=source), tmp_path / "out.webm", LABEL_JSON)
    assert (tmp_path / "out.webm").read_bytes() == container.write_label(clips["vp9_opus_webm"], LABEL_JSON)
    with pytest.raises(InvalidRequest) as caught:
        container.write_label(clips["vp9_opus_webm"], LABEL_JSON, extra_properties={("urn:x", "y"): "z"})
    assert caught.value.reason == "NO_XMP_IN_MOVIE"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.webm", "out.webm"]


def test_doc_type_is_read_from_the_header_not_guessed() -> None:
    def header(doc_type: bytes) -> bytes:
        return element(0x1A45DFA3, element(0x4286, b"\x01") + element(0x4282, doc_type))

    assert sniff_format(header(b"matroska") + element(0x18538067, b"") + b"webm" * 8).name == "mkv"
    assert sniff_format(header(b"webm") + element(0x18538067, b"")).name == "webm"
    with pytest.raises(InvalidMedia):
        sniff_format(header(b"other") + element(0x18538067, b""))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d[: len(d) // 2],  # truncated: elements past the Segment's declared size
        lambda d: d[:40] + b"\x01\x00\x00\x00\x00\x00\x00\x00" + d[48:],  # Segment size 0: its children outside
        lambda d: d[:5] + b"\x00" + d[6:],  # a zero byte where an EBML size starts
        lambda d: d + b"\x1a\x45\xdf\xa3\x80",  # data after the Segment
    ],
    ids=["truncated", "segment-size-lies", "bad-vint", "trailing-data"],
)
def test_hostile_structures_are_clean_errors(clips: dict[str, bytes], mutate) -> None:  # noqa: ANN001
    data = mutate(clips["h264_mkv"])
    with pytest.raises(ClearMarkError):
        MatroskaContainer("mkv").write_label(data, LABEL_JSON)


def test_limits(clips: dict[str, bytes]) -> None:
    with pytest.raises(MediaTooLarge):
        MatroskaContainer("mkv").read_metadata(Source.of(clips["h264_mkv"]), limits=MediaLimits(max_chunks=5))
    with pytest.raises(MediaTooLarge):
        MatroskaContainer("mkv").read_metadata(Source.of(clips["h264_mkv"]), limits=MediaLimits(max_metadata_bytes=50))


def test_random_corruption_never_escapes_as_another_error(clips: dict[str, bytes]) -> None:
    import random

    rng = random.Random(5)
    data = clips["vp9_opus_webm"]
    for _ in range(300):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            mutated[rng.randrange(len(data))] = rng.choice((0, 1, 0xFF, rng.randrange(256)))
        try:
            MatroskaContainer("webm").write_label(bytes(mutated), LABEL_JSON)
        except ClearMarkError:
            pass
