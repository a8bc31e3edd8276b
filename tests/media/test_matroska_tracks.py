"""Matroska/WebM declared frame sizes read without FFmpeg: agree with FFmpeg on real clips; hostile headers handled."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
import pytest

from clearmark.core.errors import InvalidMedia, MediaTooLarge
from clearmark.media import MediaLimits, Source
from clearmark.media.ebml import TRACKS, element, encode_id
from clearmark.media.format import FrameSize
from clearmark.media.matroska_tracks import read_matroska_frame_size
from tests.media.video.clips import ClipSpec, make_clip

CLIPS = {
    "vp9.webm": ClipSpec(codec="libvpx-vp9", muxer="webm", audio="libopus", width=320, height=240, seconds=0.2),
    "h264.mkv": ClipSpec(muxer="matroska", width=352, height=288, seconds=0.2),
}


@pytest.mark.parametrize("name", list(CLIPS))
def test_the_declared_size_is_what_ffmpeg_decodes(tmp_path: Path, name: str) -> None:
    path = make_clip(tmp_path / name, CLIPS[name])
    with av.open(str(path)) as container:
        context = container.streams.video[0].codec_context
        decoded = (context.width, context.height)
    size = read_matroska_frame_size(Source.of(path))
    assert size is not None and (size.width, size.height) == decoded
    assert size.pixels == decoded[0] * decoded[1]


def test_display_size_counts_the_wider_displayed_picture(tmp_path: Path) -> None:
    data = make_clip(tmp_path / "wide.mkv", ClipSpec(muxer="matroska", seconds=0.2, sar=Fraction(2, 1))).read_bytes()
    # FFmpeg keeps this H.264 clip's aspect ratio in the bitstream (DisplayUnit 4, "unknown"): not declared here.
    assert read_matroska_frame_size(Source.of(data)) == FrameSize(320, 240, 320 * 240)
    # DisplayUnit 4 replaced by DisplayHeight 120 (as many bytes): DisplayWidth defaults to PixelWidth.
    unit, display_height = bytes.fromhex("54b28104"), bytes.fromhex("54ba8178")
    assert data.count(unit) == 1
    wide = data.replace(unit, display_height)
    assert read_matroska_frame_size(Source.of(wide)) == FrameSize(320, 240, 640 * 240)
    with av.open(io.BytesIO(wide)) as container:
        assert container.streams.video[0].sample_aspect_ratio == 2  # FFmpeg reads the same shape


@pytest.fixture(scope="module")
def webm(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_clip(tmp_path_factory.mktemp("mkv") / "v.webm", CLIPS["vp9.webm"]).read_bytes()


PIXEL_WIDTH_320 = b"\xb0\x82\x01\x40"  # PixelWidth, 2-byte size, 320


def test_huge_declared_dimensions_are_too_large(webm: bytes) -> None:
    assert webm.count(PIXEL_WIDTH_320) == 1
    with pytest.raises(MediaTooLarge) as refused:
        read_matroska_frame_size(Source.of(webm.replace(PIXEL_WIDTH_320, b"\xb0\x82\xff\xff")))
    assert "max_dimension" in refused.value.message


def test_a_track_without_a_size_is_undeclared(webm: bytes) -> None:
    # PixelWidth renamed to an unknown ID of the same length: the track declares no width.
    size = read_matroska_frame_size(Source.of(webm.replace(PIXEL_WIDTH_320, b"\xb1\x82\x01\x40")))
    assert size is not None and size.pixels == 0


def test_no_video_track_is_none(webm: bytes) -> None:
    # Both TrackType elements (video 1, audio 2) turned into subtitle tracks (17).
    data = webm.replace(b"\x83\x81\x01", b"\x83\x81\x11").replace(b"\x83\x81\x02", b"\x83\x81\x11")
    assert read_matroska_frame_size(Source.of(data)) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:40],  # cut before Tracks
        lambda data: data.replace(encode_id(TRACKS), encode_id(0x1254C367)),  # Tracks renamed to Tags: none left
        lambda data: b"\x00" + data[1:],  # no EBML header
    ],
    ids=["cut", "no-tracks", "no-ebml"],
)
def test_broken_structure_is_invalid_media(webm: bytes, damage) -> None:  # noqa: ANN001
    with pytest.raises(InvalidMedia):
        read_matroska_frame_size(Source.of(damage(webm)))


def test_tracks_is_read_within_the_metadata_limit(webm: bytes) -> None:
    with pytest.raises(MediaTooLarge):
        read_matroska_frame_size(Source.of(webm), MediaLimits(max_metadata_bytes=32))
    assert element(0xEC, b"") == b"\xec\x80"  # the EBML helpers the damage above relies on
