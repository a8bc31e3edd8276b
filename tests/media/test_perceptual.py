"""Perceptual hashes: the same picture or text after everyday edits stays close; other content lands far."""

from __future__ import annotations

import io
import itertools

import pytest
from bench.watermark.images import bench_images
from PIL import Image

from clearmark.media.perceptual import (
    IMAGE_MATCH_DISTANCE,
    TEXT_MATCH_DISTANCE,
    from_signed,
    hamming,
    image_phash,
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
