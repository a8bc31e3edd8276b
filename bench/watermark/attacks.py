"""The attack suite of issue 4, as deterministic functions ``Image -> Image`` (fixed seeds)."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageEnhance

Attack = Callable[[Image.Image], Image.Image]


def _recode(image: Image.Image, fmt: str, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format=fmt, quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def jpeg(quality: int) -> Attack:
    return lambda image: _recode(image, "JPEG", quality)


def webp(quality: int) -> Attack:
    return lambda image: _recode(image, "WEBP", quality)


def resize(factor: float) -> Attack:
    def apply(image: Image.Image) -> Image.Image:
        size = (round(image.width * factor), round(image.height * factor))
        return image.resize(size, Image.Resampling.BICUBIC)

    return apply


def centre_crop(keep: float) -> Attack:
    def apply(image: Image.Image) -> Image.Image:
        width, height = round(image.width * keep), round(image.height * keep)
        left, top = (image.width - width) // 2, (image.height - height) // 2
        return image.crop((left, top, left + width, top + height))

    return apply


def rotate(degrees: float) -> Attack:
    """Rotation about the centre, same canvas, corners filled black (what an editor's 'straighten' does
    before its crop)."""
    return lambda image: image.rotate(degrees, resample=Image.Resampling.BICUBIC)


def brightness(factor: float) -> Attack:
    return lambda image: ImageEnhance.Brightness(image).enhance(factor)


def gaussian_noise(sigma: float, seed: int = 45438) -> Attack:
    def apply(image: Image.Image) -> Image.Image:
        pixels = np.asarray(image.convert("RGB")).astype(np.float32)
        noisy = pixels + np.random.default_rng(seed).normal(0.0, sigma, pixels.shape)
        return Image.fromarray(np.clip(np.rint(noisy), 0, 255).astype(np.uint8))

    return apply


def screenshot(scale: float = 0.75, margin: int = 24, quality: int = 75) -> Attack:
    """Shown at ``scale`` on a page, captured with ``margin`` px of light page around it, saved as JPEG."""

    def apply(image: Image.Image) -> Image.Image:
        shown = image.convert("RGB").resize(
            (round(image.width * scale), round(image.height * scale)), Image.Resampling.BILINEAR
        )
        page = Image.new("RGB", (shown.width + 2 * margin, shown.height + 2 * margin), (246, 246, 246))
        page.paste(shown, (margin, margin))
        return _recode(page, "JPEG", quality)

    return apply


ATTACKS: dict[str, Attack] = {
    "none": lambda image: image,
    "jpeg q50": jpeg(50),
    "webp q80": webp(80),
    "resize 50%": resize(0.5),
    "crop 90%": centre_crop(0.9),
    "rotate 2°": rotate(2.0),
    "brightness +20%": brightness(1.2),
    "noise σ=5": gaussian_noise(5.0),
    "screenshot 75%+jpeg": screenshot(),
}
