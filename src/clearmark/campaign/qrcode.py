"""QR codes in images and video frames (zxing-cpp): payloads and boxes, for the campaign's URL and contact rules.

One zxing-cpp pass over the grey frame (≈7 ms at 1080p when there is no code); a symbol zxing
locates but cannot decode (a small or blurred code) is cropped, upscaled 2× and read again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
import zxingcpp

from clearmark.core.signals import BoundingBox
from clearmark.media.views import GREY, DerivedView, luma

if TYPE_CHECKING:
    from clearmark.media.asset import Asset

QR_FORMATS = (zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.MicroQRCode)
MAX_CODES = 16
_RETRY_MARGIN = 0.5  # of the symbol's size, on each side of the crop
MAX_PAYLOAD = 4096


@dataclass(frozen=True)
class QrCode:
    """A decoded code: its text (truncated to MAX_PAYLOAD) and its axis-aligned box in frame pixels."""

    payload: str
    bbox: BoundingBox
    upscaled: bool = False


def _box(position: zxingcpp.Position, dx: float = 0.0, dy: float = 0.0, scale: float = 1.0) -> BoundingBox:
    points = [position.top_left, position.top_right, position.bottom_right, position.bottom_left]
    xs = [p.x / scale + dx for p in points]
    ys = [p.y / scale + dy for p in points]
    x0, y0 = int(min(xs)), int(min(ys))
    return BoundingBox(x0, y0, max(1, int(round(max(xs))) - x0), max(1, int(round(max(ys))) - y0))


def _grey(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim == 2 and pixels.dtype == np.uint8:
        return np.ascontiguousarray(pixels)
    if pixels.ndim != 3 or pixels.shape[2] not in (3, 4) or pixels.dtype != np.uint8:
        raise ValueError(f"expected an RGB(A) or grey uint8 frame, got shape {pixels.shape} dtype {pixels.dtype}")
    return luma(pixels)


def read_qr_codes(pixels: np.ndarray) -> list[QrCode]:
    """Every QR code decoded in an RGB(A) or grey frame, at most MAX_CODES.

    Raises:
        ValueError: ``pixels`` is not a uint8 RGB(A) or grey frame.
    """
    grey = _grey(pixels)
    found = zxingcpp.read_barcodes(grey, formats=QR_FORMATS, try_rotate=False, try_invert=True, return_errors=True)
    codes = [QrCode(b.text[:MAX_PAYLOAD], _box(b.position)) for b in found if b.valid][:MAX_CODES]
    for failed in (b for b in found if not b.valid):
        if len(codes) >= MAX_CODES:
            break
        codes.extend(_retry_upscaled(grey, _box(failed.position), codes))
    return codes


def _retry_upscaled(grey: np.ndarray, box: BoundingBox, seen: list[QrCode]) -> list[QrCode]:
    """Decode a located but unreadable symbol again from a 2× upscaled crop around it."""
    height, width = grey.shape
    margin = int(_RETRY_MARGIN * max(box.width, box.height)) + 4
    x0, y0 = max(0, box.x - margin), max(0, box.y - margin)
    x1, y1 = min(width, box.x + box.width + margin), min(height, box.y + box.height + margin)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return []
    crop = cv2.resize(grey[y0:y1, x0:x1], None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
    found = zxingcpp.read_barcodes(crop, formats=QR_FORMATS, try_rotate=False, try_invert=True)
    texts = {c.payload for c in seen}
    return [
        QrCode(b.text[:MAX_PAYLOAD], _box(b.position, x0, y0, 2.0), upscaled=True)
        for b in found
        if b.valid and b.text[:MAX_PAYLOAD] not in texts
    ]


def _picture_qr_codes(asset: Asset) -> tuple[QrCode, ...]:
    return tuple(read_qr_codes(asset.view(GREY)))


# The QR codes of a picture (its grey plane read once), for whoever asks first: the campaign checks.
QR_CODES: DerivedView[tuple[QrCode, ...]] = DerivedView("qr_codes", _picture_qr_codes)
