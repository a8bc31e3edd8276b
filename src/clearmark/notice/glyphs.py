"""How the visible notice is drawn and measured: wording rule, glyph masks, glyph heights, font sizes."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from clearmark.core.errors import InvalidRequest
from clearmark.core.signals import BoundingBox
from clearmark.notice.font import MAX_FONT_SIZE, NoticeFont

STYLE_VERSION = "clearmark-image-notice/1"


MIN_HEIGHT_RATIO = 0.05  # GB 45438: glyph height >= 5 % of the shortest side


MAX_TEXT_CHARS = 32


INK_LEVEL = 128  # a pixel counts as glyph ink from half coverage up (conservative for the 5 % rule)


# Wordings known to satisfy the standard; the bundled font subset covers all of their characters.
SUGGESTED_WORDINGS: tuple[str, ...] = (
    "AI生成",
    "AI合成",
    "人工智能生成",
    "人工智能合成",
    "由AI生成",
    "由AI生成合成",
    "由人工智能生成",
    "内容由AI生成",
    "本内容由AI生成",
    "本图由AI生成",
    "图片由AI生成",
    "此图片由人工智能生成",
    "AI生成内容",
    "AI生成图片",
    "豆包AI生成",
)


_AI_ELEMENTS = ("ai", "人工智能")


_GENERATION_ELEMENTS = ("生成", "合成")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def has_required_elements(text: str) -> bool:
    """True when ``text`` names AI ("AI" in any case or width, or "人工智能") and generation ("生成"/"合成").

    >>> has_required_elements("豆包AI生成"), has_required_elements("AI播客")
    (True, False)
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return any(e in folded for e in _AI_ELEMENTS) and any(e in folded for e in _GENERATION_ELEMENTS)


def measured_characters(text: str) -> str:
    """The characters whose glyph height counts: letters and digits (no spaces, punctuation, symbols)."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def is_ideograph(ch: str) -> bool:
    """A CJK (Han) ideograph, unified or compatibility, any extension block."""
    return unicodedata.name(ch, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))


def height_characters(text: str) -> str:
    """The characters whose height an auditor holds to the 5 % rule: the Chinese characters when the
    wording has any, else the letters and digits.

    GB 45438 §5.2 measures the label's characters (文字高度). In a mixed wording such as "AI生成"
    the Latin capitals are about 0.78 of the ideographs' ink height, so measuring them would fail
    a label whose characters are 5 %. (Our own writer stays stricter: it sizes every letter and
    digit, ``measure_glyph_height``.)

    >>> height_characters("由AI生成"), height_characters("AI-generated")
    ('由生成', 'AIgenerated')
    """
    ideographs = "".join(ch for ch in text if is_ideograph(ch))
    return ideographs or measured_characters(text)


@dataclass(frozen=True)
class NoticeMasks:
    """The rasterised notice text on a tight canvas: glyph ink and glyph-plus-stroke coverage (0..255)."""

    fill: np.ndarray
    stroke: np.ndarray
    ink_box: BoundingBox  # fill coverage > 0, in canvas coordinates
    stroke_box: BoundingBox  # stroke coverage > 0, in canvas coordinates


def stroke_width_for(font_size: int) -> int:
    """Style v1 stroke width in pixels."""
    return max(1, round(font_size * 0.06))


def padding_for(font_size: int) -> int:
    """Style v1 gap between the stroked text and the plate border, in pixels."""
    return max(2, round(font_size * 0.3))


def render_notice_masks(font: NoticeFont, text: str, font_size: int) -> NoticeMasks:
    """Rasterise ``text`` at ``font_size`` the way style v1 draws it (also used by the detector)."""
    return _render_masks(font, text, font_size)


@functools.lru_cache(maxsize=16)  # masks of large sizes are megabytes each
def _render_masks(font: NoticeFont, text: str, font_size: int) -> NoticeMasks:
    face = font.at(font_size)
    stroke_width = stroke_width_for(font_size)
    left, top, right, bottom = face.getbbox(text, stroke_width=stroke_width)
    size = (right - left + 2, bottom - top + 2)
    origin = (1 - left, 1 - top)
    fill_img = Image.new("L", size, 0)
    ImageDraw.Draw(fill_img).text(origin, text, fill=255, font=face)
    stroke_img = Image.new("L", size, 0)
    ImageDraw.Draw(stroke_img).text(origin, text, fill=255, font=face, stroke_width=stroke_width, stroke_fill=255)
    fill = np.asarray(fill_img, dtype=np.uint8)
    stroke = np.maximum(np.asarray(stroke_img, dtype=np.uint8), fill)
    fill.setflags(write=False)
    stroke.setflags(write=False)
    ink_box, stroke_box = _nonzero_box(fill), _nonzero_box(stroke)
    if ink_box is None or stroke_box is None:
        raise InvalidRequest(f"notice text {text!r} draws no ink with the notice font")
    return NoticeMasks(fill=fill, stroke=stroke, ink_box=ink_box, stroke_box=stroke_box)


def measure_glyph_height(font: NoticeFont, text: str, font_size: int) -> int:
    """The smallest ink height (rows with >= half coverage) over the measured characters of ``text``."""
    chars = measured_characters(text)
    if not chars:
        return 0
    return min(_glyph_ink_height(font, font_size, ch) for ch in chars)


@functools.lru_cache(maxsize=8192)
def _glyph_ink_height(font: NoticeFont, font_size: int, ch: str) -> int:
    face = font.at(font_size)
    left, top, right, bottom = face.getbbox(ch)
    canvas = Image.new("L", (right - left + 2, bottom - top + 2), 0)
    ImageDraw.Draw(canvas).text((1 - left, 1 - top), ch, fill=255, font=face)
    rows = np.flatnonzero((np.asarray(canvas) >= INK_LEVEL).any(axis=1))
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


def choose_font_size(font: NoticeFont, text: str, target_px: int) -> int:
    """The smallest integer font size whose measured glyph height reaches ``target_px`` (binary search).

    Raises:
        InvalidRequest: no size up to MAX_FONT_SIZE reaches the target.
    """
    lo, hi = 0, max(1, target_px)  # invariant: height(lo) < target <= height(hi) once hi is found
    while measure_glyph_height(font, text, hi) < target_px:
        if hi >= MAX_FONT_SIZE:
            raise InvalidRequest(f"notice glyphs cannot reach {target_px} px below font size {MAX_FONT_SIZE}")
        lo, hi = hi, min(hi * 2, MAX_FONT_SIZE)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if measure_glyph_height(font, text, mid) >= target_px:
            hi = mid
        else:
            lo = mid
    return hi


def canvas_in_plate(mask: np.ndarray, plate: BoundingBox, off_x: int, off_y: int) -> np.ndarray:
    """``mask`` (canvas origin at image ``(off_x, off_y)``) cropped or zero-padded to the plate rectangle."""
    out = np.zeros((plate.height, plate.width), dtype=mask.dtype)
    x0, y0 = off_x - plate.x, off_y - plate.y
    src_x0, src_y0 = max(0, -x0), max(0, -y0)
    dst_x0, dst_y0 = max(0, x0), max(0, y0)
    w = min(mask.shape[1] - src_x0, plate.width - dst_x0)
    h = min(mask.shape[0] - src_y0, plate.height - dst_y0)
    if w > 0 and h > 0:
        out[dst_y0 : dst_y0 + h, dst_x0 : dst_x0 + w] = mask[src_y0 : src_y0 + h, src_x0 : src_x0 + w]
    return out


def _nonzero_box(mask: np.ndarray) -> BoundingBox | None:
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if not rows.size:
        return None
    return BoundingBox(int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))
