"""Probing clips of each kind: codec, timing, rotation, SAR; limits from the header; broken files."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from clearmark.core.errors import InvalidMedia, MediaTooLarge
from clearmark.media.limits import MediaLimits
from clearmark.media.source import Source
from clearmark.media.video import probe_video
from tests.media.video.clips import ClipSpec, make_clip

CASES = [
    ("h264_aac.mp4", ClipSpec(), "h264", ("video", "audio")),
    ("hevc.mp4", ClipSpec(codec="libx265", audio=None), "hevc", ("video",)),
    ("vp9_opus.webm", ClipSpec(codec="libvpx-vp9", muxer="webm", audio="libopus"), "vp9", ("video", "audio")),
    ("fragmented.mp4", ClipSpec(fragmented=True), "h264", ("video", "audio")),
]


@pytest.mark.parametrize(("name", "spec", "codec", "types"), CASES, ids=[c[0] for c in CASES])
def test_probe_reads_codec_size_rate_and_streams(tmp_path: Path, name: str, spec: ClipSpec, codec: str, types) -> None:
    info = probe_video(make_clip(tmp_path / name, spec))
    assert info.codec == codec
    assert (info.width, info.height) == (320, 240)
    assert (info.display_width, info.display_height) == (320, 240)
    assert info.frame_rate == 25
    assert 0.9 <= info.duration_s <= 1.1
    assert 24 <= info.frame_count <= 26
    assert tuple(s.type for s in info.streams) == types
    assert info.rotation == 0


def test_phone_clip_is_displayed_portrait(tmp_path: Path) -> None:
    info = probe_video(make_clip(tmp_path / "phone.mp4", ClipSpec(rotation=-90)))
    assert info.rotation == 270
    assert (info.width, info.height) == (320, 240)
    assert (info.display_width, info.display_height) == (240, 320)
    assert info.displayed_shortest_side == 240


def test_sample_aspect_ratio_widens_the_displayed_frame(tmp_path: Path) -> None:
    info = probe_video(make_clip(tmp_path / "anamorphic.mp4", ClipSpec(sar=Fraction(4, 3), audio=None)))
    assert info.sample_aspect_ratio == Fraction(4, 3)
    assert (info.display_width, info.display_height) == (427, 240)


def test_probe_reads_bytes_and_sources(h264_clip: Path) -> None:
    data = h264_clip.read_bytes()
    assert probe_video(data).codec == "h264"
    assert probe_video(Source.of(h264_clip)).size_bytes == len(data)


@pytest.mark.parametrize(
    ("limit", "value"),
    [
        ("max_video_pixels", 320 * 240 - 1),
        ("max_video_duration_s", 0),
        ("max_video_frames", 10),
        ("max_video_bytes", 1000),
    ],
)
def test_limits_refuse_before_any_frame_is_decoded(h264_clip: Path, tmp_path: Path, limit: str, value: int) -> None:
    # The frames are destroyed: only a check made from the header can answer MediaTooLarge.
    data = bytearray(h264_clip.read_bytes())
    mdat = data.index(b"mdat")
    end = mdat - 4 + int.from_bytes(data[mdat - 4 : mdat], "big")
    data[mdat + 4 : end] = bytes(end - mdat - 4)
    broken = tmp_path / "broken_frames.mp4"
    broken.write_bytes(bytes(data))
    with pytest.raises(MediaTooLarge, match=limit):
        probe_video(broken, replace(MediaLimits(), **{limit: value}))


def test_truncated_clip_is_invalid(h264_clip: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(h264_clip.read_bytes()[: h264_clip.stat().st_size // 2])
    with pytest.raises(InvalidMedia):
        probe_video(cut)


def test_garbage_is_invalid() -> None:
    with pytest.raises(InvalidMedia):
        probe_video(b"\x00\x00\x00\x18ftypmp42" + bytes(200))


def test_the_displayed_picture_is_held_to_the_pixel_limit(tmp_path: Path) -> None:
    path = make_clip(tmp_path / "wide.mp4", ClipSpec(seconds=0.2, sar=Fraction(2, 1)))
    assert probe_video(path, MediaLimits(max_video_pixels=160_000)).display_width == 640
    with pytest.raises(MediaTooLarge) as refused:  # 320x240 coded fits; the 640x240 frames the sampler draws do not
        probe_video(path, MediaLimits(max_video_pixels=100_000))
    assert "640x240 displayed" in refused.value.message
