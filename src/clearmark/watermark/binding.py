"""Content binding: does a decoded mark's local strength follow this picture's own masking map?

The embedder scales the mark by ``masking.masking_gain`` of the picture it marks, so in a genuine
picture the mark is strong where the picture is busy and faint where it is flat. A mark lifted from
another picture (the residual-transplant copy attack) keeps the map of its source, which has nothing
to do with the new picture. After a decode, the expected mark is re-rendered on the lattice found,
its strength measured block by block, and correlated with the masking map of the picture at hand.

The correlation alone is a poor judge on uniform textures (grass, tissue, a drifting video texture):
their map varies little, so a genuine mark's correlation stays low (0.1-0.3), while two unrelated
smooth maps of ordinary photos correlate by chance up to ~0.3. So the correlation is compared with
its own chance level for this pair of maps: the same strength map against the masking map displaced
by every shift of at least ``_MIN_LAG`` blocks (a toroidal-shift null). A mark is bound when the
correlation stands well above that null (``Binding.verdict``); it is not bound when it shows no
sign of following this map although the test could tell (its strength has structure of its own,
or a genuine mark as strong would have stood out); otherwise the test cannot judge
(``Verdict.UNDETERMINED``) and other evidence decides: never a claim, never an accusation.
Left out first: flat borders (a screenshot's page, letterbox bars: the step at their edge looks
busy to the map, but the embedder never saw it) and blocks near clipped pixels (no mark survives
clipping). No registry is needed. Where the registry record of the mark keeps the marked
picture's perceptual hash, ``claim_holds`` also accepts a mark whose content still hashes like the
record's (a check that survives re-encoding and resizing but not heavy crops).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np

from clearmark.media.perceptual import IMAGE_MATCH_DISTANCE, hamming
from clearmark.watermark.masking import masking_gain
from clearmark.watermark.pattern import TILE_PX, dihedral, render_tile, tiled, unedited
from clearmark.watermark.sync import highpass, pixel_grid, unshift

BLOCK_PX = 16
# Thresholds measured on genuine marks after the attack suites of bench/watermark and on the copy
# attack's transplants onto three targets per source (248 keeping the mark) (docs/benchmarks.md, "Content
# binding"). Bound: the correlation stands MIN_Z null deviations above chance with at least
# MIN_AGREEMENT (on a big map a tiny correlation is significant without being convincing), or
# reaches STRONG_AGREEMENT at
# STRONG_MIN_Z (maps with broad structure have a wide chance level: a retina photograph reads
# 0.75-0.93 at only 3.3-3.8 deviations, while a graphic's mark moved onto it read 0.37-0.39 at 2.3),
# or reaches DECISIVE_AGREEMENT whatever the null (a picture half texture, half flat: 0.72 at 2.2).
# Transplants reached z 3.2 at most, and agreement 0.39.
MIN_Z = 4.0
MIN_AGREEMENT = 0.15
STRONG_AGREEMENT = 0.35
STRONG_MIN_Z = 3.0
DECISIVE_AGREEMENT = 0.6
# Not bound: no sign of following this map (agreement under STRONG_AGREEMENT, z under
# MAX_UNBOUND_Z) while the test could tell: the strength's own neighbour correlation reaches
# MIN_STRUCTURE (it follows some map, just not this one), or a genuine mark of its mean strength
# would have reached MIN_POWER deviations on this map. Otherwise the test cannot judge.
MAX_UNBOUND_Z = 2.5
MIN_STRUCTURE = 0.3
MIN_POWER = 3.0
_MIN_LAG = 3
_MIN_BLOCKS = 12
_NOISE_FLOOR = 0.25
# Clipped pixels (and this far around them, canvas pixels at the embedder's scale: the map's band
# reaches that far) carry no mark whoever made it: a block mostly near them is left out.
_CLIP_LOW, _CLIP_HIGH = 1.0, 254.0
_CLIP_REACH = 8
_MAX_CLIPPED = 0.25
# A border line is flat when no pixel strays more than this from the border's level (canvas grey levels).
_FLAT_TOLERANCE = 4.0
_MAX_BORDER = 0.25


class Verdict(StrEnum):
    """What the strength test says about a decoded mark and this content."""

    BOUND = "bound"  # the strength follows this content's map: embedded into this picture
    UNBOUND = "unbound"  # the strength follows a map, not this content's: copied from other content
    UNDETERMINED = "undetermined"  # too little structure on either side to tell


@dataclass(frozen=True)
class Binding:
    """How a decoded mark sits on the content it was read from.

    Attributes:
        agreement: correlation (-1..1) between the mark's strength per block and the content's
            masking gain per block.
        z: how far ``agreement`` stands above the correlations of the same strength map with the
            masking map displaced (standard deviations of that null).
        structure: neighbour correlation of the strength map (does the strength follow any map).
        power: the ``z`` a genuine mark of this mean strength would reach on this map (the mean
            strength times the map's spread over the strength's spread, in null deviations): how
            much the test can tell at all.
        spread: standard deviation of the block gains (how much the map says at all).
        blocks: blocks compared.
    """

    agreement: float
    z: float
    structure: float
    power: float
    spread: float
    blocks: int

    @property
    def verdict(self) -> Verdict:
        """Bound, unbound or undetermined by the thresholds above (too few blocks: undetermined)."""
        if self.blocks < _MIN_BLOCKS:
            return Verdict.UNDETERMINED
        if (
            (self.z >= MIN_Z and self.agreement >= MIN_AGREEMENT)
            or (self.z >= STRONG_MIN_Z and self.agreement >= STRONG_AGREEMENT)
            or self.agreement >= DECISIVE_AGREEMENT
        ):
            return Verdict.BOUND
        telling = self.structure >= MIN_STRUCTURE or self.power >= MIN_POWER
        if telling and self.agreement < STRONG_AGREEMENT and self.z < MAX_UNBOUND_Z:
            return Verdict.UNBOUND
        return Verdict.UNDETERMINED

    @property
    def bound(self) -> bool:
        """The mark's strength follows this content's map: it was embedded into this picture."""
        return self.verdict is Verdict.BOUND


def expected_tile(key: bytes, channel_bits: np.ndarray, variant: int, shift: tuple[float, float]) -> np.ndarray:
    """The tile as the decoder folds it: rendered from the decoded bits, turned and shifted as found."""
    tile = dihedral(render_tile(key, channel_bits), variant)
    return unshift(tile, (-shift[0], -shift[1]))


def lay_tile(tile: np.ndarray, basis: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The periodic tile laid over a canvas of ``shape`` along the lattice ``basis`` (the inverse of
    ``sync.fold``; nearest tile pixel)."""
    if unedited(basis):
        return tiled(tile, shape)
    xs, ys = pixel_grid(shape[0], shape[1])
    inverse = np.linalg.inv(basis) * TILE_PX
    u = np.rint(inverse[0, 0] * xs + inverse[0, 1] * ys).astype(np.int64) % TILE_PX
    v = np.rint(inverse[1, 0] * xs + inverse[1, 1] * ys).astype(np.int64) % TILE_PX
    return tile[v, u].reshape(shape[0], shape[1]).astype(np.float32)


