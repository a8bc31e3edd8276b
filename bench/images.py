"""Deterministic photo-like test images for benchmarks (no downloads)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter


def photo_like(width: int, height: int, seed: int = 1) -> Image.Image:
    """Smooth shading, edges and sensor-like noise: JPEG sizes and timings close to a real photo's."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [
            128 + 90 * np.sin(x / 97.0) * np.cos(y / 71.0),
            128 + 80 * np.cos((x + 2 * y) / 131.0),
            100 + 120 * (x / width) * (y / height),
        ],
        axis=-1,
    )
    blocks = rng.integers(0, 255, (height // 60 + 1, width // 60 + 1, 3)).astype(np.float32)
    shapes = np.kron(blocks, np.ones((60, 60, 1), np.float32))[:height, :width] * 0.35
    pixels = np.clip(base * 0.65 + shapes + rng.normal(0, 5, (height, width, 3)), 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, "RGB").filter(ImageFilter.GaussianBlur(0.6))


def jpeg_1080p(quality: int = 90) -> bytes:
    """A 1920x1080 JPEG."""
    buffer = io.BytesIO()
    photo_like(1920, 1080).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
