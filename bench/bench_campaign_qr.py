"""QR codes pasted into cluttered 1080p photos: decode rate over sizes, rotations and JPEG qualities, and scan time.

``python -m bench.run campaign_qr``. The scan of a 1080p frame without a code is timed against a
bare Pillow decode of the same JPEG (same run); the decode rate counts a scene as read when the
pasted payload comes back.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import zxingcpp
from PIL import Image, ImageDraw

from bench.harness import measure, report
from bench.images import photo_like
from clearmark.campaign.qrcode import read_qr_codes

MODULE_PX = (2, 3, 4, 6)
ANGLES = (0, 15, 45, 90, 200)
QUALITIES = (95, 70, 50)


def cluttered_1080p(seed: int) -> Image.Image:
    """A photo-like 1920x1080 frame with outlined boxes and small text lines scattered over it."""
    image = photo_like(1920, 1080, seed=seed)
    draw = ImageDraw.Draw(image)
    rng = np.random.default_rng(seed)
    for _ in range(40):
        x, y = int(rng.integers(0, 1900)), int(rng.integers(0, 1060))
        colour = tuple(int(v) for v in rng.integers(0, 255, 3))
        draw.rectangle([x, y, x + int(rng.integers(5, 200)), y + int(rng.integers(5, 120))], outline=colour, width=3)
        draw.text((int(rng.integers(0, 1800)), int(rng.integers(0, 1050))), "SALE 50% www.shop.com", fill=(0, 0, 0))
    return image


def jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


@dataclass(frozen=True)
class Scene:
    """A JPEG with one pasted code, and what it says."""

    payload: str
    module_px: int
    angle: int
    quality: int
    content: bytes


def scenes(backgrounds: int = 4, modules=MODULE_PX, angles=ANGLES, qualities=QUALITIES) -> Iterator[Scene]:
    """Every combination of background, module size, rotation and JPEG quality (deterministic)."""
    rng = np.random.default_rng(13)
    for seed in range(backgrounds):
        base = cluttered_1080p(seed)
        for module in modules:
            for angle in angles:
                for quality in qualities:
                    payload = f"https://u.wechat.com/E{seed}{module}{angle}{quality}Qx"
                    symbol = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode)
                    code = np.asarray(symbol.to_image(scale=module))
                    code = np.pad(code, 4 * module, constant_values=255)
                    tile = Image.fromarray(code).convert("RGB")
                    tile = tile.rotate(angle, expand=True, fillcolor=(255, 255, 255), resample=Image.Resampling.BICUBIC)
                    image = base.copy()
                    x, y = int(rng.integers(0, 1920 - tile.width)), int(rng.integers(0, 1080 - tile.height))
                    image.paste(tile, (x, y))
                    yield Scene(payload, module, angle, quality, jpeg(image, quality))


def decoded(content: bytes) -> list[str]:
    """The payloads read from a JPEG."""
    return [c.payload for c in read_qr_codes(np.asarray(Image.open(io.BytesIO(content)).convert("RGB")))]


def run(repeats: int = 15) -> str:
    """Decode rate, false positives, and the 1080p no-code scan time against a Pillow decode."""
    results = [(s, s.payload in decoded(s.content)) for s in scenes()]
    read = sum(ok for _, ok in results)
    empty = [jpeg(cluttered_1080p(100 + i), 90) for i in range(20)]
    false_positives = sum(len(decoded(c)) for c in empty)
    content = empty[0]
    pixels = np.asarray(Image.open(io.BytesIO(content)).convert("RGB"))
    timings = measure(
        {
            "pillow decode 1080p JPEG": lambda: Image.open(io.BytesIO(content)).convert("RGB").load(),
            "QR scan 1080p, no code": lambda: read_qr_codes(pixels),
        },
        repeats=repeats,
    )
    misses = ", ".join(f"{s.module_px}px/{s.angle}°/q{s.quality}" for s, ok in results if not ok) or "none"
    head = (
        f"### Campaign QR codes\n\nDecoded {read}/{len(results)} = {read / len(results):.1%} of codes pasted into "
        f"cluttered 1080p JPEGs (modules {MODULE_PX} px, rotations {ANGLES}°, qualities {QUALITIES}); misses: "
        f"{misses}. False positives on {len(empty)} code-free 1080p images: {false_positives}.\n\n"
    )
    return head + report(
        "QR scan time", timings, [("QR scan 1080p, no code", "pillow decode 1080p JPEG")]
    )
