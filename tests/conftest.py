"""Shared fixtures: real images in every supported format, and producer/platform codes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from clearmark.notice.font import NoticeFont, load_notice_font

PRODUCER = "001191440300708461136T1XGW3"
# A platform's code: same USCC, service type 2 (propagation), app code PLAT.
PLATFORM = "001191440300708461136T2PLAT"


def make_image(width: int = 640, height: int = 480, seed: int = 7) -> Image.Image:
    """A photo-like RGB image: smooth gradients, shapes and noise (deterministic)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    r = 128 + 100 * np.sin(x / 37.0) * np.cos(y / 53.0)
    g = 128 + 90 * np.cos((x + y) / 61.0)
    b = 255 * (x / max(width - 1, 1))
    pixels = np.stack([r, g, b], axis=-1) + rng.normal(0, 6, (height, width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def jpeg_bytes() -> bytes:
    return encode(make_image(), "JPEG", quality=90)


@pytest.fixture(scope="session")
def png_bytes() -> bytes:
    return encode(make_image(), "PNG")


@pytest.fixture(scope="session")
def webp_bytes() -> bytes:
    return encode(make_image(), "WEBP", quality=85)


@pytest.fixture(scope="session", params=["jpeg", "png", "webp"])
def image_bytes(request: pytest.FixtureRequest, jpeg_bytes: bytes, png_bytes: bytes, webp_bytes: bytes) -> bytes:
    return {"jpeg": jpeg_bytes, "png": png_bytes, "webp": webp_bytes}[request.param]


@pytest.fixture(scope="session")
def notice_font() -> NoticeFont:
    return load_notice_font()


@pytest.fixture(scope="session")
def background():
    """A factory of deterministic backgrounds: ``background(kind, size, mode="RGB")``."""
    return make_background


def make_background(kind: str, size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A deterministic background: white, black, grey, noise or gradient."""
    width, height = size
    if kind == "noise":
        pixels = np.random.default_rng(45438).integers(0, 256, (height, width, 3), dtype=np.uint8)
    elif kind == "gradient":
        ramp = np.broadcast_to(np.arange(width)[None, :] * 255 // max(1, width - 1), (height, width))
        pixels = np.repeat(ramp.astype(np.uint8)[..., None], 3, axis=2)
    else:
        level = {"white": 255, "black": 0, "grey": 128}[kind]
        pixels = np.full((height, width, 3), level, dtype=np.uint8)
    return Image.fromarray(pixels).convert(mode)
