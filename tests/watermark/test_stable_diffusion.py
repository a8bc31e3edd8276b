"""Stable Diffusion / SDXL marks made with the real invisible-watermark encoder are read; others are not."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from tests.conftest import make_image

from clearmark.watermark.stable_diffusion import KNOWN_MARKS, imwatermark_reader, match_dwtdct_marks

imwatermark = pytest.importorskip("imwatermark")

MARKS = {mark.name: mark for mark in KNOWN_MARKS}


def sdxl_like_diffusers(image: Image.Image) -> Image.Image:
    """What diffusers' StableDiffusionXLWatermarker does: float RGB handed to a BGR encoder, then rounded."""
    encoder = imwatermark.WatermarkEncoder()
    encoder.set_watermark("bits", list(MARKS["sdxl"].bits))
    out = encoder.encode(np.asarray(image).astype(np.float32), "dwtDct")
    return Image.fromarray(np.clip(np.round(out), 0, 255).astype(np.uint8))


def compvis_like(image: Image.Image, message: bytes) -> Image.Image:
    """What the CompVis/Stability SD v1 and v2 scripts do: BGR uint8 in, RGB out."""
    encoder = imwatermark.WatermarkEncoder()
    encoder.set_watermark("bytes", message)
    bgr = np.ascontiguousarray(np.asarray(image)[..., ::-1])
    return Image.fromarray(np.ascontiguousarray(encoder.encode(bgr, "dwtDct")[..., ::-1]))


@pytest.fixture(scope="module")
def clean() -> Image.Image:
    return make_image(512, 512, seed=3)


@pytest.fixture(scope="module")
def generated(clean: Image.Image) -> dict[str, Image.Image]:
    return {
        "sdxl": sdxl_like_diffusers(clean),
        "sd-v1": compvis_like(clean, b"StableDiffusionV1"),
        "sd-v2": compvis_like(clean, b"SDV2"),
    }


@pytest.mark.parametrize(("name", "order"), [("sdxl", "rgb-float"), ("sd-v1", "bgr"), ("sd-v2", "bgr")])
def test_detects_each_generator_in_its_channel_order(name: str, order: str, generated: dict[str, Image.Image]) -> None:
    match = {m.mark: m for m in match_dwtdct_marks(generated[name])}[name]
    assert match.verdict == "very likely"
    assert match.channel_order == order
    assert match.matched_bits >= MARKS[name].very_likely


def test_survives_a_png_round_trip(generated: dict[str, Image.Image]) -> None:
    buffer = io.BytesIO()
    generated["sdxl"].save(buffer, "PNG")
    match = {m.mark: m for m in match_dwtdct_marks(Image.open(buffer))}["sdxl"]
    assert match.verdict == "very likely"


def test_unmarked_images_are_not_flagged(clean: Image.Image) -> None:
    for image in (clean, make_image(640, 480, seed=8), Image.new("RGB", (512, 512), (128, 128, 128))):
        assert all(m.verdict == "unlikely" for m in match_dwtdct_marks(image))


def test_small_images_are_not_read() -> None:
    assert match_dwtdct_marks(Image.new("RGB", (200, 200))) == []


def test_vectorised_reader_matches_the_package(generated: dict[str, Image.Image], clean: Image.Image) -> None:
    for image in (*generated.values(), clean):
        assert match_dwtdct_marks(image) == match_dwtdct_marks(image, reader=imwatermark_reader)
