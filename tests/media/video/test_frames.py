"""Sampling frames: dense over the start screen, spread after it, displayed orientation for OCR."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clearmark.core.errors import InvalidMedia
from clearmark.media.video import probe_video, sample_frames, sample_times
from clearmark.media.video.frames import SampleSelection
from tests.media.video.clips import ClipSpec, faststart, make_clip, scene


def test_sample_times_are_dense_then_spread(tmp_path: Path) -> None:
    info = probe_video(make_clip(tmp_path / "long.mp4", ClipSpec(seconds=9, fps=5, audio=None)))
    times = sample_times(info)
    assert times[:13] == tuple(i * 0.25 for i in range(13))
    assert times[13:] == pytest.approx([3.5, 4.5, 5.5, 6.5, 7.5, 8.5])


def test_samples_are_the_frames_on_screen_at_their_times(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "long.mp4", ClipSpec(seconds=9, fps=5, audio=None))
    info, frames = sample_frames(clip)
    assert info.codec == "h264"
    times = [f.time_s for f in frames]
    # 5 fps: the frame shown at 0.25 s is the one at 0.2 s, at 0.75 s the one at 0.6 s.
    assert times[:5] == pytest.approx([0.0, 0.2, 0.4, 0.6, 1.0])
    assert times[-6:] == pytest.approx([3.4, 4.4, 5.4, 6.4, 7.4, 8.4])
    expected = scene(320, 240, 42).mean(axis=2)
    assert np.abs(frames[-1].luma.astype(float) - expected).mean() < 12  # frame 42 shown at 8.4 s


def test_frames_come_displayed_for_ocr_and_coded_for_the_mark(tmp_path: Path) -> None:
    _, frames = sample_frames(make_clip(tmp_path / "phone.mp4", ClipSpec(rotation=-90, audio=None)))
    assert frames[0].rgb.shape == (320, 240, 3)
    assert frames[0].luma.shape == (240, 320)
    assert frames[0].key_frame


def test_a_truncated_clip_is_invalid(tmp_path: Path) -> None:
    clip = faststart(make_clip(tmp_path / "clip.mp4", ClipSpec(seconds=2)), tmp_path / "fast.mp4")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    with pytest.raises(InvalidMedia):
        sample_frames(cut)


def test_selection_takes_the_last_frame_at_or_before_each_time(tmp_path: Path) -> None:
    info = probe_video(make_clip(tmp_path / "long.mp4", ClipSpec(seconds=9, fps=5, audio=None)))
    taken: list[tuple[float, str]] = []
    selection = SampleSelection[str]([0.0, 0.25, 0.5, 8.9], lambda *kept: taken.append(kept))
    frames = [(round(0.2 * i, 6), f"frame {i}") for i in range(45)]  # 0.0 ... 8.8 s
    assert not any(selection.offer(*frame) for frame in frames)  # 8.9 s is past the last frame
    selection.end(info)  # the last frame stays on screen to the end of the 9 s
    assert taken == [(0.0, "frame 0"), (0.2, "frame 1"), (0.4, "frame 2"), (8.8, "frame 44")]


def test_selection_refuses_a_stream_cut_short_of_its_duration(tmp_path: Path) -> None:
    info = probe_video(make_clip(tmp_path / "long.mp4", ClipSpec(seconds=9, fps=5, audio=None)))
    selection = SampleSelection[str]([0.0, 6.0], lambda *kept: None)
    assert not any(selection.offer(round(0.2 * i, 6), "frame") for i in range(20))  # stops at 3.8 s
    with pytest.raises(InvalidMedia, match="truncated"):
        selection.end(info)
