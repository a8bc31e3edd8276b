"""Tests of the visible-notice checker: survives recompression, fails when painted out, blurred or resized."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, features

from clearmark.core.enums import Corner
from clearmark.core.signals import BoundingBox
from clearmark.detectors.visible_notice import NoticeCheck, check_rendered_notice, plate_on_edge
from clearmark.labels import NoticeSpec, render_image_notice
from clearmark.notice import NoticeFont, RenderedNotice, load_notice_font


@pytest.fixture(scope="module")
def font() -> NoticeFont:
    return load_notice_font()


def background(kind: str, size: tuple[int, int]) -> Image.Image:
    width, height = size
    if kind == "noise":
        pixels = np.random.default_rng(7).integers(0, 256, (height, width, 3), dtype=np.uint8)
    elif kind == "photo":  # smooth colour field with texture, closer to real content than noise
        y, x = np.mgrid[0:height, 0:width]
        pixels = np.stack(
            [(x * 255 // width), (y * 255 // height), (128 + 100 * np.sin(x / 7.0) * np.cos(y / 5.0))], axis=2
        ).astype(np.uint8)
    else:
        pixels = np.full((height, width, 3), {"white": 255, "black": 0, "grey": 128}[kind], dtype=np.uint8)
    return Image.fromarray(pixels)


def recode(fmt: str, quality: int) -> Callable[[Image.Image, Image.Image, RenderedNotice], Image.Image]:
    def apply(stamped: Image.Image, _original: Image.Image, _notice: RenderedNotice) -> Image.Image:
        buffer = io.BytesIO()
        stamped.save(buffer, fmt, quality=quality)
        return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")

    return apply


def _box(notice: RenderedNotice) -> tuple[int, int, int, int]:
    p = notice.plate
    return (p.x, p.y, p.x + p.width, p.y + p.height)


def painted_over(stamped: Image.Image, _original: Image.Image, notice: RenderedNotice) -> Image.Image:
    out = stamped.copy()
    ImageDraw.Draw(out).rectangle(_box(notice), fill=(40, 40, 40))
    return out


def blurred(stamped: Image.Image, _original: Image.Image, notice: RenderedNotice) -> Image.Image:
    out = stamped.copy()
    region = stamped.crop(_box(notice)).filter(ImageFilter.GaussianBlur(notice.font_size / 4))
    out.paste(region, _box(notice)[:2])
    return out


def restored(stamped: Image.Image, original: Image.Image, notice: RenderedNotice) -> Image.Image:
    out = stamped.copy()
    out.paste(original.crop(_box(notice)), _box(notice)[:2])
    return out


def unstamped(_stamped: Image.Image, original: Image.Image, _notice: RenderedNotice) -> Image.Image:
    return original


def identity(stamped: Image.Image, _original: Image.Image, _notice: RenderedNotice) -> Image.Image:
    return stamped


TRANSFORMS = {
    "as stamped": (identity, True),
    "jpeg q70": (recode("JPEG", 70), True),
    "webp q80": (recode("WEBP", 80), True),
    "unstamped original": (unstamped, False),
    "painted over": (painted_over, False),
    "blurred": (blurred, False),
    "original pixels restored": (restored, False),
}


@pytest.mark.parametrize("kind", ["white", "black", "grey", "noise", "photo"])
@pytest.mark.parametrize("size", [(256, 256), (1920, 1080), (64, 64)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("transform", list(TRANSFORMS), ids=lambda t: t.replace(" ", "-"))
def test_presence_table(font: NoticeFont, kind: str, size, transform: str) -> None:
    apply, expected = TRANSFORMS[transform]
    if transform == "webp q80" and not features.check("webp"):
        pytest.skip("Pillow built without WebP")
    original = background(kind, size)
    stamped, notice = render_image_notice(original, NoticeSpec(), font)
    candidate = apply(stamped, original, notice)
    before = candidate.tobytes()
    check = check_rendered_notice(candidate, notice, font)
    assert candidate.tobytes() == before  # the detector never writes
    assert check.present is expected, check.evidence
    assert (check.score >= 0.5) is expected
    assert check.geometry_matches_image and check.on_edge_or_corner and check.height_ok
    assert ("found" if expected else "not found") in check.evidence


@pytest.mark.parametrize(
    "change",
    [
        lambda im: im.resize((im.width // 2, im.height // 2)),
        lambda im: im.resize((im.width + 1, im.height)),
        lambda im: im.crop((0, 0, im.width - 4, im.height - 4)),
    ],
    ids=["halved", "stretched-1px", "cropped"],
)
def test_changed_geometry_is_reported(font: NoticeFont, change) -> None:
    stamped, notice = render_image_notice(background("grey", (400, 300)), NoticeSpec(), font)
    check = check_rendered_notice(change(stamped), notice, font)
    assert check == NoticeCheck(
        present=False,
        score=0.0,
        evidence=check.evidence,
        on_edge_or_corner=check.on_edge_or_corner,
        height_ok=check.height_ok,
        geometry_matches_image=False,
    )
    assert "geometry no longer matches" in check.evidence


def test_height_is_recomputed_from_the_current_image(font: NoticeFont) -> None:
    """A notice that was 6 % of a 256 px image is under 5 % of a 512 px one, whatever the record says."""
    small, notice = render_image_notice(background("white", (256, 256)), NoticeSpec(corner=Corner.TOP_LEFT), font)
    large = background("white", (512, 512))
    large.paste(small, (0, 0))
    claimed = replace(notice, image_width=512, image_height=512, shortest_side=512, height_ratio=16 / 512)
    check = check_rendered_notice(large, claimed, font)
    assert check.present and check.geometry_matches_image and check.on_edge_or_corner
    assert not check.height_ok
    assert check_rendered_notice(small, notice, font).height_ok


def test_other_font_cannot_confirm(font: NoticeFont) -> None:
    stamped, notice = render_image_notice(background("grey", (300, 300)), NoticeSpec(), font)
    check = check_rendered_notice(stamped, replace(notice, font_sha256="0" * 64), font)
    assert not check.present and not check.height_ok and "font" in check.evidence


def test_misplaced_record_is_not_present(font: NoticeFont) -> None:
    stamped, notice = render_image_notice(background("noise", (300, 300)), NoticeSpec(), font)
    moved = replace(
        notice,
        plate=replace(notice.plate, x=notice.plate.x - 40),
        glyph_box=replace(notice.glyph_box, x=notice.glyph_box.x - 40),
    )
    assert not check_rendered_notice(stamped, moved, font).present


@pytest.mark.parametrize("corner", [c for c in Corner if c is not Corner.CORNER_UNSPECIFIED])
def test_on_edge_or_corner(font: NoticeFont, corner: Corner) -> None:
    stamped, notice = render_image_notice(background("grey", (640, 360)), NoticeSpec(corner=corner), font)
    assert check_rendered_notice(stamped, notice, font).on_edge_or_corner
    centred = BoundingBox(300, 160, notice.plate.width, notice.plate.height)
    assert not plate_on_edge(centred, corner, 640, 360)


def test_edge_tolerance_is_ten_percent_of_shortest_side() -> None:
    plate = BoundingBox(0, 0, 50, 20)
    assert plate_on_edge(replace(plate, x=10, y=10), Corner.TOP_LEFT, 200, 100)
    assert not plate_on_edge(replace(plate, x=11, y=10), Corner.TOP_LEFT, 200, 100)
    assert plate_on_edge(replace(plate, x=75, y=70), Corner.BOTTOM_EDGE, 200, 100)
    assert not plate_on_edge(replace(plate, x=75, y=90), Corner.BOTTOM_EDGE, 200, 100)  # outside the image
    assert not plate_on_edge(plate, Corner.CORNER_UNSPECIFIED, 200, 100)
