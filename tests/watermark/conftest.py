"""Shared images and keys of the watermark tests (deterministic, no downloads)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

KEY = b"clearmark-test-deployment-key-01"


def photo(width: int = 512, height: int = 512, seed: int = 11, noise: float = 4.0) -> Image.Image:
    """A photo-like picture: soft shapes over gradients with fine texture."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([110 + 70 * np.sin(x / 90.0), 120 + 60 * np.cos(y / 70.0), 130 + 50 * np.sin((x + y) / 150)], -1)
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        cx, cy, r = (int(v) for v in rng.integers(0, [width, height, width // 5]))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=tuple(int(v) for v in rng.integers(20, 235, 3)))
    image = image.filter(ImageFilter.GaussianBlur(1.5))
    pixels = np.asarray(image).astype(np.float32) + rng.normal(0, noise, (height, width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


@pytest.fixture(scope="session")
def key() -> bytes:
    return KEY


@pytest.fixture(scope="session")
def host() -> Image.Image:
    return photo()