def _block_sums(plane: np.ndarray, block: int) -> np.ndarray:
    rows, cols = plane.shape[0] // block, plane.shape[1] // block
    cut = plane[: rows * block, : cols * block]
    return cut.reshape(rows, block, cols, block).sum(axis=(1, 3))


def _flat_lines(lines: np.ndarray) -> int:
    """How many leading lines (rows of ``lines``) are one flat colour, the first line's."""
    level = float(np.median(lines[0]))
    limit = int(len(lines) * _MAX_BORDER)
    deviation = np.abs(lines[:limit] - level).max(axis=1)
    stray = np.flatnonzero(deviation > _FLAT_TOLERANCE)
    return int(stray[0]) if stray.size else limit


def content_box(canvas: np.ndarray) -> tuple[slice, slice]:
    """The canvas inside any flat border (a screenshot's page, letterbox or pillarbox bars)."""
    top, bottom = _flat_lines(canvas), _flat_lines(canvas[::-1])
    left, right = _flat_lines(canvas.T), _flat_lines(canvas.T[::-1])
    return slice(top, canvas.shape[0] - bottom), slice(left, canvas.shape[1] - right)


def _unclipped_blocks(canvas: np.ndarray, block: int, scale: float) -> np.ndarray:
    """Blocks not mostly within reach of clipped pixels (a blown-out sky, a rotation's black corners):
    no mark survives there, and the step at their edge looks busy to the masking map."""
    clipped = ((canvas <= _CLIP_LOW) | (canvas >= _CLIP_HIGH)).astype(np.uint8)
    rows, cols = canvas.shape[0] // block, canvas.shape[1] // block
    if not clipped.any():
        return np.ones((rows, cols), bool)
    reach = max(1, round(_CLIP_REACH * scale))
    near = cv2.dilate(clipped, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)).astype(np.float32)
    return _block_sums(near, block) / float(block * block) <= _MAX_CLIPPED


