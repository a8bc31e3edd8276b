"""The video notice detector: OCR on the start screen, on-screen time exact to the frame, displayed-frame size."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearmark.core.enums import Corner
from clearmark.core.kinds import Attr, SignalKind
from clearmark.detectors.ocr_notice import _build as build_ocr
from clearmark.detectors.registry import DetectorContext
from clearmark.detectors.video_notice import video_notice_signals
from clearmark.labels.image_notice import NoticeSpec
from clearmark.labels.video_notice import NoticeSchedule
from clearmark.labels.video_writer import FramePlan, stamp_frames
from clearmark.media.limits import MediaLimits
from clearmark.media.video import sample_frames
from tests.media.video.clips import ClipSpec, make_clip


@pytest.fixture(scope="module")
def ocr():
    return build_ocr(DetectorContext())


def _signals(ocr, tmp_path: Path, spec: ClipSpec, schedule: NoticeSchedule | None, *, draw: bool = True):
    source = make_clip(tmp_path / "in.mp4", spec)
    out = tmp_path / "out.mp4"
    notice = NoticeSpec("AI生成", Corner.BOTTOM_RIGHT, 0.06) if draw else None
    stamp_frames(source, out, FramePlan(notice=notice, schedule=schedule or NoticeSchedule()), MediaLimits())
    info, frames = sample_frames(out)
    signals = video_notice_signals(ocr, out, info, frames, MediaLimits())
    return [s for s in signals if s.kind == SignalKind.NOTICE_SEEN]


@pytest.mark.parametrize(("start_s", "fps"), [(2.0, 25), (2.5, 12), (4.5, 5)])
def test_start_screen_duration_is_measured_to_the_frame(ocr, tmp_path: Path, start_s: float, fps: int) -> None:
    spec = ClipSpec(width=480, height=270, seconds=8 if start_s > 3 else 4, fps=fps, audio=None)
    (signal,) = _signals(ocr, tmp_path, spec, NoticeSchedule(start_s=start_s))
    attributes = dict(signal.attributes)
    assert signal.kind == SignalKind.NOTICE_SEEN
    # The first frame starting at or after start_s is the first without the notice.
    first_without = -(-start_s * fps // 1) / fps
    assert float(attributes[Attr.ON_SCREEN_S]) == pytest.approx(first_without, abs=1e-3)
    assert attributes[Attr.START_SCREEN_OK] == "true"
    assert attributes["height_ok"] == "true" and attributes["on_edge_or_corner"] == "true"
    assert float(attributes["height_ratio"]) >= 0.05
    assert attributes[Attr.FRAME_TIMES].startswith("0.000,")
    assert signal.location.time_start_ms == 0 and signal.location.bbox is not None


def test_rotated_clip_is_measured_on_the_displayed_frame(ocr, tmp_path: Path) -> None:
    spec = ClipSpec(width=480, height=270, seconds=2.5, fps=10, rotation=-90, audio=None)
    (signal,) = _signals(ocr, tmp_path, spec, None)
    attributes = dict(signal.attributes)
    assert attributes["displayed_size"] == "270x480"
    assert attributes["shortest_side"] == "270"
    assert attributes[Attr.START_SCREEN_OK] == "true"


def test_a_notice_only_at_the_end_fails_the_start_screen(ocr, tmp_path: Path) -> None:
    spec = ClipSpec(width=480, height=270, seconds=8, fps=5, audio=None)
    schedule = NoticeSchedule(start_s=2.0, end_s=3.0)
    signals = _signals(ocr, tmp_path, spec, schedule)
    later = [s for s in signals if dict(s.attributes)[Attr.START_SCREEN_OK] == "false"]
    assert len(later) == 1 and float(dict(later[0].attributes)[Attr.FRAME_TIMES].split(",")[-1]) > 5.0


def test_no_notice_no_signal(ocr, tmp_path: Path) -> None:
    spec = ClipSpec(width=480, height=270, seconds=1, fps=5, audio=None)
    assert _signals(ocr, tmp_path, spec, None, draw=False) == []
