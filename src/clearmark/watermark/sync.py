"""Synchronisation: find the tile lattice (scale, rotation, shear) and its offset in an attacked image.

The mark is periodic, so the autocorrelation of the whitened canvas has peaks on the tile lattice
whatever the image went through; the peaks give the lattice vectors. Candidates come from single
peaks (scale and rotation), pairs of peaks (any affine lattice: unequal x/y scales and shear within
``MAX_ASPECT`` and ``MAX_SHEAR``), and fixed grids of mild edits and aspect changes; each is scored on
the autocorrelation and the best few are tried. Folding the canvas onto one
tile along that lattice and correlating with the keyed sync template gives the offset and which of
the eight right-angle rotations/mirrors the image went through.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import islice

import cv2
import numpy as np

from clearmark.watermark.pattern import TILE_PX, unedited

_WHITEN_SIGMA = 0.7
_NORMALISE_SIGMA = 1.5
_CLIP = 3.0
_MIN_PERIOD = 0.45 * TILE_PX
_MAX_SCALE = 2.3
_PEAKS = 24
_LATTICE_RANGE = 3
# Bounds of the affine search: the ratio of the two axis scales (a stretch or squash of one side) and
# the shear, beyond the rotation and common scale every lattice may have.
MAX_ASPECT = 1.35
MAX_SHEAR = 0.25
_PAIR_PEAKS = 12
_EXAMINED = 400
_SPECTRUM_SIGMA = 8.0
_REMAP_ROWS = 32_000
_OFF_ACF = -1e4  # a lag coordinate outside every ACF: sampled as 0
# The texture residual's median (canvas pixels, odd): wider than the mark's 2-pixel cells, so it
# predicts fine texture without predicting the mark.
_MEDIAN_KSIZE = 5
# The log-polar similarity search: angle bins over a quarter turn (0.25 degrees), log-radius bins
# over the usable lags (about 0.5 % of scale each), and how many of its peaks become candidates.
_POLAR_ANGLES = 360
_POLAR_RADII = 512
_POLAR_PEAKS = 64
# The scale step of ``axis_candidates`` (log scale: 0.25 %).
_AXIS_STEP = 0.0025
# The smoothing of a folded tile's power spectrum in ``whiten_tile`` (frequency bins of the 64-px tile).
_TILE_SPECTRUM_SIGMA = 2.0


def basis_scale(basis: np.ndarray) -> float:
    """The tile period a lattice basis shows, relative to the embedded TILE_PX (its area's square root)."""
    return float(np.sqrt(abs(np.linalg.det(basis)))) / TILE_PX


def basis_rotation_deg(basis: np.ndarray) -> float:
    """The rotation of a lattice basis's first step, degrees."""
    return float(np.degrees(np.arctan2(basis[1, 0], basis[0, 0])))


@dataclass(frozen=True)
class Lattice:
    """Tile lattice on the canvas: columns are the canvas-pixel vectors of one tile step in u and v."""

    basis: np.ndarray  # 2x2
    score: float

    @property
    def scale(self) -> float:
        return basis_scale(self.basis)

    @property
    def rotation_deg(self) -> float:
        return basis_rotation_deg(self.basis)


@dataclass(frozen=True)
class Alignment:
    """Where the sync template sits in a folded tile."""

    variant: int  # 0..7: k right-angle rotations, +4 when mirrored
    shift: tuple[float, float]  # (dy, dx) in tile pixels
    peak: float  # normalised correlation at the peak
    z: float  # peak in standard deviations of all correlations tried


def highpass(canvas: np.ndarray) -> np.ndarray:
    """The canvas less its local mean: the band where the mark lives."""
    return canvas - cv2.GaussianBlur(canvas, (0, 0), _WHITEN_SIGMA)


def contrast_weight(residual: np.ndarray) -> np.ndarray:
    """1 / local RMS of a high-passed canvas (floored), the decoder's per-pixel weight."""
    energy = cv2.GaussianBlur(residual * residual, (0, 0), _NORMALISE_SIGMA)
    floor = max(float(np.median(energy)) * 0.05, 1e-3)
    return 1.0 / np.sqrt(energy + floor)


def whiten(canvas: np.ndarray) -> np.ndarray:
    """High-pass the canvas and equalise local contrast, so every region votes with similar weight."""
    return whiten_weighted(canvas)[0]


def whiten_weighted(canvas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``whiten`` and each pixel's weight for the fold: the contrast weight (1 / local RMS) once more.

    Whitening gives every pixel unit noise but leaves the mark, which has about the same strength
    everywhere, at 1 / local RMS of it; weighting the whitened pixels by that again in the fold
    (a weighted mean, ``fold(..., weight)``) is the inverse-variance estimate of the tile, which
    favours the calm regions where the mark stands above the host (docs/benchmarks.md, "Watermark
    under heavy crops": 20-45 % fewer raw bit errors on the true lattice of textured crops).
    """
    residual = highpass(canvas)
    weight = contrast_weight(residual)
    out = residual * weight
    np.clip(out, -_CLIP, _CLIP, out=out)
    return out, weight


def fine_texture(canvas: np.ndarray) -> float:
    """The median magnitude of the canvas's high band (grey levels): how much fine texture the
    picture has in the band where the mark lives."""
    return float(np.median(np.abs(highpass(canvas.astype(np.float32, copy=False)))))


def texture_residual(canvas: np.ndarray) -> np.ndarray:
    """The canvas less its 5x5 median, contrast-equalised and clipped like ``whiten``: a residual for
    the lattice search on textured pictures, whose fine texture a median predicts far better than a
    local mean (the mark's isolated cells it does not), so the mark's periodicity stands out more."""
    canvas = canvas.astype(np.float32, copy=False)
    residual = canvas - cv2.medianBlur(canvas, _MEDIAN_KSIZE)
    out = residual * contrast_weight(residual)
    np.clip(out, -_CLIP, _CLIP, out=out)
    return out


def autocorrelation(residual: np.ndarray, max_lag: int) -> np.ndarray:
    """The autocorrelation for lags up to ``max_lag`` of the spectrally whitened residual, lag 0 at
    the centre, normalised to 1 there, with its smooth background (the host's own correlation) removed."""
    height, width = residual.shape
    rows = cv2.getOptimalDFTSize(height + max_lag)
    cols = cv2.getOptimalDFTSize(width + max_lag)
    # float64 already: numpy's FFT converts a float32 input itself, at twice the transform's cost.
    padded = np.zeros((rows, cols))
    padded[:height, :width] = residual - residual.mean()
    spectrum = np.fft.rfft2(padded)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    # Flatten the host's spectrum (its own correlation), keeping the mark's narrow spectral lines.
    power = power / (cv2.GaussianBlur(power, (0, 0), _SPECTRUM_SIGMA) + 1e-6 * float(power.mean()))
    acf = np.fft.irfft2(power, s=padded.shape).astype(np.float32)
    acf = np.roll(acf, (max_lag, max_lag), axis=(0, 1))[: 2 * max_lag + 1, : 2 * max_lag + 1]
    acf = acf / max(float(acf[max_lag, max_lag]), 1e-12)
    acf = acf - cv2.GaussianBlur(acf, (0, 0), 4.0)
    return cv2.GaussianBlur(acf, (0, 0), 0.7)


def _sample(acf: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Bilinear samples of the centred ACF at (x, y) lag points; 0 outside."""
    centre = (acf.shape[0] - 1) / 2
    xy = points.astype(np.float32) + np.float32(centre)
    # OpenCV's remap takes maps of fewer than 32,767 rows: many candidates are sampled in chunks.
    return np.concatenate(
        [
            _remap(acf, np.ascontiguousarray(part[..., 0]), np.ascontiguousarray(part[..., 1]))
            for part in np.array_split(xy, -(-len(xy) // _REMAP_ROWS))
        ]
    )


def _remap(acf: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Bilinear samples of ``acf`` at array coordinates (``xs``, ``ys``: float32, C-contiguous); 0 outside."""
    return cv2.remap(acf, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)


@lru_cache(maxsize=1)
def _lattice_offsets() -> tuple[np.ndarray, np.ndarray]:
    r = _LATTICE_RANGE
    grid = np.array([(i, j) for j in range(0, r + 1) for i in range(-r, r + 1) if j > 0 or i > 0], float)
    halves = np.array([(0.5, 0.0), (0.0, 0.5), (0.5, 0.5), (0.5, -0.5)])
    off = (grid[:, None, :] + halves[None, :, :]).reshape(-1, 2)
    return grid, off


def _mean_at(acf: np.ndarray, bases: np.ndarray, points: np.ndarray, max_lag: float) -> tuple[np.ndarray, np.ndarray]:
    """For each candidate basis, the mean ACF at ``basis @ points`` within the usable lags, and how many."""
    lags, usable = _lags(bases, points, max_lag)
    counts = usable.sum(axis=1)
    return (_sample(acf, lags) * usable).sum(axis=1) / np.maximum(counts, 1), counts


def _lags(bases: np.ndarray, points: np.ndarray, max_lag: float) -> tuple[np.ndarray, np.ndarray]:
    """The lags ``basis @ points`` (n, k, (x, y)) and which of them lie within the usable radii."""
    lags = np.matmul(bases.astype(np.float32), points.T.astype(np.float32)).transpose(0, 2, 1)
    radius = np.hypot(lags[..., 0], lags[..., 1])
    return lags, (radius >= 0.6 * _MIN_PERIOD) & (radius <= max_lag)


@lru_cache(maxsize=2)  # ~9 MB each; every canvas's short side is 256 px, so its max lag is 192
def _fixed_lags(max_lag: int) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]:
    """For the fixed candidate bases (``_fixed_bases``), on the lattice points and half-way between
    them: where ``_sample`` reads the ACF of ``max_lag`` (x and y maps for ``_remap``, those lags
    outside the usable radii moved off the ACF, where it reads 0 as ``_mean_at``'s mask makes them),
    and how many are usable. The same for every canvas of one ``max_lag`` (every canvas of the full
    short side), so made once; ~9,600 bases, within one remap call's rows."""
    plans = []
    for points in _lattice_offsets():
        lags, usable = _lags(_fixed_bases(), points, max_lag)
        lags[~usable] = _OFF_ACF
        lags += np.float32(max_lag)  # the ACF's centre
        maps = np.ascontiguousarray(lags[..., 0]), np.ascontiguousarray(lags[..., 1]), usable.sum(axis=1)
        for array in maps:
            array.flags.writeable = False  # shared by every search
        plans.append(maps)
    return tuple(plans)


def _lattice_score(acf: np.ndarray, bases: np.ndarray, max_lag: float) -> np.ndarray:
    """Mean ACF on each candidate lattice minus its mean half-way between lattice points (which a
    lattice twice too coarse, or a diagonal sub-lattice, would have high)."""
    grid, halfway = _lattice_offsets()
    on, counts = _mean_at(acf, bases, grid, max_lag)
    between, _ = _mean_at(acf, bases, halfway, max_lag)
    return np.where(counts >= 4, on - between, -np.inf)


def _fixed_lattice_score(acf: np.ndarray, max_lag: int) -> np.ndarray:
    """``_lattice_score`` of the fixed candidate bases, their lags made once per ``max_lag``."""
    (on_x, on_y, counts), (between_x, between_y, between_counts) = _fixed_lags(max_lag)
    on = _remap(acf, on_x, on_y).sum(axis=1) / np.maximum(counts, 1)
    between = _remap(acf, between_x, between_y).sum(axis=1) / np.maximum(between_counts, 1)
    return np.where(counts >= 4, on - between, -np.inf)


def _refine(acf: np.ndarray, basis: np.ndarray, max_lag: float) -> np.ndarray:
    """Least-squares fit of the basis to the sub-pixel peaks found near each predicted lattice point
    (vectorised over the points: the search refines hundreds of candidates per picture)."""
    grid, _ = _lattice_offsets()
    centre = (acf.shape[0] - 1) // 2
    steps = np.arange(-2, 3)
    for _ in range(2):
        points = grid @ basis.T  # (k, (x, y))
        radius = np.hypot(points[:, 0], points[:, 1])
        ix = np.rint(points[:, 0]).astype(np.int64) + centre
        iy = np.rint(points[:, 1]).astype(np.int64) + centre
        usable = (radius >= 0.6 * _MIN_PERIOD) & (radius <= max_lag - 2)
        usable &= (ix >= 2) & (iy >= 2) & (ix + 2 < acf.shape[1]) & (iy + 2 < acf.shape[0])
        k_arr, ix, iy = grid[usable], ix[usable], iy[usable]
        windows = acf[iy[:, None, None] + steps[None, :, None], ix[:, None, None] + steps[None, None, :]]
        wy, wx = np.divmod(windows.reshape(len(k_arr), 25).argmax(axis=1), 5)
        n = np.arange(len(k_arr))
        peak = windows[n, wy, wx]
        keep = (wy > 0) & (wy < 4) & (wx > 0) & (wx < 4) & (peak > 0)
        if keep.sum() < 3:
            return basis
        n, wy, wx, peak = n[keep], wy[keep], wx[keep], peak[keep]
        dy = _parabolas(windows[n, wy - 1, wx], peak, windows[n, wy + 1, wx])
        dx = _parabolas(windows[n, wy, wx - 1], peak, windows[n, wy, wx + 1])
        k_arr = k_arr[keep]
        p_arr = np.stack([ix[keep] - centre + wx - 2 + dx, iy[keep] - centre + wy - 2 + dy], axis=1)
        w = peak.astype(np.float64)
        kk = (k_arr * w[:, None]).T @ k_arr
        if abs(np.linalg.det(kk)) < 1e-9:
            return basis
        basis = ((p_arr * w[:, None]).T @ k_arr) @ np.linalg.inv(kk)
    return basis


def _parabolas(left: np.ndarray, centre: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``_parabola`` over arrays."""
    left, centre, right = (np.asarray(a, np.float64) for a in (left, centre, right))
    denominator = left - 2 * centre + right
    safe = np.where(denominator < 0, denominator, -1.0)
    return np.where(denominator < 0, np.clip(0.5 * (left - right) / safe, -0.5, 0.5), 0.0)


def _parabola(left: float, centre: float, right: float) -> float:
    denominator = left - 2 * centre + right
    if denominator >= 0:
        return 0.0
    return float(np.clip(0.5 * (left - right) / denominator, -0.5, 0.5))


def find_lattices(residual: np.ndarray, count: int = 3) -> list[Lattice]:
    """The most likely tile lattices in a whitened canvas, best first."""
    return list(islice(iter_lattices(residual), count))


def _usable_max_lag(residual: np.ndarray) -> int:
    return int(min(0.75 * min(residual.shape), _MAX_SCALE * TILE_PX * 1.5))


def iter_lattices(residual: np.ndarray) -> Iterator[Lattice]:
    """The tile lattices of a whitened canvas, best first by their autocorrelation score, refined
    and distinct; lazily, so a caller that needs a few pays for a few (``LatticeSearch.lattices``)."""
    return LatticeSearch(residual).lattices()


class LatticeSearch:
    """The lattice search on one whitened canvas: its autocorrelation, made on first use and kept,
    and the lattices found on it (``lattices``; ``axis_aligned``: unrotated square ones)."""

    def __init__(self, residual: np.ndarray) -> None:
        self.residual = residual
        self.max_lag = _usable_max_lag(residual)

    @cached_property
    def acf(self) -> np.ndarray | None:
        """The autocorrelation (``autocorrelation``), None when the canvas is too small for two periods."""
        if self.max_lag < _MIN_PERIOD * 2:
            return None
        return autocorrelation(self.residual, self.max_lag)

    def lattices(self) -> Iterator[Lattice]:
        """``iter_lattices``: best first by autocorrelation score, refined and distinct, lazily."""
        acf = self.acf
        if acf is None:
            return
        max_lag = self.max_lag
        centre = max_lag
        local_max = acf >= cv2.dilate(acf, np.ones((5, 5), np.uint8))
        ys, xs = np.nonzero(local_max & (acf > 0))
        dy, dx = ys - centre, xs - centre
        radius = np.hypot(dx, dy)
        keep = (radius >= _MIN_PERIOD) & (radius <= _MAX_SCALE * TILE_PX * 1.42) & ((dy > 0) | ((dy == 0) & (dx > 0)))
        order = np.argsort(-acf[ys[keep], xs[keep]], kind="stable")[:_PEAKS]
        peaks = np.stack([dx[keep][order], dy[keep][order]], axis=1).astype(np.float64)
        if len(peaks) == 0:
            return
        candidates = []
        c45, s45 = np.cos(np.pi / 4), np.sin(np.pi / 4)
        for p in peaks:
            diagonal = np.array([c45 * p[0] + s45 * p[1], -s45 * p[0] + c45 * p[1]]) / np.sqrt(2)
            for a1 in (p, p / 2, diagonal):
                length = np.hypot(*a1)
                if not _MIN_PERIOD <= length <= _MAX_SCALE * TILE_PX:
                    continue
                angle = np.arctan2(a1[1], a1[0])
                angle = (angle + np.pi / 4) % (np.pi / 2) - np.pi / 4
                c, s = np.cos(angle), np.sin(angle)
                candidates.append(length * np.array([[c, -s], [s, c]]))
        candidates += _affine_candidates(peaks[:_PAIR_PEAKS])
        found = np.array(candidates).reshape(-1, 2, 2)
        scores = np.concatenate([_lattice_score(acf, found, max_lag), _fixed_lattice_score(acf, max_lag)])
        yield from _refined(acf, np.concatenate([found, _fixed_bases()]), max_lag, scores)

    def axis_aligned(self, count: int) -> list[Lattice]:
        """Up to ``count`` unrotated square lattices where the autocorrelation's lattice score peaks
        along scale alone (``axis_candidates``), best first."""
        return [] if self.acf is None else axis_candidates(self.acf, self.max_lag, count)


def iter_similarity_lattices(residual: np.ndarray, axis_aligned: int = 0) -> Iterator[Lattice]:
    """Square lattices of any rotation and scale (``similarity_candidates``) of a residual, best first
    by their autocorrelation score, refined and distinct, lazily: the search for pictures whose
    lattice peaks are too weak to be among the autocorrelation's highest (fine texture), where
    ``iter_lattices`` offers rotations only near its peaks.

    With ``axis_aligned``, first up to that many unrotated square lattices (``axis_candidates``).
    """
    search = LatticeSearch(residual)
    if search.acf is None:
        return
    yield from search.axis_aligned(axis_aligned) if axis_aligned else ()
    yield from _refined(search.acf, similarity_candidates(search.acf, search.max_lag), search.max_lag)


def _refined(
    acf: np.ndarray, bases: np.ndarray, max_lag: int, scores: np.ndarray | None = None
) -> Iterator[Lattice]:
    """Candidate bases best first by their lattice score (``scores``, or ``_lattice_score``), each
    refined on the ACF's peaks, skipping those that refine onto a lattice already given."""
    scores = _lattice_score(acf, bases, max_lag) if scores is None else scores
    found = np.empty((0, 2, 2))

    def distance(basis: np.ndarray) -> float:  # to the nearest lattice already given
        return float(np.abs(found - basis).max(axis=(1, 2)).min()) if len(found) else np.inf

    # At most _EXAMINED candidates are refined: where the autocorrelation has few distinct lattices,
    # walking all ~40,000 candidates for more would cost seconds.
    for index in np.argsort(-scores, kind="stable")[:_EXAMINED]:
        if not np.isfinite(scores[index]) or scores[index] <= 0:
            return
        if distance(bases[index]) < 1.0:
            continue  # refines onto a lattice already given (refining is the costly step)
        basis = _refine(acf, bases[index], max_lag)
        if distance(basis) < 2.0:
            continue
        found = np.concatenate([found, basis[None]])
        yield Lattice(basis=basis, score=float(scores[index]))


def reduce_basis(basis: np.ndarray) -> np.ndarray:
    """The Lagrange-Gauss reduced form of a lattice basis (two shortest independent vectors), in the
    canonical order: positive determinant, first vector within 45 degrees of the x axis."""
    return reduce_bases(basis[None])[0]


def reduce_bases(bases: np.ndarray) -> np.ndarray:
    """``reduce_basis`` over a stack of bases (n x 2 x 2), all at once: the wide search reduces
    hundreds of peak pairs per picture, where one call each cost more than the rest of the ranking."""
    b1, b2 = bases[:, :, 0].astype(np.float64), bases[:, :, 1].astype(np.float64)

    def norm(v: np.ndarray) -> np.ndarray:
        return v[:, 0] * v[:, 0] + v[:, 1] * v[:, 1]

    def swapped(where: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.where(where[:, None], b, a), np.where(where[:, None], a, b)

    b1, b2 = swapped(norm(b1) > norm(b2), b1, b2)
    active = np.ones(len(b1), dtype=bool)
    for _ in range(16):
        # np.rint rounds halves to even, as Python's round() does.
        mu = np.rint((b1[:, 0] * b2[:, 0] + b1[:, 1] * b2[:, 1]) / norm(b1))
        active &= mu != 0
        if not active.any():
            break
        b2 = np.where(active[:, None], b2 - mu[:, None] * b1, b2)
        b1, b2 = swapped(active & (norm(b2) < norm(b1)), b1, b2)
    b2 = np.where((b1[:, 0] * b2[:, 1] - b1[:, 1] * b2[:, 0] < 0)[:, None], -b2, b2)
    for _ in range(4):  # a quarter turn of the pair keeps the lattice: (b1, b2) -> (b2, -b1)
        turn = ~((np.abs(b1[:, 1]) <= np.abs(b1[:, 0])) & (b1[:, 0] > 0))
        if not turn.any():
            break
        b1, b2 = np.where(turn[:, None], b2, b1), np.where(turn[:, None], -b1, b2)
    return np.stack([b1, b2], axis=2)


def within_bounds(basis: np.ndarray) -> bool:
    """Whether a reduced basis is a rotation, scale, aspect change and shear within the search bounds."""
    return bool(_within_bounds(basis[None])[0])


def _within_bounds(bases: np.ndarray) -> np.ndarray:
    """``within_bounds`` over a stack of reduced bases (n x 2 x 2 -> n booleans)."""
    affine = bases / TILE_PX
    singular = np.linalg.svd(affine, compute_uv=False)
    scale = np.sqrt(singular[:, 0] * singular[:, 1])
    # Undo the rotation of the first vector; what is left is upper triangular: [[sx, k], [0, sy]].
    angle = np.arctan2(affine[:, 1, 0], affine[:, 0, 0])
    c, s = np.cos(angle), np.sin(angle)
    sx = c * affine[:, 0, 0] + s * affine[:, 1, 0]
    shear = c * affine[:, 0, 1] + s * affine[:, 1, 1]
    sy = -s * affine[:, 0, 1] + c * affine[:, 1, 1]
    positive = (singular[:, 1] > 0) & (sx > 0) & (sy > 0)
    sy_safe = np.where(positive, sy, 1.0)
    return (
        positive
        & (_MIN_PERIOD / TILE_PX <= scale)
        & (scale <= _MAX_SCALE)
        & (1 / MAX_ASPECT <= sx / sy_safe)
        & (sx / sy_safe <= MAX_ASPECT)
        & (np.abs(shear / sy_safe) <= MAX_SHEAR)
    )


def _affine_candidates(peaks: np.ndarray) -> list[np.ndarray]:
    """Lattice bases spanned by pairs of ACF peaks (and their halves), reduced, within the bounds:
    the candidates for unequal horizontal and vertical scales and shear."""
    vectors = np.array([v for p in peaks for v in (p, p / 2)], dtype=np.float64).reshape(-1, 2)
    first, second = np.triu_indices(len(vectors), k=1)
    a, b = vectors[first], vectors[second]
    cross = np.abs(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])
    spread = cross >= 0.25 * np.hypot(a[:, 0], a[:, 1]) * np.hypot(b[:, 0], b[:, 1])  # not nearly collinear
    if not spread.any():
        return []
    reduced = reduce_bases(np.stack([a[spread], b[spread]], axis=2))
    return list(reduced[_within_bounds(reduced)])


@lru_cache(maxsize=1)
def _near_identity_bases() -> np.ndarray:
    """A fine grid of mild edits (crop or zoom, small rotations), where most real images end up."""
    scales = np.exp(np.arange(np.log(0.8), np.log(1.4), 0.004))
    angles = np.radians(np.arange(-5.0, 5.01, 0.25))
    s, a = np.meshgrid(scales, angles, indexing="ij")
    c, n = np.cos(a).ravel(), np.sin(a).ravel()
    bases = np.stack([np.stack([c, -n], -1), np.stack([n, c], -1)], axis=1) * (TILE_PX * s.ravel())[:, None, None]
    return bases


def similarity_candidates(acf: np.ndarray, max_lag: int, count: int = _POLAR_PEAKS) -> np.ndarray:
    """Square lattices (any rotation and scale) where the autocorrelation's lattice score peaks, found
    for all of them at once: in log-polar lag coordinates a rotation and scale of the lattice is a
    shift, so the score of every (angle, scale) is a circular correlation of the log-polar ACF with
    the unit lattice's points (their mean, less the mean half-way between them, as in
    ``_lattice_score``). ``count`` bases of the highest local maxima, best first."""
    low, step = _polar_axis(max_lag)
    # A square lattice is the same after a quarter turn: the two quarters of the (symmetric) ACF's
    # half turn are summed, and the angle runs over a quarter turn.
    angles = np.arange(2 * _POLAR_ANGLES) * (np.pi / 2 / _POLAR_ANGLES)
    radii = np.exp(low + step * np.arange(_POLAR_RADII))
    xy = np.stack([radii[None, :] * np.cos(angles)[:, None], radii[None, :] * np.sin(angles)[:, None]], -1)
    polar = _sample(acf, xy)
    image = np.zeros((_POLAR_ANGLES, 2 * _POLAR_RADII))  # zero padding: no wrap-around in log radius
    image[:, :_POLAR_RADII] = polar[:_POLAR_ANGLES] + polar[_POLAR_ANGLES:]
    combs, scales = _polar_combs(max_lag)
    spectrum = np.fft.rfft2(image)
    # score[a, d]: the mean of image[a + a_p, r_p + d] over the comb's points p (a turn by a, a scale
    # of exp(d * step)).
    on, between = (np.fft.irfft2(spectrum * comb, s=image.shape) / inside[None, :] for comb, inside in combs)
    score = np.where(np.isfinite(scales)[None, :], on - between, -np.inf).astype(np.float32)
    local = (score >= cv2.dilate(score, np.ones((5, 5), np.uint8))) & np.isfinite(score)
    rows, cols = np.nonzero(local)
    order = np.argsort(-score[rows, cols], kind="stable")[:count]
    theta = angles[rows[order]]
    scale = scales[cols[order]]
    c, n = np.cos(theta), np.sin(theta)
    return np.stack([np.stack([c, -n], -1), np.stack([n, c], -1)], axis=1) * (TILE_PX * scale)[:, None, None]


def axis_candidates(acf: np.ndarray, max_lag: int, count: int) -> list[Lattice]:
    """Unrotated square lattices (a crop and a resize, the edits platforms make most) where the ACF's
    lattice score (``_lattice_score``) peaks along scale, best first: the score of every scale within
    the bounds at ``_AXIS_STEP``, its ``count`` highest local maxima, each scale interpolated between
    the steps (a parabola through the peak and its neighbours: the fold's sync peak is only about 1 %
    wide in scale). Not refined on the ACF: on fine texture refining pulls them onto the texture's
    own peaks.

    On fine texture a crop-and-resize lattice's score is outranked by hundreds of the texture's
    own lattices of other rotations (grass 1080p after the social chain: 570th of the similarity
    search's peaks), but among unrotated ones it is among the first few (4th-17th there, 1st after
    a crop to 30 %), so they are cheap extra candidates for the sync ranking.
    """
    logs = np.arange(np.log(_MIN_PERIOD / TILE_PX), np.log(_MAX_SCALE), _AXIS_STEP)
    bases = np.eye(2)[None] * (TILE_PX * np.exp(logs))[:, None, None]
    score = _lattice_score(acf, bases, max_lag).astype(np.float64)
    inner = np.arange(1, len(score) - 1)
    left, centre, right = score[inner - 1], score[inner], score[inner + 1]
    peaks = inner[np.isfinite(left) & np.isfinite(right) & (centre >= left) & (centre > right)]
    peaks = peaks[np.argsort(-score[peaks], kind="stable")[:count]]
    offsets = _parabolas(score[peaks - 1], score[peaks], score[peaks + 1])
    scales = np.exp(logs[peaks] + offsets * _AXIS_STEP)
    return [
        Lattice(basis=np.eye(2) * TILE_PX * scale, score=float(score[peak]))
        for scale, peak in zip(scales, peaks, strict=True)
    ]


def _polar_axis(max_lag: int) -> tuple[float, float]:
    """The log radius of the first polar bin and the step between bins."""
    low = float(np.log(0.6 * _MIN_PERIOD))
    return low, (float(np.log(max_lag)) - low) / (_POLAR_RADII - 1)


@lru_cache(maxsize=8)
def _polar_combs(max_lag: int) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """For the unit lattice's points and for its half-way points: the conjugate spectrum of their comb
    on the polar grid and, per radial shift, how many of them stay inside the grid; and the scale of
    each radial shift (inf outside the search bounds or where fewer than 4 lattice points remain)."""
    low, step = _polar_axis(max_lag)
    width = 2 * _POLAR_RADII
    shifts = np.fft.fftfreq(width, 1.0 / width).astype(int)
    scales = np.exp(shifts * step)
    usable = (scales >= _MIN_PERIOD / TILE_PX) & (scales <= _MAX_SCALE)
    combs = []
    for points in _lattice_offsets():
        comb = np.zeros((_POLAR_ANGLES, width))
        bins = np.rint((np.log(TILE_PX * np.hypot(points[:, 0], points[:, 1])) - low) / step).astype(int)
        quarter = np.arctan2(points[:, 1], points[:, 0]) % (np.pi / 2)
        rows = np.rint(quarter / (np.pi / 2) * _POLAR_ANGLES).astype(int) % _POLAR_ANGLES
        np.add.at(comb, (rows, bins % width), 1.0)
        moved = bins[None, :] + shifts[:, None]
        inside = ((moved >= 0) & (moved < _POLAR_RADII)).sum(axis=1)
        combs.append((np.conj(np.fft.rfft2(comb)), np.maximum(inside, 1).astype(np.float64)))
        if len(combs) == 1:
            usable &= inside >= 4
    return combs, np.where(usable, scales, np.inf)


@lru_cache(maxsize=1)
def _fixed_bases() -> np.ndarray:
    """The candidate bases every lattice search ranks whatever the picture: mild edits, aspect changes."""
    return np.concatenate([_near_identity_bases(), _aspect_bases()])


@lru_cache(maxsize=1)
def _aspect_bases() -> np.ndarray:
    """A grid of axis-aligned lattices with independent horizontal and vertical scales (a platform
    fitting the picture to its own aspect), within ``MAX_ASPECT``."""
    scales = np.exp(np.arange(np.log(0.7), np.log(1.5), 0.01))
    sx, sy = np.meshgrid(scales, scales, indexing="ij")
    keep = np.abs(np.log(sx / sy)) <= np.log(MAX_ASPECT)
    bases = np.zeros((int(keep.sum()), 2, 2))
    bases[:, 0, 0] = TILE_PX * sx[keep]
    bases[:, 1, 1] = TILE_PX * sy[keep]
    return bases


@lru_cache(maxsize=4)
def pixel_grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The x and y coordinates of every pixel of a ``height`` x ``width`` canvas, row by row (float64, cached)."""
    ys, xs = np.mgrid[0:height, 0:width]
    return xs.reshape(-1).astype(np.float64), ys.reshape(-1).astype(np.float64)


def fold(residual: np.ndarray, basis: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    """Average the canvas onto one TILE_PX x TILE_PX tile along the lattice (bilinear splatting);
    with ``weight`` (the canvas's shape), the weighted mean."""
    if unedited(basis):
        return _fold_aligned(residual, weight)
    xs, ys = pixel_grid(*residual.shape)
    inverse = np.linalg.inv(basis) * TILE_PX
    u = inverse[0, 0] * xs + inverse[0, 1] * ys
    v = inverse[1, 0] * xs + inverse[1, 1] * ys
    u0, v0 = np.floor(u), np.floor(v)
    fu, fv = u - u0, v - v0
    iu, iv = u0.astype(np.int64) % TILE_PX, v0.astype(np.int64) % TILE_PX
    values = residual.reshape(-1).astype(np.float64)
    pixel_weight = None if weight is None else weight.reshape(-1).astype(np.float64)
    if pixel_weight is not None:
        values = values * pixel_weight
    size = TILE_PX * TILE_PX
    sums = np.zeros(size)
    counts = np.zeros(size)
    for du, dv, share in ((0, 0, (1 - fu) * (1 - fv)), (1, 0, fu * (1 - fv)), (0, 1, (1 - fu) * fv), (1, 1, fu * fv)):
        index = ((iv + dv) % TILE_PX) * TILE_PX + (iu + du) % TILE_PX
        sums += np.bincount(index, weights=values * share, minlength=size)
        counts += np.bincount(index, weights=share if pixel_weight is None else share * pixel_weight, minlength=size)
    tile = sums / np.maximum(counts, 1e-9)
    tile = tile.reshape(TILE_PX, TILE_PX)
    return tile - tile.mean()


def fold_fast(residual: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """``fold`` by resampling: the canvas warped into tile coordinates (bilinear), then summed tile by
    tile. Coarser than ``fold`` (sampling, not splatting) and an order of magnitude cheaper, so a
    decoder can rank many candidate lattices by their sync peak before folding the best properly.
    ``residual`` may also be given as ``with_coverage(residual)``, made once for many folds."""
    height, width = residual.shape[:2]
    forward = basis / TILE_PX  # tile-pixel (u, v) -> canvas (x, y)
    inverse = np.linalg.inv(forward)
    corners = inverse @ np.array([[0, width, 0, width], [0, 0, height, height]], dtype=np.float64)
    low = np.floor(corners.min(axis=1) / TILE_PX) * TILE_PX
    high = np.ceil(corners.max(axis=1) / TILE_PX) * TILE_PX
    size_u, size_v = int(high[0] - low[0]), int(high[1] - low[1])
    if size_u * size_v > 64 * height * width:  # a degenerate lattice
        return np.zeros((TILE_PX, TILE_PX))
    # Output pixel (u', v') samples canvas forward @ (u' + low_u, v' + low_v): tile phase kept.
    matrix = np.hstack([forward, (forward @ low)[:, None]]).astype(np.float64)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    # Two one-channel warps (OpenCV's two-channel warp is several times slower than two of these).
    plane, coverage = (residual[..., 0], residual[..., 1]) if residual.ndim == 3 else (residual, None)
    plane = plane if plane.dtype == np.float32 else plane.astype(np.float32)
    coverage = np.ones(plane.shape, np.float32) if coverage is None else coverage
    shape = (size_v // TILE_PX, TILE_PX, size_u // TILE_PX, TILE_PX)
    sums = [
        cv2.warpAffine(source, matrix, (size_u, size_v), flags=flags, borderValue=0).reshape(shape).sum(axis=(0, 2))
        for source in (plane, coverage)
    ]
    tile = sums[0] / np.maximum(sums[1], 1e-6)
    tile = tile.astype(np.float64)
    return tile - tile.mean()


def with_coverage(residual: np.ndarray) -> np.ndarray:
    """The residual (float32) and a plane of ones stacked on a last axis of two, the form ``fold_fast``
    takes to skip making both for every fold (a decoder ranking many lattices makes it once)."""
    return np.stack([residual.astype(np.float32), np.ones(residual.shape, np.float32)], axis=-1)


def sync_peaks(tiles: np.ndarray, template_spectra: np.ndarray) -> np.ndarray:
    """``align(tile).z`` for a stack of folded tiles at once (n x TILE_PX x TILE_PX -> n): the ranking of
    many candidate lattices needs the peak's height only, and one batched transform is cheaper."""
    spectra = np.fft.rfft2(tiles)
    half = template_spectra[..., : TILE_PX // 2 + 1]
    surfaces = np.fft.irfft2(spectra[:, None] * half[None], s=(TILE_PX, TILE_PX)).reshape(len(tiles), -1)
    return (surfaces.max(axis=1) - surfaces.mean(axis=1)) / (surfaces.std(axis=1) + 1e-12)


def sharpen_lattice(
    residual: np.ndarray, basis: np.ndarray, template_spectra: np.ndarray, step: float = 1.0, finest: float = 0.125
) -> np.ndarray:
    """Refine a lattice basis by pattern search on the sync template's peak (``align`` on ``fold_fast``):
    each of the four entries moves by ``step`` canvas pixels while the peak grows, then the step halves
    down to ``finest``. A slightly wrong basis smears the fold over many tiles; this undoes it.
    ``residual`` as for ``fold_fast``."""
    residual = residual if residual.ndim == 3 else with_coverage(residual)
    best = align(fold_fast(residual, basis), template_spectra).z
    while step >= finest:
        improved = True
        while improved:
            improved = False
            for index in ((0, 0), (0, 1), (1, 0), (1, 1)):
                for delta in (step, -step):
                    trial = basis.copy()
                    trial[index] += delta
                    z = align(fold_fast(residual, trial), template_spectra).z
                    if z > best:
                        best, basis, improved = z, trial, True
        step /= 2
    return basis


def _fold_aligned(residual: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    height, width = residual.shape
    rows, cols = -(-height // TILE_PX) * TILE_PX, -(-width // TILE_PX) * TILE_PX
    shape = (rows // TILE_PX, TILE_PX, cols // TILE_PX, TILE_PX)
    padded = np.zeros((rows, cols))
    padded[:height, :width] = residual if weight is None else residual * weight
    if weight is None:  # how many tiles cover each tile pixel: rows' count times columns'
        counts = np.outer(_tiles_covering(height), _tiles_covering(width))
    else:
        covered = np.zeros((rows, cols))
        covered[:height, :width] = weight
        counts = covered.reshape(shape).sum(axis=(0, 2))
    tile = padded.reshape(shape).sum(axis=(0, 2)) / counts
    return tile - tile.mean()


def _tiles_covering(length: int) -> np.ndarray:
    """For each of a tile's TILE_PX positions along one axis, how many tiles of a canvas ``length`` long cover it."""
    return (length // TILE_PX + (np.arange(TILE_PX) < length % TILE_PX)).astype(np.float64)


def align(tile: np.ndarray, template_spectra: np.ndarray) -> Alignment:
    """Find the dihedral variant and cyclic shift that best match the sync template to a folded tile.

    ``template_spectra`` holds the conjugate spectra of the template's eight variants
    (``TileLayout.sync_spectra``).
    """
    # Real input, real output: the half spectra carry it all (half the work of the full transforms).
    spectrum = np.fft.rfft2(tile)
    norm = np.sqrt(np.sum(tile**2)) * np.sqrt(np.sum(np.abs(template_spectra[0]) ** 2)) / TILE_PX + 1e-12
    half = template_spectra[..., : TILE_PX // 2 + 1]
    surfaces = np.fft.irfft2(spectrum[None] * half, s=(TILE_PX, TILE_PX)) / norm
    best = int(np.argmax(surfaces))
    variant, row, col = np.unravel_index(best, surfaces.shape)
    surface = surfaces[variant]
    peak = float(surface[row, col])
    dy = _parabola(surface[row - 1, col], peak, surface[(row + 1) % TILE_PX, col])
    dx = _parabola(surface[row, col - 1], peak, surface[row, (col + 1) % TILE_PX])
    spread = float(surfaces.std()) + 1e-12
    return Alignment(
        variant=int(variant),
        shift=(float(row) + dy, float(col) + dx),
        peak=peak,
        z=(peak - float(surfaces.mean())) / spread,
    )


def whiten_tile(tile: np.ndarray, sigma: float = _TILE_SPECTRUM_SIGMA) -> np.ndarray:
    """A folded tile with its spectrum divided by its own smoothed power spectrum (Gaussian, ``sigma``
    frequency bins, periodic): where the host dominates the fold, that power is the host's, so the
    sync template's and the cells' matched filters on the result are the matched filters for the
    host's coloured noise (what is left of a texture after the whitening of the canvas)."""
    spectrum = np.fft.fft2(tile)
    power = spectrum.real**2 + spectrum.imag**2
    reach = 3 * int(np.ceil(sigma))
    padded = np.pad(power, reach, mode="wrap")
    smooth = cv2.GaussianBlur(padded, (0, 0), sigma)[reach:-reach, reach:-reach]
    out = np.real(np.fft.ifft2(spectrum / (smooth + 1e-9 * float(smooth.mean()) + 1e-30)))
    return out - out.mean()


def unshift(tile: np.ndarray, shift: tuple[float, float]) -> np.ndarray:
    """Cyclically shift ``tile`` back by a fractional ``shift`` (dy, dx) (exact for periodic tiles)."""
    fy = np.fft.fftfreq(TILE_PX)[:, None]
    fx = np.fft.fftfreq(TILE_PX)[None, :]
    phase = np.exp(2j * np.pi * (fy * shift[0] + fx * shift[1]))
    return np.real(np.fft.ifft2(np.fft.fft2(tile) * phase))
