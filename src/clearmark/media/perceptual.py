"""Perceptual hashes: a 64-bit DCT hash of pixels and a 64-bit SimHash of text, compared by Hamming distance."""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from functools import cache, lru_cache
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
# Pillow's LANCZOS resize, reproduced to the bit (not called: its single-threaded C loop cost ~6 ms at
# 1080p, about a third of the watermark stage). No box-reduce first either: Pillow's reducing_gap=3 was
# ~1 ms but moved low-texture pictures' hashes by up to 18 bits, past IMAGE_MATCH_DISTANCE, so records
# already in a registry would stop matching their own pictures (measured, docs/benchmarks.md).
_LANCZOS_SUPPORT = 3.0
_FIXED_BITS = 22  # Pillow's PRECISION_BITS for 8-bit images (libImaging/Resample.c)
_BAND_OUTPUTS = 8  # output samples per matrix product: fewer zero taps than one dense product
_CHUNK_ROWS = 32  # input rows converted to float64 at a time (~0.5 MB at 1920 px)
# Coefficients are rounded to this many decimals before the median comparison. A flat picture's AC
# terms are exactly zero in arithmetic but float rounding noise (~1e-13) in a matrix product, whose
# sign depends on the BLAS kernel and the array's memory layout: without rounding the same flat
# picture hashed differently on two machines. Genuine coefficients are far apart (levels 0..255).
_COEFFICIENT_DECIMALS = 6


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
    pixels = lanczos_resize(grey, _SIDE)
    basis = _dct_matrix(_SIDE)
    coefficients = np.round((basis @ pixels @ basis.T)[:_KEEP, :_KEEP].ravel(), _COEFFICIENT_DECIMALS)
    # The DC term carries brightness only; compare the rest against their median.
    ac = coefficients[1:]
    bits = np.concatenate(([coefficients[0] > 0], ac > np.median(ac)))
    return _pack(bits)


def lanczos_resize(grey: np.ndarray, side: int) -> np.ndarray:
    """``Image.fromarray(grey).resize((side, side), LANCZOS)`` to the bit, as float64 levels (0..255).

    Pillow resamples in two passes, each output a fixed-point sum (22 fractional bits) of its
    coefficients times the 8-bit input, rounded and clipped to 8 bits between the passes. The same
    integer sums are formed here as float64 matrix products, exact because every partial sum is an
    integer far below 2**53; the coefficients come from the same double operations as Pillow's.
    The pass order is Pillow 13's (python-pillow/Pillow#9549: columns first when the height shrinks
    more than twice as much as the width, measured at the boundary); a picture taller than wide and
    narrower than ``side`` is left to Pillow itself.
    """
    height, width = grey.shape
    if height <= width:
        return _two_passes(grey, side)
    if width < side:
        small = Image.fromarray(np.ascontiguousarray(grey)).resize((side, side), Image.Resampling.LANCZOS)
        return np.asarray(small, dtype=np.float64)
    if height - side > 2 * (width - side):
        return _two_passes(grey.T, side).T
    return _two_passes(grey, side)


def _two_passes(grey: np.ndarray, side: int) -> np.ndarray:
    """Rows resampled to ``side`` wide, then columns to ``side`` tall (a pass is skipped where no resize is due)."""
    height, width = grey.shape
    levels = _resample_rows(grey, _lanczos_taps(width, side)) if width != side else grey.astype(np.float64)
    if height != side:
        levels = _resample_rows(levels.T, _lanczos_taps(height, side)).T
    return levels


# One band of a resampling: outputs [first, last) read inputs [start, stop) with these fixed-point taps.
_Band = tuple[int, int, int, int, np.ndarray]


def _resample_rows(rows: np.ndarray, bands: tuple[_Band, ...]) -> np.ndarray:
    """Each row resampled by the fixed-point taps of ``bands``, rounded and clipped like Pillow."""
    sums = np.empty((rows.shape[0], bands[-1][1]), dtype=np.float64)
    for top in range(0, rows.shape[0], _CHUNK_ROWS):
        # A few rows at a time: their float64 copy stays in cache (a whole 1080p plane is 16 MB,
        # and evicting the other detectors' data cost them more than the resize saved).
        block = np.asarray(rows[top : top + _CHUNK_ROWS], dtype=np.float64)
        for first, last, start, stop, taps in bands:
            sums[top : top + _CHUNK_ROWS, first:last] = block[:, start:stop] @ taps
    sums += 1 << (_FIXED_BITS - 1)
    sums *= 1.0 / (1 << _FIXED_BITS)  # a power of two: exact
    return np.clip(np.floor(sums, out=sums), 0, 255, out=sums)


@lru_cache(maxsize=32)
def _lanczos_taps(size: int, out: int) -> tuple[_Band, ...]:
    """Pillow's fixed-point LANCZOS coefficients for ``size`` samples to ``out`` (``precompute_coeffs`` then
    ``normalize_coeffs_8bpc``), cut into bands of ``_BAND_OUTPUTS`` outputs."""
    scale = size / out
    filter_scale = max(scale, 1.0)
    support = _LANCZOS_SUPPORT * filter_scale
    step = 1.0 / filter_scale
    matrix = np.zeros((size, out), dtype=np.float64)
    spans = []
    for index in range(out):
        centre = (index + 0.5) * scale
        low = max(0, int(centre - support + 0.5))  # C's (int) truncates toward zero, as int() does
        count = min(size, int(centre + support + 0.5)) - low
        weights = [_lanczos((x + low - centre + 0.5) * step) for x in range(count)]
        total = 0.0
        for weight in weights:  # summed in order, as the C loop does
            total += weight
        for x, weight in enumerate(weights):
            share = weight / total if total != 0.0 else weight
            matrix[low + x, index] = int((-0.5 if share < 0 else 0.5) + share * (1 << _FIXED_BITS))
        spans.append((low, low + count))
    bands = []
    for first in range(0, out, _BAND_OUTPUTS):
        last = min(out, first + _BAND_OUTPUTS)
        start, stop = min(s for s, _ in spans[first:last]), max(e for _, e in spans[first:last])
        taps = matrix[start:stop, first:last].copy()
        taps.setflags(write=False)
        bands.append((first, last, start, stop, taps))
    return tuple(bands)


def _lanczos(x: float) -> float:
    """Pillow's ``lanczos_filter``: sinc(x)·sinc(x/3) on [-3, 3), in the same double operations (libm's sin)."""
    if -_LANCZOS_SUPPORT <= x < _LANCZOS_SUPPORT:
        return _sinc(x) * _sinc(x / 3)
    return 0.0


def _sinc(x: float) -> float:
    if x == 0.0:
        return 1.0
    x = x * math.pi
    return math.sin(x) / x


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
