"""Perceptual hashes: the same picture or text after everyday edits stays close; other content lands far."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import numpy as np
import pytest
from bench.images import jpeg_1080p
from bench.watermark.images import bench_images
from PIL import Image

from clearmark.media.perceptual import (
    IMAGE_MATCH_DISTANCE,
    TEXT_MATCH_DISTANCE,
    _dct_matrix,
    from_signed,
    grey_phash,
    hamming,
    image_phash,
    lanczos_resize,
    text_simhash,
    to_signed,
)

IMAGES = [image for _, image in bench_images()[:8]]


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


EDITS = {
    "jpeg 40": lambda im: _jpeg(im, 40),
    "resize 50 %": lambda im: im.resize((im.width // 2, im.height // 2)),
    "crop 3 %": lambda im: im.crop((im.width * 3 // 200, im.height * 3 // 200, im.width, im.height)),
    "brighter": lambda im: im.point(lambda v: min(255, v + 12)),
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_edited_copy_stays_within_the_match_distance(edit: str) -> None:
    for image in IMAGES:
        assert hamming(image_phash(image), image_phash(EDITS[edit](image))) <= IMAGE_MATCH_DISTANCE


def test_different_pictures_are_far_apart() -> None:
    hashes = [image_phash(image) for image in IMAGES]
    for a, b in itertools.combinations(hashes, 2):
        assert hamming(a, b) > IMAGE_MATCH_DISTANCE


def test_text_simhash_tolerates_small_edits_and_separates_other_texts() -> None:
    base = "本图片由人工智能生成，发布于某平台的新闻频道，内容涉及城市交通与天气预报的最新情况。" * 3
    edited = base.replace("最新", "今日", 1) + " "
    other = "The quarterly report shows revenue growth across all regions, led by the retail segment."
    assert hamming(text_simhash(base), text_simhash(edited)) <= TEXT_MATCH_DISTANCE
    assert hamming(text_simhash(base), text_simhash(other)) > TEXT_MATCH_DISTANCE
    assert text_simhash("") == 0


@pytest.mark.parametrize("value", [0, 1, (1 << 63) - 1, 1 << 63, (1 << 64) - 1])
def test_signed_round_trip(value: int) -> None:
    signed = to_signed(value)
    assert -(1 << 63) <= signed < 1 << 63
    assert from_signed(signed) == value


def _pillow_lanczos(grey: np.ndarray, side: int) -> np.ndarray:
    return np.asarray(Image.fromarray(grey).resize((side, side), Image.Resampling.LANCZOS), dtype=np.float64)


def _fixture_greys() -> list[tuple[str, np.ndarray]]:
    root = Path(__file__).resolve().parents[1] / "fixtures"
    paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png", ".webp"})
    return [(str(p.relative_to(root)), np.asarray(Image.open(p).convert("L"))) for p in paths]


def _random_greys(count: int) -> list[tuple[str, np.ndarray]]:
    """Noise, flat, gradient, low-texture and binary planes of random sizes, landscape and portrait."""
    rng = np.random.default_rng(13)
    planes = []
    for index in range(count):
        height, width = int(rng.integers(1, 1300)), int(rng.integers(1, 2000))
        kind = index % 5
        if kind == 0:
            plane = rng.integers(0, 256, (height, width), dtype=np.uint8)
        elif kind == 1:
            plane = np.full((height, width), int(rng.integers(0, 256)), np.uint8)
        elif kind == 2:
            plane = (np.add.outer(np.arange(height) * int(rng.integers(1, 9)), np.arange(width)) % 256).astype(np.uint8)
        elif kind == 3:
            plane = np.clip(rng.normal(128, 3, (height, width)), 0, 255).astype(np.uint8)
        else:
            plane = (rng.integers(0, 2, (height, width)) * 255).astype(np.uint8)
        planes.append((f"{kind}:{height}x{width}", plane))
    return planes


def test_the_resize_is_pillows_lanczos_to_the_bit() -> None:
    """The hash's 32x32 copy is formed without calling Pillow, and must equal Pillow's byte for byte:
    registry records hold hashes of Pillow's resize, matched at <= 10 bits."""
    # Both sides of Pillow 13's pass order (columns first when height - side > 2 * (width - side)),
    # portrait 1080p, and tiny planes (upscaled).
    rng = np.random.default_rng(9)
    edges = [(32 + 2 * (w - 32) + d, w) for w in (33, 50, 107, 640) for d in (0, 1)]
    edges += [(9 + 2 * (w - 9) + d, w) for w in (10, 77) for d in (0, 1)] + [(2, 16), (10, 20), (20, 5), (31, 31)]
    photo = np.asarray(Image.open(io.BytesIO(jpeg_1080p())).convert("L"))
    planes = [(f"edge {h}x{w}", rng.integers(0, 256, (h, w), dtype=np.uint8)) for h, w in edges]
    planes += _fixture_greys() + _random_greys(60) + [("1080p", photo), ("1080p portrait", photo.T.copy())]
    for name, plane in planes:
        for side in (32, 9):
            assert np.array_equal(lanczos_resize(plane, side), _pillow_lanczos(plane, side)), (name, side)


def test_the_hash_is_unchanged() -> None:
    """Hashes as the Pillow-resize implementation computed them (fixtures: the registry's own pictures)."""
    for name, plane in _fixture_greys() + _random_greys(20):
        pixels = _pillow_lanczos(plane, 32)
        basis = _dct_matrix(32)
        coefficients = np.round((basis @ pixels @ basis.T)[:8, :8].ravel(), 6)  # see the flat-plane test
        bits = [coefficients[0] > 0, *(coefficients[1:] > np.median(coefficients[1:]))]
        assert grey_phash(plane) == int("".join("1" if b else "0" for b in bits), 2), name


@pytest.mark.parametrize("level", [0, 1, 128, 243, 255])
@pytest.mark.parametrize("shape", [(463, 571), (966, 487), (32, 32), (7, 3)])
def test_a_flat_plane_hashes_the_same_on_every_machine(level: int, shape: tuple[int, int]) -> None:
    """A flat plane's AC coefficients are rounding noise whose signs depend on the BLAS kernel and the
    memory layout (they differed between two CI machines); rounded, they are zero: only the DC bit."""
    plane = np.full(shape, level, np.uint8)
    expected = 1 << 63 if level else 0
    assert grey_phash(plane) == expected
    assert grey_phash(np.asfortranarray(plane)) == expected
