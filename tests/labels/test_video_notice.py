"""The video notice: drawn for the displayed frame (rotation, SAR), big enough, on screen when scheduled."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import pytest
from PIL import Image
from tests.media.video.clips import ClipSpec, make_clip

from clearmark.core.enums import Corner
from clearmark.core.errors import InvalidRequest
from clearmark.detectors.visible_notice import check_rendered_notice
from clearmark.labels.image_notice import NoticeSpec
from clearmark.labels.video_notice import NoticeSchedule
from clearmark.labels.video_writer import FramePlan, stamp_frames
from clearmark.media.limits import MediaLimits
from clearmark.media.video import sample_frames
from clearmark.notice import load_notice_font

NOTICE = NoticeSpec("AI生成", Corner.BOTTOM_RIGHT, 0.06)


def _stamp(tmp_path: Path, spec: ClipSpec, schedule: NoticeSchedule | None = None):
    source = make_clip(tmp_path / "in.mp4", spec)
    out = tmp_path / "out.mp4"
    plan = FramePlan(notice=NOTICE, schedule=schedule or NoticeSchedule())
    stamped = stamp_frames(source, out, plan, MediaLimits())
    return out, stamped


def _present(out: Path, notice, times: tuple[float, ...]) -> list[bool]:
    _, frames = sample_frames(out, MediaLimits(), times)
    font = load_notice_font()
    return [check_rendered_notice(Image.fromarray(f.rgb), notice, font).present for f in frames]


def test_notice_is_on_the_start_screen_for_two_seconds(tmp_path: Path) -> None:
    out, stamped = _stamp(tmp_path, ClipSpec(seconds=3, fps=10, audio=None))
    assert stamped.notice is not None and stamped.notice.height_ratio >= 0.05
    assert _present(out, stamped.notice, (0.0, 1.0, 1.9, 2.0, 2.9)) == [True, True, True, False, False]


@pytest.mark.parametrize(
    ("spec", "displayed"),
    [
        (ClipSpec(rotation=-90, audio=None, fps=10, seconds=0.5), (240, 320)),
        (ClipSpec(rotation=90, audio=None, fps=10, seconds=0.5), (240, 320)),
        (ClipSpec(sar=Fraction(4, 3), audio=None, fps=10, seconds=0.5), (427, 240)),
    ],
    ids=["phone-270", "rotated-90", "anamorphic"],
)
def test_notice_is_drawn_upright_in_the_displayed_frame(tmp_path: Path, spec: ClipSpec, displayed) -> None:
    out, stamped = _stamp(tmp_path, spec)
    notice = stamped.notice
    assert (notice.image_width, notice.image_height) == displayed
    assert notice.glyph_height_px >= 0.05 * min(displayed)
    assert _present(out, notice, (0.0,)) == [True]


def test_full_range_frames_get_the_same_notice(tmp_path: Path) -> None:
    out, stamped = _stamp(tmp_path, ClipSpec(pix_fmt="yuvj420p", audio=None, fps=10, seconds=0.5))
    assert _present(out, stamped.notice, (0.0,)) == [True]


def test_middle_end_and_badge_follow_the_schedule(tmp_path: Path) -> None:
    schedule = NoticeSchedule(start_s=2.0, middle_s=1.0, end_s=1.0, badge=True, badge_corner=Corner.TOP_LEFT)
    out, stamped = _stamp(tmp_path, ClipSpec(seconds=8, fps=5, audio=None), schedule)
    assert _present(out, stamped.notice, (0.0, 2.4, 3.6, 4.0, 5.0, 7.4)) == [True, False, True, True, False, True]
    with av.open(str(out)) as container:
        last = list(container.decode(video=0))[20].to_ndarray(format="gray")
    assert last[:40, :40].mean() < 90  # the badge's dark plate sits in the top-left corner on every frame


def test_schedule_refuses_a_start_screen_under_two_seconds() -> None:
    with pytest.raises(InvalidRequest, match="at least 2"):
        NoticeSchedule(start_s=1.5)


def test_schedule_windows() -> None:
    schedule = NoticeSchedule(start_s=2.0, middle_s=2.0, end_s=1.0)
    assert [schedule.shows(t, 10.0) for t in (0.0, 1.99, 2.0, 4.0, 5.9, 6.0, 8.99, 9.0)] == [
        True,
        True,
        False,
        True,
        True,
        False,
        False,
        True,
    ]
