"""The record of a drawn notice (geometry, font, style), stored in XMP so Verify can re-check it."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from clearmark.core.enums import Corner
from clearmark.core.signals import BoundingBox
from clearmark.notice.font import MAX_FONT_SIZE
from clearmark.notice.glyphs import _CONTROL, MAX_TEXT_CHARS, STYLE_VERSION


@dataclass(frozen=True)
class RenderedNotice:
    """Where and how big a notice was drawn; stored (as ``to_json``) so Verify can re-check it."""

    text: str
    corner: Corner
    font_size: int
    plate: BoundingBox
    glyph_box: BoundingBox
    glyph_height_px: int
    shortest_side: int
    height_ratio: float
    image_width: int
    image_height: int
    font_sha256: str
    style_version: str = STYLE_VERSION

    def __post_init__(self) -> None:
        _check_rendered(self)

    def to_json(self) -> str:
        """Compact ASCII-only JSON (non-ASCII escaped as ``\\uXXXX``), safe inside an XMP property."""
        body = {
            "text": self.text,
            "corner": self.corner.name,
            "font_size": self.font_size,
            "plate": _box_list(self.plate),
            "glyph_box": _box_list(self.glyph_box),
            "glyph_height_px": self.glyph_height_px,
            "shortest_side": self.shortest_side,
            "height_ratio": self.height_ratio,
            "image_size": [self.image_width, self.image_height],
            "font_sha256": self.font_sha256,
            "style_version": self.style_version,
        }
        return json.dumps(body, separators=(",", ":"), ensure_ascii=True, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> RenderedNotice:
        """Parse and validate ``to_json`` output.

        Raises:
            ValueError: the text is not JSON, not an object of exactly the expected keys, or its
                values are of the wrong type or inconsistent (box outside the image, wrong ratio…).
        """
        if not isinstance(text, str) or len(text) > 4096:
            raise ValueError("rendered notice JSON must be a string of at most 4096 characters")
        try:
            obj = json.loads(text, parse_constant=_reject_constant)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ValueError(f"rendered notice is not JSON: {exc}") from exc
        expected = {
            "text", "corner", "font_size", "plate", "glyph_box", "glyph_height_px", "shortest_side",
            "height_ratio", "image_size", "font_sha256", "style_version",
        }  # fmt: skip
        if not isinstance(obj, dict) or set(obj) != expected:
            raise ValueError(f"rendered notice must be an object with exactly the keys {sorted(expected)}")
        corner_name = obj["corner"]
        if not isinstance(corner_name, str) or corner_name not in Corner.__members__:
            raise ValueError(f"unknown corner {corner_name!r}")
        size = obj["image_size"]
        if not isinstance(size, list) or len(size) != 2:
            raise ValueError("image_size must be [width, height]")
        ratio = obj["height_ratio"]
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)):
            raise ValueError("height_ratio must be a number")
        return cls(
            text=obj["text"],
            corner=Corner[corner_name],
            font_size=_int(obj["font_size"], "font_size"),
            plate=_box(obj["plate"], "plate"),
            glyph_box=_box(obj["glyph_box"], "glyph_box"),
            glyph_height_px=_int(obj["glyph_height_px"], "glyph_height_px"),
            shortest_side=_int(obj["shortest_side"], "shortest_side"),
            height_ratio=float(ratio),
            image_width=_int(size[0], "image width"),
            image_height=_int(size[1], "image height"),
            font_sha256=obj["font_sha256"],
            style_version=obj["style_version"],
        )


def _box_list(box: BoundingBox) -> list[int]:
    return [box.x, box.y, box.width, box.height]


def _reject_constant(name: str) -> None:
    raise ValueError(f"rendered notice JSON may not contain {name}")


def _int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return value


def _box(value: object, name: str) -> BoundingBox:
    if not isinstance(value, list) or len(value) != 4:
        raise ValueError(f"{name} must be [x, y, width, height]")
    return BoundingBox(*(_int(v, name) for v in value))


def _check_rendered(n: RenderedNotice) -> None:
    """Raise ValueError unless the record is self-consistent."""
    if not isinstance(n.text, str) or not 1 <= len(n.text) <= MAX_TEXT_CHARS or _CONTROL.search(n.text):
        raise ValueError("text must be 1..32 visible characters")
    if not isinstance(n.corner, Corner) or n.corner is Corner.CORNER_UNSPECIFIED:
        raise ValueError("corner must be a Corner other than CORNER_UNSPECIFIED")
    for name in ("font_size", "glyph_height_px", "shortest_side", "image_width", "image_height"):
        value = getattr(n, name)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1 << 20:
            raise ValueError(f"{name} must be a positive integer")
    if n.font_size > MAX_FONT_SIZE:
        raise ValueError(f"font_size exceeds {MAX_FONT_SIZE}")
    if n.shortest_side != min(n.image_width, n.image_height):
        raise ValueError("shortest_side must be the smaller image dimension")
    for name, box, outer in (
        ("plate", n.plate, BoundingBox(0, 0, n.image_width, n.image_height)),
        ("glyph_box", n.glyph_box, n.plate),
    ):
        if not isinstance(box, BoundingBox) or not _inside(box, outer):
            raise ValueError(f"{name} must be a non-empty box inside {'the image' if name == 'plate' else 'the plate'}")
    if n.glyph_height_px > n.glyph_box.height:
        raise ValueError("glyph_height_px cannot exceed the glyph box height")
    if not isinstance(n.height_ratio, float) or not math.isclose(
        n.height_ratio, n.glyph_height_px / n.shortest_side, rel_tol=1e-9
    ):
        raise ValueError("height_ratio must equal glyph_height_px / shortest_side")
    if not isinstance(n.font_sha256, str) or not re.fullmatch(r"[0-9a-f]{64}", n.font_sha256):
        raise ValueError("font_sha256 must be 64 lowercase hex digits")
    if not isinstance(n.style_version, str) or not re.fullmatch(r"[\x21-\x7e]{1,64}", n.style_version):
        raise ValueError("style_version must be 1..64 printable ASCII characters")


def _inside(box: BoundingBox, outer: BoundingBox) -> bool:
    values = (box.x, box.y, box.width, box.height)
    if any(isinstance(v, bool) or not isinstance(v, int) for v in values) or box.width < 1 or box.height < 1:
        return False
    return (
        box.x >= outer.x
        and box.y >= outer.y
        and box.x + box.width <= outer.x + outer.width
        and box.y + box.height <= outer.y + outer.height
    )
