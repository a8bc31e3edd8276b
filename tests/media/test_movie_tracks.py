"""MP4/MOV declared frame sizes read without FFmpeg: FFmpeg agrees on real clips; hostile headers refused or sized."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import pytest

from clearmark.core.errors import InvalidMedia, MediaTooLarge
from clearmark.media import MediaLimits, Source
from clearmark.media.format import FrameSize
from clearmark.media.movie_tracks import read_movie_frame_size
from tests.media.movie_clips import make_clip as make_tiny_clip
from tests.media.video.clips import ClipSpec, faststart, make_clip

CLIPS = {
    "h264.mp4": ClipSpec(width=352, height=288, seconds=0.2),
    "hevc.mp4": ClipSpec(codec="libx265", width=320, height=192, seconds=0.2, audio=None),
    "fragmented.mp4": ClipSpec(width=256, height=144, seconds=0.2, fragmented=True),
    "rotated.mp4": ClipSpec(width=320, height=240, seconds=0.2, rotation=-90),
    "h264.mov": ClipSpec(muxer="mov", width=288, height=160, seconds=0.2),
}


def _ffmpeg_size(path: Path) -> tuple[int, int]:
    with av.open(str(path)) as container:
        context = container.streams.video[0].codec_context
        return context.width, context.height


@pytest.mark.parametrize("name", list(CLIPS))
def test_the_declared_size_is_what_ffmpeg_decodes(tmp_path: Path, name: str) -> None:
    path = make_clip(tmp_path / name, CLIPS[name])
    size = read_movie_frame_size(Source.of(path))
    assert size is not None
    assert (size.width, size.height) == _ffmpeg_size(path)
    assert size.pixels == size.width * size.height  # square pixels: the displayed picture is the coded one


def test_moov_first_and_moov_last_agree(tmp_path: Path) -> None:
    last = make_clip(tmp_path / "last.mp4", CLIPS["h264.mp4"])
    first = faststart(last, tmp_path / "first.mp4")
    expected = FrameSize(352, 288, 352 * 288)
    assert read_movie_frame_size(Source.of(first)) == read_movie_frame_size(Source.of(last)) == expected


def test_a_pixel_aspect_ratio_counts_the_wider_displayed_picture(tmp_path: Path) -> None:
    path = make_clip(tmp_path / "anamorphic.mp4", ClipSpec(width=320, height=240, seconds=0.2, sar=Fraction(2, 1)))
    size = read_movie_frame_size(Source.of(path))
    assert size is not None and (size.width, size.height) == (320, 240)
    assert size.displayed_pixels == 640 * 240  # what the sampler's RGB frames hold (SAR applied)


def test_audio_only_has_no_frame() -> None:
    assert read_movie_frame_size(Source.of(make_tiny_clip("aac_m4a"))) is None


def _patched(data: bytes, box: bytes, at: int, value: bytes) -> bytes:
    """``data`` with ``value`` written ``at`` bytes past the start of the first ``box`` box."""
    start = data.index(box) - 4
    return data[: start + at] + value + data[start + at + len(value) :]


def _stsd_size(data: bytes, width: int, height: int) -> bytes:
    # stsd: header 8, version/flags 4, entry count 4, then the entry: header 8 + 24 bytes before width.
    return _patched(data, b"stsd", 16 + 32, width.to_bytes(2, "big") + height.to_bytes(2, "big"))


def _tkhd_size(data: bytes, width: int, height: int) -> bytes:
    return _patched(data, b"tkhd", 8 + 76, (width << 16).to_bytes(4, "big") + (height << 16).to_bytes(4, "big"))


@pytest.fixture(scope="module")
def tiny() -> bytes:
    return make_tiny_clip("h264_aac_mp4")  # 64x48


def test_huge_declared_dimensions_are_too_large(tiny: bytes) -> None:
    with pytest.raises(MediaTooLarge) as refused:
        read_movie_frame_size(Source.of(_stsd_size(tiny, 65535, 65535)))
    assert "max_dimension" in refused.value.message
    with pytest.raises(MediaTooLarge) as refused:
        read_movie_frame_size(Source.of(_stsd_size(tiny, 8000, 8000)), MediaLimits())
    assert "max_video_pixels" in refused.value.message


def test_a_hostile_display_size_is_counted_not_ignored(tiny: bytes) -> None:
    size = read_movie_frame_size(Source.of(_tkhd_size(tiny, 60000, 1)))
    assert size is not None and (size.width, size.height) == (64, 48)
    assert size.pixels == 48 * 48 * 60000  # FFmpeg derives the aspect ratio from tkhd: the sampler would draw this


def test_a_sample_entry_without_a_size_falls_back_to_tkhd_then_to_undeclared(tiny: bytes) -> None:
    assert read_movie_frame_size(Source.of(_stsd_size(tiny, 0, 0))) == FrameSize(64, 48, 64 * 48)
    assert read_movie_frame_size(Source.of(_tkhd_size(_stsd_size(tiny, 0, 0), 0, 0))) == FrameSize(0, 0, 0)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) - 10],  # cut inside moov (FFmpeg's default puts it last)
        lambda data: data.replace(b"moov", b"free", 1),  # no moov
        lambda data: b"\x00\x00\x00\x08wide" + data,  # no leading ftyp
        lambda data: _patched(data, b"trak", 0, (2**31).to_bytes(4, "big")),  # a trak past its moov
    ],
    ids=["cut", "no-moov", "no-ftyp", "trak-overrun"],
)
def test_broken_structure_is_invalid_media(tiny: bytes, damage) -> None:  # noqa: ANN001
    with pytest.raises(InvalidMedia):
        read_movie_frame_size(Source.of(damage(tiny)))


def test_box_count_is_bounded(tiny: bytes) -> None:
    with pytest.raises(MediaTooLarge):
        read_movie_frame_size(Source.of(tiny), MediaLimits(max_chunks=4))
