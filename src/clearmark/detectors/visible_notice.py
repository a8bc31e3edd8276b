"""Re-checks a recorded explicit image notice against the pixels: still there, big enough, at an edge."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from clearmark.core.enums import Category, Corner, MediaKind
from clearmark.core.errors import ClearMarkError
from clearmark.core.kinds import SignalKind
from clearmark.core.signals import BoundingBox, Location, Signal
from clearmark.detectors.registry import DetectorContext, register_detector
from clearmark.media.asset import Asset
from clearmark.notice.font import NoticeFont, load_notice_font
from clearmark.notice.glyphs import (
    MIN_HEIGHT_RATIO,
    STYLE_VERSION,
    canvas_in_plate,
    has_required_elements,
    measure_glyph_height,
    render_notice_masks,
)
from clearmark.notice.record import RenderedNotice

# Thresholds of the presence test (luminance 0..255). A clean stamp has mask correlation ~0.9, glyph
# core ~255 and a glyph/surround difference of 150-250, and JPEG q50-70 or WebP q80 barely move
# them. Painting out or restoring the original pixels drops the correlation to ~0; a blur that
# makes the text illegible drops the glyph core and the difference below their minimums.
NCC_MIN = 0.6
CONTRAST_MIN = 80.0
CORE_MIN = 160.0
EDGE_TOLERANCE = 0.10  # of the shortest side: how far from the named edges the plate may sit


@dataclass(frozen=True)
class NoticeCheck:
    """The verdict on one recorded notice.

    ``score`` is half the smallest ratio of a presence measure to its minimum, capped at 1: it is
    >= 0.5 exactly when every measure passes, so it can serve as a signal confidence.
    """

    present: bool
    score: float
    evidence: str
    on_edge_or_corner: bool
    height_ok: bool
    geometry_matches_image: bool


def check_rendered_notice(image: Image.Image, notice: RenderedNotice, font: NoticeFont) -> NoticeCheck:
    """Test whether ``image`` still shows the notice described by ``notice``. Never modifies the image.

    Presence re-renders the glyph mask at the recorded size and position and requires both a
    contrast (glyph pixels bright, stroke and plate pixels dark) and a normalised correlation of
    the plate's luminance with the mask. Sizes are recomputed from the current image.
    """
    width, height = image.size
    shortest = min(width, height)
    on_edge = plate_on_edge(notice.plate, notice.corner, width, height)
    font_matches = font.sha256 == notice.font_sha256
    measured_px = measure_glyph_height(font, notice.text, notice.font_size) if font_matches else 0
    height_ok = font_matches and measured_px >= MIN_HEIGHT_RATIO * shortest
    geometry_ok = (width, height) == (notice.image_width, notice.image_height)
    problem = None
    if not geometry_ok:
        problem = (
            f"image is {width}x{height} but the notice was rendered on {notice.image_width}x"
            f"{notice.image_height}; geometry no longer matches (resized or cropped)"
        )
    elif not font_matches:
        problem = f"notice was drawn with font {notice.font_sha256[:12]}…, this checker has {font.sha256[:12]}…"
    elif notice.style_version != STYLE_VERSION:
        problem = f"notice style {notice.style_version!r} is not {STYLE_VERSION!r}; cannot re-render it"
    if problem is not None:
        return NoticeCheck(False, 0.0, problem, on_edge, height_ok, geometry_ok)
    try:
        masks = render_notice_masks(font, notice.text, notice.font_size)
    except (ClearMarkError, ValueError) as exc:
        return NoticeCheck(False, 0.0, f"cannot re-render the notice text: {exc}", on_edge, height_ok, True)
    if (masks.ink_box.width, masks.ink_box.height) != (notice.glyph_box.width, notice.glyph_box.height):
        evidence = (
            f"re-rendered glyph box is {masks.ink_box.width}x{masks.ink_box.height}, record says "
            f"{notice.glyph_box.width}x{notice.glyph_box.height}; the record does not match this font"
        )
        return NoticeCheck(False, 0.0, evidence, on_edge, height_ok, False)
    off_x, off_y = notice.glyph_box.x - masks.ink_box.x, notice.glyph_box.y - masks.ink_box.y
    plate = notice.plate
    luma = np.asarray(
        image.crop((plate.x, plate.y, plate.x + plate.width, plate.y + plate.height)).convert("L"),
        dtype=np.float64,
    )
    fill = canvas_in_plate(masks.fill, plate, off_x, off_y).astype(np.float64) / 255.0
    stroke = canvas_in_plate(masks.stroke, plate, off_x, off_y)
    core, surround = fill >= 0.99, (stroke == 0) | ((stroke >= 252) & (fill == 0))
    core_mean = float(luma[core].mean()) if core.any() else 0.0
    surround_mean = float(luma[surround].mean()) if surround.any() else 255.0
    contrast = core_mean - surround_mean
    ncc = _normalised_correlation(luma, fill)
    present = ncc >= NCC_MIN and contrast >= CONTRAST_MIN and core_mean >= CORE_MIN
    margin = min(ncc / NCC_MIN, contrast / CONTRAST_MIN, core_mean / CORE_MIN)
    score = max(0.0, min(1.0, 0.5 * margin))
    evidence = (
        f"notice {notice.text!r} {'found' if present else 'not found'} in plate "
        f"({plate.x},{plate.y},{plate.width}x{plate.height}): glyph luminance {core_mean:.0f} vs surround "
        f"{surround_mean:.0f} (difference {contrast:.0f}, need {CONTRAST_MIN:.0f}), mask correlation "
        f"{ncc:.2f} (need {NCC_MIN}); glyph height {measured_px} px = "
        f"{measured_px / shortest:.1%} of the {shortest} px shortest side"
    )
    return NoticeCheck(present, round(score, 4), evidence, on_edge, height_ok, True)


def plate_on_edge(plate: BoundingBox, corner: Corner, width: int, height: int) -> bool:
    """True when the plate lies within EDGE_TOLERANCE × shortest side of the edges its corner names."""
    tolerance = EDGE_TOLERANCE * min(width, height)
    gaps = {
        "left": plate.x,
        "top": plate.y,
        "right": width - (plate.x + plate.width),
        "bottom": height - (plate.y + plate.height),
    }
    if any(gap < 0 for gap in gaps.values()):
        return False
    edges = {
        Corner.BOTTOM_RIGHT: ("bottom", "right"),
        Corner.BOTTOM_LEFT: ("bottom", "left"),
        Corner.TOP_RIGHT: ("top", "right"),
        Corner.TOP_LEFT: ("top", "left"),
        Corner.BOTTOM_EDGE: ("bottom",),
        Corner.TOP_EDGE: ("top",),
    }.get(corner, ())
    return bool(edges) and all(gaps[edge] <= tolerance for edge in edges)


def _normalised_correlation(values: np.ndarray, template: np.ndarray) -> float:
    a = values - values.mean()
    b = template - template.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denom) if denom > 1e-9 else 0.0


class RecordedNoticeDetector:
    """Finds the notice ClearMark recorded in XMP (``clearmark:Notice``) and checks it is still in the pixels."""

    name = "explicit.recorded_notice"
    version = STYLE_VERSION
    kinds = frozenset({MediaKind.IMAGE})

    def __init__(self, font: NoticeFont) -> None:
        self._font = font

    def detect(self, asset: Asset) -> list[Signal]:
        recorded = asset.metadata.clearmark_notice
        if recorded is None:
            return []
        try:
            notice = RenderedNotice.from_json(recorded)
        except ValueError as error:
            return [
                Signal(
                    source=self.name,
                    kind=SignalKind.NOTICE_RECORD_MALFORMED,
                    confidence=1.0,
                    rule_id="clearmark.notice.record",
                    rule_version=self.version,
                    message=f"clearmark:Notice is not a notice record: {error}",
                )
            ]
        check = check_rendered_notice(asset.image.image, notice, self._font)
        flags = {
            "present": check.present,
            "height_ok": check.height_ok,
            "on_edge_or_corner": check.on_edge_or_corner,
            "geometry_matches_image": check.geometry_matches_image,
            "wording_ok": has_required_elements(notice.text),
        }
        return [
            Signal(
                source=self.name,
                kind=SignalKind.NOTICE_RECORDED,
                confidence=check.score,
                rule_id="gb45438.explicit.image",
                rule_version=self.version,
                category_hint=Category.AI_SUSPECTED if check.present else Category.NO_SIGNAL,
                location=Location(carrier="pixels", bbox=notice.plate),
                message=f"{notice.text!r} {check.evidence}",
                attributes=tuple((k, str(v).lower()) for k, v in flags.items())
                + (
                    ("text", notice.text),
                    ("glyph_height_px", str(notice.glyph_height_px)),
                    ("shortest_side", str(min(asset.image.width, asset.image.height))),
                    ("score", f"{check.score:.3f}"),
                ),
            )
        ]


@register_detector(RecordedNoticeDetector.name)
def _build(context: DetectorContext) -> RecordedNoticeDetector:
    return RecordedNoticeDetector(load_notice_font(context.font_path))
