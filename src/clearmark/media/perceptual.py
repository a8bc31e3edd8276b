"""Perceptual hashes: a 64-bit DCT hash of pixels and a 64-bit SimHash of text, compared by Hamming distance."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from clearmark.core.enums import MediaKind
from clearmark.media.views import GREY, DerivedView, luma

if TYPE_CHECKING:
    from clearmark.media.asset import Asset

HASH_BITS = 64
# Hamming distance at or below which two image hashes are taken for the same picture. Measured on the
# watermark bench images: re-encodes, resizes and mild crops stay under 10; unrelated photos sit near 32.
IMAGE_MATCH_DISTANCE = 10
# The same for text SimHash: edits of a few words move a few bits; unrelated texts sit near 32.
TEXT_MATCH_DISTANCE = 8
_SIDE = 32
_KEEP = 8
# No reduce before the LANCZOS resize: a box-reduce first (Pillow's reducing_gap=3) is ~1 ms instead of
# ~9 at 1080p but moved low-texture pictures' hashes by up to 18 bits, past IMAGE_MATCH_DISTANCE, so
# records already in a registry would stop matching their own pictures (measured, docs/benchmarks.md).
_REDUCING_GAP: float | None = None


@cache
def _dct_matrix(size: int) -> np.ndarray:
    """The orthonormal DCT-II basis, ``size`` × ``size``."""
    n = np.arange(size)
    basis = np.cos(np.pi * (2 * n[None, :] + 1) * n[:, None] / (2 * size))
    basis[0] /= np.sqrt(2)
    return basis * np.sqrt(2 / size)


def image_phash(image: Image.Image | np.ndarray) -> int:
    """The 64-bit DCT perceptual hash of a picture or of its RGB(A) or grey uint8 pixels (see ``grey_phash``)."""
    if isinstance(image, Image.Image):
        image = np.asarray(image if image.mode in ("RGB", "RGBA", "L") else image.convert("RGB"))
    return grey_phash(luma(image))


def grey_phash(grey: np.ndarray) -> int:
    """The 64-bit DCT perceptual hash of a grey plane (32×32 LANCZOS copy, top-left 8×8 coefficients vs their median).

    Survives re-encoding, resizing and colour tweaks; a different picture lands about 32 bits away.
    """
    small = Image.fromarray(np.ascontiguousarray(grey)).resize(
        (_SIDE, _SIDE), Image.Resampling.LANCZOS, reducing_gap=_REDUCING_GAP
    )
    pixels = np.asarray(small, dtype=np.float64)
    basis = _dct_matrix(_SIDE)
    coefficients = (basis @ pixels @ basis.T)[:_KEEP, :_KEEP].ravel()
    # The DC term carries brightness only; compare the rest against their median.
    ac = coefficients[1:]
    bits = np.concatenate(([coefficients[0] > 0], ac > np.median(ac)))
    return _pack(bits)


def _asset_phash(asset: Asset) -> int:
    if asset.kind is MediaKind.VIDEO:  # the frame nearest the middle, as the video detectors sample it
        return image_phash(asset.representative_frame.rgb)
    return grey_phash(asset.view(GREY))


# An image's or a video's perceptual hash: the watermark readers report it, the registry records and
# compares it (computed once per asset).
PHASH: DerivedView[int] = DerivedView("phash", _asset_phash)


_WORD = re.compile(r"\w+", re.UNICODE)


def text_simhash(text: str) -> int:
    """The 64-bit SimHash of a text over its character 3-grams, after NFKC folding and whitespace removal.

    Character grams serve Chinese (no spaces between words) and Latin scripts alike.
    """
    folded = "".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))
    if not folded:
        return 0
    grams = [folded[i : i + 3] for i in range(max(1, len(folded) - 2))]
    digests = b"".join(hashlib.blake2b(gram.encode(), digest_size=8).digest() for gram in grams)
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8)).reshape(len(grams), HASH_BITS)
    weights = (2 * bits.astype(np.int64) - 1).sum(axis=0)
    return _pack(weights > 0)


def hamming(a: int, b: int) -> int:
    """The number of bits in which two hashes differ."""
    return (a ^ b).bit_count()


def to_signed(value: int) -> int:
    """A 64-bit hash as a signed integer, for databases whose integers are signed 64-bit."""
    return value - (1 << HASH_BITS) if value >= 1 << (HASH_BITS - 1) else value


def from_signed(value: int) -> int:
    """The inverse of :func:`to_signed`."""
    return value + (1 << HASH_BITS) if value < 0 else value


def _pack(bits: np.ndarray) -> int:
    value = 0
    for bit in bits.astype(bool).tolist():
        value = (value << 1) | int(bit)
    return value
