"""Content binding: does a decoded mark's local strength follow this picture's own masking map?

The embedder scales the mark by ``masking.masking_gain`` of the picture it marks, so in a genuine
picture the mark is strong where the picture is busy and faint where it is flat. A mark lifted from
another picture (the residual-transplant copy attack) keeps the map of its source, which has nothing
to do with the new picture. After a decode, the expected mark is re-rendered on the lattice found,
its strength measured block by block, and correlated with the masking map of the picture at hand.
No registry is needed. Where the registry record of the mark keeps the marked picture's perceptual
hash, ``claim_holds`` also accepts a mark whose content still hashes like the record's (a check
that survives re-encoding and resizing but not heavy crops, which the strength test covers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clearmark.media.perceptual import IMAGE_MATCH_DISTANCE, hamming
from clearmark.watermark.masking import masking_gain
from clearmark.watermark.pattern import TILE_PX, dihedral, render_tile
from clearmark.watermark.sync import highpass, unshift

BLOCK_PX = 16
# Correlation of block strength with the masking map at or above which the mark is bound to the
# content, and the spread of the map (std of block gains) below which the content is too uniform
# for the test to say anything. Measured in bench/watermark (see docs/benchmarks.md).
MIN_AGREEMENT = 0.35
MIN_MAP_SPREAD = 0.08
_MIN_BLOCKS = 12
_NOISE_FLOOR = 0.25


@dataclass(frozen=True)
class Binding:
    """How a decoded mark sits on the content it was read from.

    Attributes:
        agreement: correlation (-1..1) between the mark's strength per block and the content's
            masking gain per block.
        spread: standard deviation of the block gains (how much the map says at all).
        blocks: blocks compared.
    """

    agreement: float
    spread: float
    blocks: int

    @property
    def bound(self) -> bool:
        """The mark's strength follows this content's map: it was embedded into this picture."""
        return self.blocks >= _MIN_BLOCKS and self.spread >= MIN_MAP_SPREAD and self.agreement >= MIN_AGREEMENT


def expected_tile(key: bytes, channel_bits: np.ndarray, variant: int, shift: tuple[float, float]) -> np.ndarray:
    """The tile as the decoder folds it: rendered from the decoded bits, turned and shifted as found."""
    tile = dihedral(render_tile(key, channel_bits), variant)
    return unshift(tile, (-shift[0], -shift[1]))


def lay_tile(tile: np.ndarray, basis: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The periodic tile laid over a canvas of ``shape`` along the lattice ``basis`` (the inverse of
    ``sync.fold``; nearest tile pixel)."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    inverse = np.linalg.inv(basis) * TILE_PX
    u = np.rint(inverse[0, 0] * xs + inverse[0, 1] * ys).astype(np.int64) % TILE_PX
    v = np.rint(inverse[1, 0] * xs + inverse[1, 1] * ys).astype(np.int64) % TILE_PX
    return tile[v, u].astype(np.float32)


def _block_sums(plane: np.ndarray, block: int) -> np.ndarray:
    rows, cols = plane.shape[0] // block, plane.shape[1] // block
    cut = plane[: rows * block, : cols * block]
    return cut.reshape(rows, block, cols, block).sum(axis=(1, 3))


def measure_binding(canvas: np.ndarray, mark: np.ndarray, scale: float = 1.0) -> Binding:
    """Correlate the local strength of ``mark`` (laid on the canvas) with the canvas's masking map.

    ``scale`` is the lattice scale found (the canvas shows the marked picture enlarged by it), so the
    map and the blocks are measured at the embedder's scale. Blocks vote by the inverse of their
    strength estimate's noise (busy blocks measure the mark less precisely).
    """
    block = max(4, round(BLOCK_PX * scale))
    residual = highpass(canvas.astype(np.float32, copy=False))
    shaped = highpass(mark)
    energy = np.maximum(_block_sums(shaped * shaped, block), 1e-6)
    strength = (_block_sums(residual * shaped, block) / energy).ravel()
    noise = (_block_sums(residual * residual * shaped * shaped, block) / energy**2).ravel()
    gain = (_block_sums(masking_gain(canvas, scale), block) / float(block * block)).ravel()
    if strength.size < _MIN_BLOCKS:
        return Binding(agreement=0.0, spread=0.0, blocks=int(strength.size))
    # Inverse-noise weights, capped: a block where nothing varies (a flat sticker, clipped sky) must
    # not outvote the rest.
    weight = 1.0 / np.maximum(noise, float(np.median(noise)) * _NOISE_FLOOR + 1e-12)
    weight /= weight.sum()
    spread = float(np.sqrt(np.sum(weight * (gain - np.sum(weight * gain)) ** 2)))
    s_dev = strength - np.sum(weight * strength)
    g_dev = gain - np.sum(weight * gain)
    denominator = float(np.sqrt(np.sum(weight * s_dev**2) * np.sum(weight * g_dev**2)))
    if denominator < 1e-12:
        return Binding(agreement=0.0, spread=spread, blocks=int(strength.size))
    agreement = float(np.sum(weight * s_dev * g_dev)) / denominator
    return Binding(agreement=agreement, spread=spread, blocks=int(strength.size))


def record_agrees(content_phash: int | None, record_phash: int | None) -> bool | None:
    """Whether the content hashes like the picture a registry record describes (``media.perceptual``
    pHash within ``IMAGE_MATCH_DISTANCE``); None when either hash is unknown."""
    if content_phash is None or record_phash is None:
        return None
    return hamming(content_phash, record_phash) <= IMAGE_MATCH_DISTANCE


def claim_holds(content_bound: bool, content_phash: int | None, record_phash: int | None) -> bool:
    """Whether a decoded mark is a valid claim about this content: its strength follows this content
    (``Binding.bound``), or the content still hashes like the record the mark resolves to."""
    return content_bound or record_agrees(content_phash, record_phash) is True
