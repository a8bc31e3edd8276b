"""Stable Diffusion's invisible watermark (``invisible-watermark``'s DWT-DCT on the U channel): reader.

SD v1 scripts embed the bytes ``StableDiffusionV1``, SD v2 ``SDV2``, and SDXL (Stability's scripts
and diffusers) the 48-bit message ``0xB3EC907BB19E``. The encoder expects uint8 BGR. The CompVis
scripts give it that; diffusers and SDXL's reference code give it RGB as float32, where OpenCV's YUV
conversion offsets chroma by 0.5 instead of 128, so their mark only reads back in float. Three
readings are tried: ``bgr`` (uint8 BGR), ``rgb`` (uint8 RGB as BGR) and ``rgb-float``.

The reader reproduces ``imwatermark``'s ``EmbedMaxDct.decode`` bit for bit in vectorised numpy (the
package loops over blocks in Python, and imports torch): tests check it against the real package.
The mark is fragile: it survives a lossless PNG, not JPEG re-encoding, resizing or cropping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

_SCALE = 36.0  # EmbedMaxDct's default scales [0, 36, 36]: U is channel 1, the only one it uses
_BLOCK = 4
MIN_PIXELS = 256 * 256  # imwatermark refuses smaller images


def _bits_of_bytes(data: bytes) -> tuple[int, ...]:
    return tuple(int(b) for b in np.unpackbits(np.frombuffer(data, dtype=np.uint8)))


def _bits_of_int(value: int, length: int) -> tuple[int, ...]:
    return tuple((value >> (length - 1 - i)) & 1 for i in range(length))


@dataclass(frozen=True)
class KnownMark:
    """A message some generator embeds, with the matching-bit thresholds for a verdict."""

    name: str
    bits: tuple[int, ...]
    very_likely: int
    likely: int


# Thresholds keep a random message's chance of reaching them at ~3e-4 (very likely) and ~3e-3
# (likely); SDXL's 36/34 of 48 are the ones Stability's own detector uses.
KNOWN_MARKS: tuple[KnownMark, ...] = (
    KnownMark("sdxl", _bits_of_int(0xB3EC907BB19E, 48), very_likely=36, likely=34),
    KnownMark("sd-v1", _bits_of_bytes(b"StableDiffusionV1"), very_likely=88, likely=85),
    KnownMark("sd-v2", _bits_of_bytes(b"SDV2"), very_likely=26, likely=24),
)
# How the encoder was fed: uint8 BGR (CompVis SD v1/v2), uint8 RGB, float32 RGB (diffusers, SDXL).
CHANNEL_ORDERS = ("bgr", "rgb", "rgb-float")


@dataclass(frozen=True)
class DwtDctMatch:
    """The best agreement of one known message with an image."""

    mark: str
    matched_bits: int
    total_bits: int
    channel_order: str
    verdict: str  # "very likely" | "likely" | "unlikely"


def block_bits(bgr: np.ndarray) -> np.ndarray:
    """The per-block bit ``EmbedMaxDct`` reads (row-major blocks of the U channel's Haar LL band)."""
    rows, cols = bgr.shape[:2]
    yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV)
    # pywt's Haar analysis, step by step and in its working precision (float32 stays float32).
    dtype = np.float32 if yuv.dtype == np.float32 else np.float64
    u = yuv[: rows // 4 * 4, : cols // 4 * 4, 1].astype(dtype)
    tap = dtype(np.sqrt(0.5))
    ll = u[0::2, :] * tap + u[1::2, :] * tap
    ll = ll[:, 0::2] * tap + ll[:, 1::2] * tap
    brows, bcols = ll.shape[0] // _BLOCK, ll.shape[1] // _BLOCK
    blocks = ll[: brows * _BLOCK, : bcols * _BLOCK].reshape(brows, _BLOCK, bcols, _BLOCK)
    flat = blocks.transpose(0, 2, 1, 3).reshape(-1, _BLOCK * _BLOCK)
    magnitudes = np.abs(flat[:, 1:])
    strongest = magnitudes[np.arange(len(flat)), np.argmax(magnitudes, axis=1)]
    return (strongest % _SCALE > 0.5 * _SCALE).astype(np.uint8)


def read_bits(per_block: np.ndarray, length: int) -> np.ndarray:
    """The ``length``-bit message from per-block bits, as ``EmbedMaxDct.decode`` averages them."""
    if per_block.size < length:
        return np.zeros(length, dtype=np.uint8)
    index = np.arange(per_block.size) % length
    means = np.bincount(index, weights=per_block, minlength=length) / np.bincount(index, minlength=length)
    return (means * 255 > 127).astype(np.uint8)


def _verdict(mark: KnownMark, matched: int) -> str:
    if matched >= mark.very_likely:
        return "very likely"
    if matched >= mark.likely:
        return "likely"
    return "unlikely"


BitsReader = Callable[[np.ndarray, int], np.ndarray]


def imwatermark_reader(bgr: np.ndarray, length: int) -> np.ndarray:
    """The same read through the real ``invisible-watermark`` package (slow; imports torch)."""
    from imwatermark import WatermarkDecoder

    return np.asarray(WatermarkDecoder("bits", length).decode(bgr, "dwtDct"), dtype=np.uint8)


def match_dwtdct_marks(image: Image.Image, reader: BitsReader | None = None) -> list[DwtDctMatch]:
    """For each known message, its best agreement over the channel orders (empty: image too small).

    ``reader`` replaces the built-in vectorised reader (e.g. ``imwatermark_reader``).
    """
    if image.width * image.height < MIN_PIXELS:
        return []
    rgb = np.asarray(image.convert("RGB"))
    arrays = {"bgr": np.ascontiguousarray(rgb[..., ::-1]), "rgb": rgb, "rgb-float": rgb.astype(np.float32)}
    per_block = {order: block_bits(array) for order, array in arrays.items()} if reader is None else {}
    matches = []
    for mark in KNOWN_MARKS:
        expected = np.array(mark.bits, dtype=np.uint8)
        best: DwtDctMatch | None = None
        for order in CHANNEL_ORDERS:
            if reader is None:
                bits = read_bits(per_block[order], len(expected))
            else:
                bits = reader(arrays[order], len(expected))
            matched = int(np.sum(bits == expected))
            if best is None or matched > best.matched_bits:
                best = DwtDctMatch(mark.name, matched, len(expected), order, _verdict(mark, matched))
        if best is not None:
            matches.append(best)
    return matches
