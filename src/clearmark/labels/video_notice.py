"""The explicit video notice: the image notice rendered once for the displayed frame, blended into each frame's YUV."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from clearmark.core.enums import Corner
from clearmark.core.errors import FieldViolation, InvalidRequest
from clearmark.labels.image_notice import NoticeSpec, render_image_notice
from clearmark.media.video import FramePlanes, VideoInfo
from clearmark.notice import RenderedNotice
from clearmark.notice.font import NoticeFont

MIN_START_SCREEN_S = 2.0  # GB 45438: the start-screen notice stays at least this long


@dataclass(frozen=True)
class NoticeSchedule:
    """When the notice is on screen, in presentation seconds from the first frame.

    Attributes:
        start_s: the start screen (>= 2 s): frames that begin before this time carry the notice, so
            the last of them stays on screen until at least ``start_s``.
        middle_s: also this long around the middle (0: not).
        end_s: also over the last this many seconds (0: not).
        badge: a persistent notice in ``badge_corner`` on every frame.
        badge_corner: where the badge goes (it must differ from the notice's corner).
    """

    start_s: float = MIN_START_SCREEN_S
    middle_s: float = 0.0
    end_s: float = 0.0
    badge: bool = False
    badge_corner: Corner = Corner.TOP_LEFT

    def __post_init__(self) -> None:
        if not MIN_START_SCREEN_S <= self.start_s <= 3600:
            raise InvalidRequest(
                f"the start-screen notice lasts {self.start_s} s; GB 45438 asks for at least {MIN_START_SCREEN_S} s",
                violations=(FieldViolation("video_notice_start_s", f"must be >= {MIN_START_SCREEN_S}"),),
            )
        if self.middle_s < 0 or self.end_s < 0:
            raise InvalidRequest("notice durations cannot be negative")

    def shows(self, time_s: float, duration_s: float) -> bool:
        """Whether the frame that begins at ``time_s`` carries the (non-badge) notice."""
        if time_s < self.start_s:
            return True
        middle = duration_s / 2
        if self.middle_s and middle - self.middle_s / 2 <= time_s < middle + self.middle_s / 2:
            return True
        return bool(self.end_s) and time_s >= duration_s - self.end_s


@dataclass(frozen=True)
class _PlaneBlend:
    """``out = centre + (in - centre) * gain + offset`` over a box of one plane."""

    plane: int
    y0: int
    x0: int
    gain: np.ndarray
    offset: np.ndarray
    centre: float


class FrameOverlay:
    """A notice prepared for one video's frames: render once, blend into every frame's planes.

    The notice is drawn for the *displayed* frame (sample aspect ratio and rotation applied), so its
    glyphs are at least the required share of the displayed shortest side and it sits on the named
    edge as viewers see it; the drawing is then mapped back to the coded orientation. The notice's
    colours are neutral (white text, dark stroke, dark translucent plate), so each pixel's change is
    a gain and an offset on luma and a gain towards neutral on chroma.
    """

    def __init__(self, info: VideoInfo, spec: NoticeSpec, font: NoticeFont, *, full_range: bool) -> None:
        size = (info.display_width, info.display_height)
        dark, notice = render_image_notice(Image.new("RGB", size, (0, 0, 0)), spec, font)
        light, _ = render_image_notice(Image.new("RGB", size, (255, 255, 255)), spec, font)
        self.notice: RenderedNotice = notice
        # (The notice is neutral: its red channel is its luma. Converted alone, not the whole RGB.)
        offset = np.asarray(dark)[..., 0].astype(np.float32)
        gain = (np.asarray(light)[..., 0].astype(np.float32) - offset) / 255.0
        # Displayed -> coded: undo the rotation, then the sample aspect ratio. On limited-range
        # planes luma L maps to Y = 16 + L * 219/255, so Y' = 16 + (Y - 16) * gain + offset * 219/255.
        turns = -(info.rotation // 90)
        gain, offset = np.rot90(gain, turns), np.rot90(offset, turns)
        coded = (info.width, info.height)
        gain = cv2.resize(np.ascontiguousarray(gain), coded, interpolation=cv2.INTER_AREA)
        offset = cv2.resize(np.ascontiguousarray(offset), coded, interpolation=cv2.INTER_AREA)
        scale, low = (1.0, 0.0) if full_range else (219.0 / 255.0, 16.0)
        self._blends = [_box_blend(0, gain, offset * scale, low)]
        chroma_w = -(-info.width // _subsampling(info.pix_fmt)[0])
        chroma_h = -(-info.height // _subsampling(info.pix_fmt)[1])
        chroma_gain = cv2.resize(gain, (chroma_w, chroma_h), interpolation=cv2.INTER_AREA)
        zero = np.zeros_like(chroma_gain)
        self._blends += [_box_blend(plane, chroma_gain, zero, 128.0) for plane in (1, 2)]

    def apply(self, planes: FramePlanes) -> None:
        """Blend the notice into one frame's planes, in place."""
        arrays = (planes.y, planes.u, planes.v)
        for blend in self._blends:
            target = arrays[blend.plane]
            height, width = blend.gain.shape
            region = target[blend.y0 : blend.y0 + height, blend.x0 : blend.x0 + width]
            values = (region.astype(np.float32) - blend.centre) * blend.gain + blend.offset + blend.centre
            region[...] = np.clip(np.rint(values), 0, 255).astype(np.uint8)


def _subsampling(pix_fmt: str) -> tuple[int, int]:
    if "444" in pix_fmt:
        return 1, 1
    if "422" in pix_fmt:
        return 2, 1
    return 2, 2


def _box_blend(plane: int, gain: np.ndarray, offset: np.ndarray, centre: float) -> _PlaneBlend:
    changed = (np.abs(gain - 1.0) > 1e-3) | (np.abs(offset) > 1e-2)
    rows, cols = np.nonzero(changed.any(axis=1))[0], np.nonzero(changed.any(axis=0))[0]
    if rows.size == 0:
        return _PlaneBlend(plane, 0, 0, np.ones((0, 0), np.float32), np.zeros((0, 0), np.float32), centre)
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    box_gain = np.ascontiguousarray(gain[y0:y1, x0:x1])
    box_offset = np.ascontiguousarray(offset[y0:y1, x0:x1])
    return _PlaneBlend(plane, int(y0), int(x0), box_gain, box_offset, centre)