def _shifted_correlations(strength: np.ndarray, gain: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted correlation of ``strength`` with ``gain`` cyclically shifted by every lag (FFT)."""

    def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # out[k] = sum_x a[x] * b[x - k]
        return np.real(np.fft.ifft2(np.fft.fft2(a) * np.conj(np.fft.fft2(b))))

    mean_s = float(np.sum(weight * strength))
    var_s = float(np.sum(weight * (strength - mean_s) ** 2))
    mean_g = cross(weight, gain)
    var_g = np.maximum(cross(weight, gain * gain) - mean_g**2, 0.0)
    covariance = cross(weight * strength, gain) - mean_s * mean_g
    return covariance / np.maximum(np.sqrt(var_s * var_g), 1e-12)


def _structure(strength: np.ndarray, weight: np.ndarray) -> float:
    """Weighted correlation of each block's strength with its right and lower neighbours'."""
    mean = float(np.sum(weight * strength))
    deviation = strength - mean
    variance = float(np.sum(weight * deviation**2))
    if variance < 1e-12:
        return 0.0
    pairs = [
        (deviation[:, 1:] * deviation[:, :-1], np.sqrt(weight[:, 1:] * weight[:, :-1])),
        (deviation[1:] * deviation[:-1], np.sqrt(weight[1:] * weight[:-1])),
    ]
    return float(np.mean([np.sum(w * p) / max(float(np.sum(w)), 1e-12) / variance for p, w in pairs]))


def measure_binding(canvas: np.ndarray, mark: np.ndarray, scale: float = 1.0) -> Binding:
    """Correlate the local strength of ``mark`` (laid on the canvas) with the canvas's masking map.

    ``scale`` is the lattice scale found (the canvas shows the marked picture enlarged by it), so the
    map and the blocks are measured at the embedder's scale. Blocks vote by the inverse of their
    strength estimate's noise (busy blocks measure the mark less precisely).
    """
    rows, cols = content_box(canvas)
    canvas = canvas[rows, cols].astype(np.float32, copy=False)
    mark = mark[rows, cols]
    block = max(4, round(BLOCK_PX * scale))
    residual = highpass(canvas)
    shaped = highpass(mark)
    energy = np.maximum(_block_sums(shaped * shaped, block), 1e-6)
    strength = _block_sums(residual * shaped, block) / energy
    noise = _block_sums(residual * residual * shaped * shaped, block) / energy**2
    gain = _block_sums(masking_gain(canvas, scale), block) / float(block * block)
    usable = _unclipped_blocks(canvas, block, scale)
    if int(usable.sum()) < _MIN_BLOCKS:
        return Binding(agreement=0.0, z=0.0, structure=0.0, power=0.0, spread=0.0, blocks=int(strength.size))
    # Inverse-noise weights, capped: a block where nothing varies (a flat sticker, clipped sky) must
    # not outvote the rest.
    weight = usable / np.maximum(noise, float(np.median(noise[usable])) * _NOISE_FLOOR + 1e-12)
    weight /= weight.sum()
    spread = float(np.sqrt(np.sum(weight * (gain - np.sum(weight * gain)) ** 2)))
    correlations = _shifted_correlations(strength, gain, weight)
    agreement = float(correlations[0, 0])
    lag_y = np.minimum(np.arange(gain.shape[0]), gain.shape[0] - np.arange(gain.shape[0]))
    lag_x = np.minimum(np.arange(gain.shape[1]), gain.shape[1] - np.arange(gain.shape[1]))
    far = np.maximum(lag_y[:, None], lag_x[None, :]) >= _MIN_LAG
    null = correlations[far]
    if null.size < _MIN_BLOCKS:
        return Binding(agreement=agreement, z=0.0, structure=0.0, power=0.0, spread=spread, blocks=int(strength.size))
    chance = max(float(null.std()), 1e-6)
    mean_s = float(np.sum(weight * strength))
    spread_s = float(np.sqrt(np.sum(weight * (strength - mean_s) ** 2)))
    expected = min(1.0, max(mean_s, 0.0) * spread / max(spread_s, 1e-12))
    return Binding(
        agreement=agreement,
        z=(agreement - float(null.mean())) / chance,
        structure=_structure(strength, weight),
        power=expected / chance,
        spread=spread,
        blocks=int(strength.size),
    )


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
