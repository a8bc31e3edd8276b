"""Tests of the explicit image notice writer: wording, 5 % glyph height, placement, legibility, JSON."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from clearmark.core.enums import Corner
from clearmark.core.errors import InvalidRequest
from clearmark.core.signals import BoundingBox
from clearmark.labels import NoticeSpec, render_image_notice
from clearmark.notice import RenderedNotice, has_required_elements
from clearmark.notice.font import NoticeFont
from clearmark.notice.glyphs import choose_font_size, measure_glyph_height

PLACED_CORNERS = [c for c in Corner if c is not Corner.CORNER_UNSPECIFIED]


@pytest.mark.parametrize(
    ("text", "compliant"),
    [
        ("AI生成", True),
        ("人工智能生成", True),
        ("由AI生成合成", True),
        ("豆包AI生成", True),
        ("ai合成", True),
        ("ＡＩ生成", True),
        ("内容由人工智能合成", True),
        ("AI播客", False),
        ("虚拟主播", False),
        ("生成", False),
        ("AI", False),
        ("人工生成", False),
        ("A I生成", False),
        ("", False),
    ],
)
def test_wording_table(text: str, compliant: bool) -> None:
    assert has_required_elements(text) is compliant
    if compliant:
        assert NoticeSpec(text=text).text == text
    else:
        with pytest.raises(InvalidRequest):
            NoticeSpec(text=text)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"height_ratio": 0.049},
        {"height_ratio": 0.0},
        {"height_ratio": float("nan")},
        {"height_ratio": 0.9},
        {"margin_ratio": -0.01},
        {"margin_ratio": 0.5},
        {"corner": Corner.CORNER_UNSPECIFIED},
        {"text": "AI生成\n第二行"},
        {"text": "AI生成" * 20},
        {"min_glyph_px": 0},
    ],
)
def test_spec_rejects_bad_fields(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidRequest) as info:
        NoticeSpec(**kwargs)  # type: ignore[arg-type]
    assert info.value.violations


def independent_glyph_heights(font: NoticeFont, text: str, size: int) -> list[int]:
    """Each letter/digit drawn alone with a fresh FreeType face; rows with >= half coverage."""
    face = ImageFont.truetype(str(font.path), size, layout_engine=ImageFont.Layout.BASIC)
    heights = []
    for ch in text:
        if not (ch.isalpha() or ch.isdigit()):
            continue
        canvas = Image.new("L", (size * 3, size * 3), 0)
        ImageDraw.Draw(canvas).text((size, size), ch, fill=255, font=face)
        rows = np.flatnonzero((np.asarray(canvas) >= 128).any(axis=1))
        heights.append(int(rows[-1] - rows[0] + 1))
    return heights


def plate_pixels(image: Image.Image, plate: BoundingBox) -> np.ndarray:
    return np.asarray(image.convert("RGB").crop((plate.x, plate.y, plate.x + plate.width, plate.y + plate.height)))


SIZES = [(256, 256), (1920, 1080), (1080, 1920), (64, 64), (4000, 3000)]
# Golden font sizes for the default spec (6 %, min 8 px) with the pinned font and Pillow.
GOLDEN_FONT_SIZE = {(256, 256): 21, (1920, 1080): 88, (1080, 1920): 88, (64, 64): 11, (4000, 3000): 243}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("corner", PLACED_CORNERS, ids=lambda c: c.name)
def test_golden_sizes_and_corners(notice_font: NoticeFont, background, size, corner) -> None:
    original = background("white", size)
    stamped, notice = render_image_notice(original, NoticeSpec(corner=corner), notice_font)
    width, height = size
    shortest = min(size)
    assert stamped.size == size and stamped.mode == "RGB"
    assert notice.font_size == GOLDEN_FONT_SIZE[size]
    assert (notice.image_width, notice.image_height, notice.shortest_side) == (width, height, shortest)

    # 5 % rule, measured independently of the writer: every letter drawn alone with a fresh face.
    heights = independent_glyph_heights(notice_font, notice.text, notice.font_size)
    assert min(heights) == notice.glyph_height_px
    assert min(heights) >= 0.05 * shortest and min(heights) >= 0.06 * shortest
    assert notice.height_ratio == pytest.approx(min(heights) / shortest)
    # ... and it is the smallest size that reaches the target.
    target = max(math.ceil(0.06 * shortest), 8)
    assert min(independent_glyph_heights(notice_font, notice.text, notice.font_size - 1)) < target

    # Diff-based: the changed pixels are exactly the plate; its white text rows span >= 5 %.
    changed = np.any(np.asarray(stamped) != np.asarray(original), axis=2)
    rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
    plate = notice.plate
    assert (cols[0], rows[0], cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1) == (
        plate.x, plate.y, plate.width, plate.height,
    )  # fmt: skip
    white_rows = np.flatnonzero((plate_pixels(stamped, plate).min(axis=2) >= 250).any(axis=1))
    assert white_rows[-1] - white_rows[0] + 1 >= 0.05 * shortest

    # Placement: at the named edges, within the margin (2 % of the shortest side).
    margin = round(0.02 * shortest)
    gaps = {
        "left": plate.x,
        "top": plate.y,
        "right": width - plate.x - plate.width,
        "bottom": height - plate.y - plate.height,
    }
    named = {
        Corner.BOTTOM_RIGHT: ("bottom", "right"),
        Corner.BOTTOM_LEFT: ("bottom", "left"),
        Corner.TOP_RIGHT: ("top", "right"),
        Corner.TOP_LEFT: ("top", "left"),
        Corner.BOTTOM_EDGE: ("bottom",),
        Corner.TOP_EDGE: ("top",),
    }[corner]
    assert all(gaps[edge] == margin for edge in named)
    if corner in (Corner.BOTTOM_EDGE, Corner.TOP_EDGE):
        assert abs(gaps["left"] - gaps["right"]) <= 1
    g = notice.glyph_box
    assert plate.x < g.x and plate.y < g.y and g.x + g.width < plate.x + plate.width


def relative_luminance(rgb: np.ndarray) -> np.ndarray:
    c = rgb.astype(np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def independent_text_mask(font: NoticeFont, notice: RenderedNotice) -> np.ndarray:
    """Full-coverage glyph pixels in plate coordinates, aligned on the recorded glyph box."""
    face = ImageFont.truetype(str(font.path), notice.font_size, layout_engine=ImageFont.Layout.BASIC)
    size = notice.font_size
    canvas = Image.new("L", (size * (len(notice.text) + 2), size * 3), 0)
    ImageDraw.Draw(canvas).text((size, size), notice.text, fill=255, font=face)
    ink = np.asarray(canvas)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    glyphs = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    mask = np.zeros((notice.plate.height, notice.plate.width), dtype=bool)
    y, x = notice.glyph_box.y - notice.plate.y, notice.glyph_box.x - notice.plate.x
    mask[y : y + glyphs.shape[0], x : x + glyphs.shape[1]] = glyphs == 255
    return mask


@pytest.mark.parametrize("kind", ["white", "black", "grey", "noise", "gradient"])
@pytest.mark.parametrize("size", [(256, 256), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_legible_on_any_background(notice_font: NoticeFont, background, kind: str, size) -> None:
    stamped, notice = render_image_notice(background(kind, size), NoticeSpec(), notice_font)
    pixels = plate_pixels(stamped, notice.plate)
    text = independent_text_mask(notice_font, notice)
    assert text.sum() > 50
    text_lum = relative_luminance(pixels[text]).min()
    ring = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])  # plate border, never ink
    plate_lum = relative_luminance(ring).max()
    contrast = (text_lum + 0.05) / (plate_lum + 0.05)
    assert contrast >= 4.5, f"{kind}: text/plate contrast {contrast:.2f}"


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA"])
def test_modes_are_kept(notice_font: NoticeFont, background, mode: str) -> None:
    original = background("noise", (320, 200), mode)
    stamped, notice = render_image_notice(original, NoticeSpec(corner=Corner.TOP_LEFT), notice_font)
    assert stamped.mode == mode and stamped.size == original.size
    assert original.tobytes() == background("noise", (320, 200), mode).tobytes()  # input untouched
    if mode in ("RGBA", "LA"):
        alpha = np.asarray(stamped.getchannel("A"))
        p = notice.plate
        assert (alpha[p.y : p.y + p.height, p.x : p.x + p.width] == 255).all()


def test_transparent_rgba_gets_an_opaque_plate(notice_font: NoticeFont) -> None:
    clear = Image.new("RGBA", (300, 300), (255, 255, 255, 0))
    stamped, notice = render_image_notice(clear, NoticeSpec(), notice_font)
    alpha = np.asarray(stamped.getchannel("A"))
    assert alpha.sum() == 255 * notice.plate.width * notice.plate.height


def test_rendering_is_deterministic(notice_font: NoticeFont, background) -> None:
    first = render_image_notice(background("noise", (640, 480)), NoticeSpec(text="由AI生成合成"), notice_font)
    second = render_image_notice(background("noise", (640, 480)), NoticeSpec(text="由AI生成合成"), notice_font)
    assert first[1] == second[1] and first[0].tobytes() == second[0].tobytes()


@pytest.mark.parametrize(
    ("size", "text", "message"),
    [
        ((32, 32), "AI生成", "does not fit"),
        ((1, 1), "AI生成", "does not fit"),
        ((2000, 18), "AI生成", "does not fit"),
        ((300, 300), "本内容由人工智能生成并由平台审核后发布", "does not fit"),
    ],
)
def test_too_small_gives_invalid_request(notice_font: NoticeFont, size, text: str, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        render_image_notice(Image.new("RGB", size, "white"), NoticeSpec(text=text), notice_font)


def test_unsupported_mode_and_missing_glyph(notice_font: NoticeFont) -> None:
    with pytest.raises(InvalidRequest, match="convert"):
        render_image_notice(Image.new("P", (256, 256)), NoticeSpec(), notice_font)
    with pytest.raises(InvalidRequest, match="no glyph"):
        render_image_notice(Image.new("RGB", (512, 512)), NoticeSpec(text="AI生成😀"), notice_font)


def test_font_size_search_finds_the_smallest(notice_font: NoticeFont) -> None:
    for target in (8, 13, 40, 150):
        size = choose_font_size(notice_font, "AI生成", target)
        assert measure_glyph_height(notice_font, "AI生成", size) >= target
        assert measure_glyph_height(notice_font, "AI生成", size - 1) < target


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(16, 900),
    height=st.integers(16, 900),
    corner=st.sampled_from(PLACED_CORNERS),
    ratio=st.floats(0.05, 0.2),
)
def test_any_size_either_complies_or_is_refused(notice_font: NoticeFont, width, height, corner, ratio) -> None:
    image = Image.new("RGB", (width, height), "grey")
    try:
        stamped, notice = render_image_notice(image, NoticeSpec(corner=corner, height_ratio=ratio), notice_font)
    except InvalidRequest as exc:
        assert "does not fit" in exc.message
        return
    assert notice.glyph_height_px >= ratio * min(width, height) - 1e-9
    assert notice.plate.x >= 0 and notice.plate.x + notice.plate.width <= width
    assert notice.plate.y >= 0 and notice.plate.y + notice.plate.height <= height
    assert RenderedNotice.from_json(notice.to_json()) == notice


def test_json_round_trip_is_compact_ascii(notice_font: NoticeFont) -> None:
    _, notice = render_image_notice(Image.new("RGB", (256, 256)), NoticeSpec(text="人工智能生成"), notice_font)
    text = notice.to_json()
    assert text.isascii() and " " not in text and "\\u4eba" in text
    assert RenderedNotice.from_json(text) == notice


def _valid_json() -> dict[str, object]:
    notice = RenderedNotice(
        text="AI生成",
        corner=Corner.BOTTOM_RIGHT,
        font_size=21,
        plate=BoundingBox(174, 216, 77, 35),
        glyph_box=BoundingBox(181, 223, 63, 21),
        glyph_height_px=16,
        shortest_side=256,
        height_ratio=16 / 256,
        image_width=256,
        image_height=256,
        font_sha256="ab" * 32,
    )
    return json.loads(notice.to_json())


def _with(**changes: object) -> str:
    return json.dumps({**_valid_json(), **changes})


def _without(key: str) -> str:
    return json.dumps({k: v for k, v in _valid_json().items() if k != key})


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "null",
        "[]",
        "{}",
        "{",
        '"AI生成"',
        "x" * 5000,
        _without("plate"),
        _with(extra=1),
        _with(font_size=True),
        _with(font_size=21.0),
        _with(font_size=0),
        _with(corner="NOWHERE"),
        _with(corner="CORNER_UNSPECIFIED"),
        _with(corner=1),
        _with(plate=[174, 216, 77]),
        _with(plate=[-1, 216, 77, 35]),
        _with(plate=[200, 216, 77, 35]),
        _with(glyph_box=[0, 0, 63, 21]),
        _with(glyph_height_px=99),
        _with(height_ratio=0.5),
        _with(height_ratio="0.0625"),
        _with(shortest_side=255),
        _with(image_size=[256]),
        _with(text=""),
        _with(text=7),
        _with(font_sha256="xyz"),
        _with(style_version=""),
        _with(style_version="bad version"),
        _with(image_size=[256, 256, 1]),
        json.dumps(_valid_json()).replace("0.0625", "NaN"),
    ],
)
def test_from_json_rejects_garbage(garbage: str) -> None:
    with pytest.raises(ValueError):
        RenderedNotice.from_json(garbage)


def test_from_json_accepts_the_valid_baseline() -> None:
    notice = RenderedNotice.from_json(json.dumps(_valid_json()))
    assert replace(notice, text="AI合成").text == "AI合成"
