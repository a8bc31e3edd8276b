"""Writer of the explicit image label: draws the notice on an edge or corner, big enough, legible anywhere."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from clearmark.core.enums import Corner
from clearmark.core.errors import FieldViolation, InvalidRequest
from clearmark.core.signals import BoundingBox
from clearmark.notice.font import NoticeFont
from clearmark.notice.glyphs import (
    _CONTROL,
    MAX_TEXT_CHARS,
    MIN_HEIGHT_RATIO,
    NoticeMasks,
    canvas_in_plate,
    choose_font_size,
    has_required_elements,
    measure_glyph_height,
    padding_for,
    render_notice_masks,
)
from clearmark.notice.record import RenderedNotice

# Style v1: white text with a dark stroke on a black plate of this opacity. Over a white pixel the
# plate is grey 87, so text/plate contrast is >= 7:1 (WCAG AAA) whatever lies underneath.
PLATE_OPACITY = 0.66


TEXT_LEVEL = 255.0


STROKE_LEVEL = 0.0


PLATE_LEVEL = 0.0


SUPPORTED_MODES = ("RGB", "RGBA", "L", "LA")


@dataclass(frozen=True)
class NoticeSpec:
    """What the caller asks for. ``margin_ratio`` is a fraction of the image's shortest side.

    Raises:
        InvalidRequest: on construction, when the wording lacks the required elements, the height
            ratio is under 5 %, or a field is out of range.
    """

    text: str = "AI生成"
    corner: Corner = Corner.BOTTOM_RIGHT
    height_ratio: float = 0.06
    margin_ratio: float = 0.02
    min_glyph_px: int = 8  # legibility floor on top of the ratio; tiny images get InvalidRequest

    def __post_init__(self) -> None:
        problems: list[FieldViolation] = []
        if not isinstance(self.text, str) or not 1 <= len(self.text) <= MAX_TEXT_CHARS:
            problems.append(FieldViolation("text", f"notice text must be 1..{MAX_TEXT_CHARS} characters"))
        elif _CONTROL.search(self.text) or not self.text.strip():
            problems.append(FieldViolation("text", "notice text must be one line of visible characters"))
        elif not has_required_elements(self.text):
            problems.append(
                FieldViolation(
                    "text",
                    f"notice text {self.text!r} must contain an AI element ('AI' or '人工智能') and a "
                    "generation element ('生成' or '合成'), e.g. 'AI生成'",
                )
            )
        if not isinstance(self.corner, Corner) or self.corner is Corner.CORNER_UNSPECIFIED:
            problems.append(FieldViolation("corner", "corner must be a Corner other than CORNER_UNSPECIFIED"))
        if not isinstance(self.height_ratio, (int, float)) or not MIN_HEIGHT_RATIO <= self.height_ratio <= 0.5:
            problems.append(
                FieldViolation("height_ratio", f"height_ratio must be in [{MIN_HEIGHT_RATIO}, 0.5] (GB 45438: >= 5 %)")
            )
        if not isinstance(self.margin_ratio, (int, float)) or not 0.0 <= self.margin_ratio <= 0.2:
            problems.append(FieldViolation("margin_ratio", "margin_ratio must be in [0, 0.2]"))
        if isinstance(self.min_glyph_px, bool) or not isinstance(self.min_glyph_px, int) or self.min_glyph_px < 1:
            problems.append(FieldViolation("min_glyph_px", "min_glyph_px must be a positive integer"))
        if problems:
            raise InvalidRequest("; ".join(p.description for p in problems), violations=tuple(problems))


def render_image_notice(image: Image.Image, spec: NoticeSpec, font: NoticeFont) -> tuple[Image.Image, RenderedNotice]:
    """Draw the notice on a copy of ``image`` (same mode and size) and say where it went.

    The font size is the smallest whose measured glyph ink height is at least
    ``max(height_ratio × shortest side, min_glyph_px)``. Rendering is deterministic.

    Raises:
        InvalidRequest: unsupported mode, wording without the required elements, characters the
            font lacks, or a notice that does not fit the image at the required size.
    """
    if image.mode not in SUPPORTED_MODES:
        raise InvalidRequest(
            f"cannot draw a notice on a {image.mode} image; convert it to one of {', '.join(SUPPORTED_MODES)}"
        )
    if not has_required_elements(spec.text):  # NoticeSpec checks this too; keep the writer's contract local
        raise InvalidRequest(f"notice text {spec.text!r} lacks an AI or a generation element")
    missing = font.missing_characters(spec.text)
    if missing:
        raise InvalidRequest(f"the notice font has no glyph for {missing!r}; choose another wording")
    width, height = image.size
    shortest = min(width, height)
    target = max(math.ceil(spec.height_ratio * shortest - 1e-9), spec.min_glyph_px)
    font_size = choose_font_size(font, spec.text, target)
    masks = render_notice_masks(font, spec.text, font_size)
    pad = padding_for(font_size)
    plate_w, plate_h = masks.stroke_box.width + 2 * pad, masks.stroke_box.height + 2 * pad
    margin = round(spec.margin_ratio * shortest)
    if plate_w + 2 * margin > width or plate_h + 2 * margin > height:
        raise InvalidRequest(
            f"notice {spec.text!r} needs {plate_w + 2 * margin}x{plate_h + 2 * margin} px at font size "
            f"{font_size} (glyphs >= {target} px for a {width}x{height} image) and does not fit; "
            "use a shorter wording or a larger image"
        )
    plate = _place(spec.corner, width, height, plate_w, plate_h, margin)
    # Canvas offset so that the stroked text's ink box starts `pad` inside the plate.
    off_x = plate.x + pad - masks.stroke_box.x
    off_y = plate.y + pad - masks.stroke_box.y
    stamped = image.copy()
    stamped.paste(_compose_plate(image, plate, masks, off_x, off_y), (plate.x, plate.y))
    glyph_px = measure_glyph_height(font, spec.text, font_size)
    notice = RenderedNotice(
        text=spec.text,
        corner=spec.corner,
        font_size=font_size,
        plate=plate,
        glyph_box=BoundingBox(
            off_x + masks.ink_box.x, off_y + masks.ink_box.y, masks.ink_box.width, masks.ink_box.height
        ),
        glyph_height_px=glyph_px,
        shortest_side=shortest,
        height_ratio=glyph_px / shortest,
        image_width=width,
        image_height=height,
        font_sha256=font.sha256,
    )
    return stamped, notice


def _compose_plate(image: Image.Image, plate: BoundingBox, masks: NoticeMasks, off_x: int, off_y: int) -> Image.Image:
    region = np.asarray(image.crop((plate.x, plate.y, plate.x + plate.width, plate.y + plate.height)))
    pixels = region.astype(np.float32).reshape(plate.height, plate.width, -1)
    has_alpha = image.mode in ("RGBA", "LA")
    colour = pixels[..., :-1] if has_alpha else pixels
    if has_alpha:  # transparent pixels count as black under the plate, which is made opaque
        colour = colour * (pixels[..., -1:] / 255.0)
    fill = canvas_in_plate(masks.fill, plate, off_x, off_y).astype(np.float32)[..., None] / 255.0
    stroke = canvas_in_plate(masks.stroke, plate, off_x, off_y).astype(np.float32)[..., None] / 255.0
    colour = colour * (1.0 - PLATE_OPACITY) + PLATE_LEVEL * PLATE_OPACITY
    colour = colour * (1.0 - stroke) + STROKE_LEVEL * stroke
    colour = colour * (1.0 - fill) + TEXT_LEVEL * fill
    out = np.clip(np.rint(colour), 0, 255).astype(np.uint8)
    if has_alpha:
        out = np.concatenate([out, np.full((plate.height, plate.width, 1), 255, dtype=np.uint8)], axis=2)
    return Image.fromarray(out[..., 0] if out.shape[2] == 1 else out)


def _place(corner: Corner, width: int, height: int, plate_w: int, plate_h: int, margin: int) -> BoundingBox:
    left, right, centre = margin, width - margin - plate_w, (width - plate_w) // 2
    top, bottom = margin, height - margin - plate_h
    x, y = {
        Corner.BOTTOM_RIGHT: (right, bottom),
        Corner.BOTTOM_LEFT: (left, bottom),
        Corner.TOP_RIGHT: (right, top),
        Corner.TOP_LEFT: (left, top),
        Corner.BOTTOM_EDGE: (centre, bottom),
        Corner.TOP_EDGE: (centre, top),
    }[corner]
    return BoundingBox(x, y, plate_w, plate_h)
