"""The representative frame decoded alone (Stamp hashing its output) is the one full sampling picks (Inspect)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clearmark.core.errors import InvalidMedia, MediaTooLarge
from clearmark.media.asset import open_asset
from clearmark.media.limits import MediaLimits
from clearmark.media.video import probe_video, representative_frame, representative_sample, sample_frames
from tests.media.video.clips import ClipSpec, faststart, make_clip

CLIPS = [
    ("short.mp4", ClipSpec(seconds=1.0)),
    ("long.mp4", ClipSpec(seconds=7.0, fps=10)),
    ("low_rate.mp4", ClipSpec(seconds=6.0, fps=3)),
    ("vfr.mp4", ClipSpec(seconds=5.0, fps=10, variable_rate=True)),
    ("vp9.webm", ClipSpec(codec="libvpx-vp9", muxer="webm", audio=None, seconds=5.0, fps=10)),
    # Stamp's own output: x264 "veryfast" codes B-frames; a key frame every 12 frames, so the middle
    # frame is decoded from a key frame after the start (the seek is what saves the decoding).
    ("b_frames.mp4", ClipSpec(seconds=5.0, fps=10, preset="veryfast", gop=12)),
    ("b_frames_vfr.mp4", ClipSpec(seconds=5.0, fps=10, preset="veryfast", gop=12, variable_rate=True)),
    ("hevc.mp4", ClipSpec(codec="libx265", audio=None, seconds=4.0, fps=10, preset="veryfast", gop=10)),
    ("phone.mp4", ClipSpec(rotation=-90, seconds=4.0, fps=10, gop=8)),
    ("fragmented.mp4", ClipSpec(fragmented=True, seconds=4.0, fps=10, preset="veryfast", gop=10)),
    ("b_frames.mkv", ClipSpec(muxer="matroska", seconds=5.0, fps=10, preset="veryfast", gop=12)),
    # AVI keeps no presentation order: B-frames' timestamps come out of the decoder shuffled, so the
    # packets cannot predict the frame and the samples around the middle are decoded instead.
    ("b_frames.avi", ClipSpec(muxer="avi", audio=None, seconds=2.0, preset="veryfast")),
]


@pytest.mark.parametrize(("name", "spec"), CLIPS, ids=[c[0] for c in CLIPS])
def test_the_frame_decoded_alone_is_the_one_full_sampling_picks(tmp_path: Path, name: str, spec: ClipSpec) -> None:
    path = make_clip(tmp_path / name, spec)
    info, alone = representative_sample(path)
    full_info, samples = sample_frames(path)
    full = representative_frame(full_info, samples)
    assert info == full_info == probe_video(path)  # the same opening of the file also probed it
    assert alone.time_s == full.time_s
    assert alone.key_frame == full.key_frame
    assert np.array_equal(alone.luma, full.luma)
    assert np.array_equal(alone.rgb, full.rgb)


def test_the_asset_hashes_the_same_frame_whether_or_not_the_detectors_sampled(tmp_path: Path) -> None:
    path = make_clip(tmp_path / "b_frames.mp4", ClipSpec(seconds=5.0, fps=10, preset="veryfast", gop=12))
    alone = open_asset(path, MediaLimits())
    frame = alone.representative_frame
    assert alone.video_info == probe_video(path)  # filled in by the same opening of the file
    shared = open_asset(path, MediaLimits())
    _ = shared.video  # a detector sampled the video first
    assert shared.representative_frame.time_s == frame.time_s
    assert np.array_equal(shared.representative_frame.rgb, frame.rgb)


def test_a_clip_cut_before_its_middle_is_invalid(tmp_path: Path) -> None:
    clip = faststart(make_clip(tmp_path / "clip.mp4", ClipSpec(seconds=2)), tmp_path / "fast.mp4")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    with pytest.raises(InvalidMedia):
        representative_sample(cut)


def test_random_bytes_and_a_clip_past_the_pixel_limit_are_refused_before_decoding(tmp_path: Path) -> None:
    noise = tmp_path / "noise.mp4"
    noise.write_bytes(np.random.default_rng(7).integers(0, 256, 64 * 1024, dtype=np.uint8).tobytes())
    with pytest.raises(InvalidMedia):
        representative_sample(noise)
    clip = make_clip(tmp_path / "clip.mp4", ClipSpec(seconds=1.0))  # 320x240
    with pytest.raises(MediaTooLarge):
        representative_sample(clip, MediaLimits(max_video_pixels=320 * 240 - 1))
