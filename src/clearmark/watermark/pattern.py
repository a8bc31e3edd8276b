"""The keyed tile: which cells carry sync and which carry payload bits, and how a tile is rendered.

A tile is ``CELLS x CELLS`` cells; the mark repeats it across a canvas whose short side is
``CANVAS_SHORT_SIDE`` pixels, ``CELL_PX`` pixels per cell, so the tile period scales with the image.
The canvas is resampled to the image, so the mark lives in the same band of every resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from clearmark.watermark.keys import keyed_bits, keyed_permutation
from clearmark.watermark.payload import CODED_BITS

CELLS = 32
CELL_PX = 2
TILE_PX = CELLS * CELL_PX  # 64 canvas pixels
CANVAS_SHORT_SIDE = 256
CELLS_PER_BIT = 4
PAYLOAD_CELLS = CODED_BITS * CELLS_PER_BIT  # 752
SYNC_CELLS = CELLS * CELLS - PAYLOAD_CELLS  # 272
# Shaping of the rendered tile (canvas pixels): a light smoothing, then a high-pass that keeps the
# mark out of the band where the host image is strongest and which the decoder whitens away.
_SMOOTH_SIGMA = 0.25
_HIGHPASS_SIGMA = 1.1


@dataclass(frozen=True)
class TileLayout:
    """Where each cell's value comes from, under one key."""

    sync_cells: np.ndarray  # flat cell indices
    sync_signs: np.ndarray  # +-1 per sync cell
    payload_cells: np.ndarray  # flat cell indices, PAYLOAD_CELLS
    payload_bits: np.ndarray  # codeword bit index per payload cell
    payload_chips: np.ndarray  # +-1 per payload cell
    sync_template: np.ndarray  # the rendered sync part of the tile, TILE_PX x TILE_PX
    sync_spectra: np.ndarray  # conjugate spectra of the template's 8 dihedral variants, for alignment

    def cell_values(
        self,
        channel_bits: np.ndarray,
        amplitudes: np.ndarray | None = None,
        sync_amplitudes: np.ndarray | None = None,
    ) -> np.ndarray:
        """The CELLS x CELLS array of cell values carrying ``channel_bits``; optional amplitudes per
        bit and per sync cell (default 1)."""
        values = np.zeros(CELLS * CELLS, dtype=np.float64)
        values[self.sync_cells] = self.sync_signs if sync_amplitudes is None else self.sync_signs * sync_amplitudes
        signs = 1.0 - 2.0 * channel_bits.astype(np.float64)
        if amplitudes is not None:
            signs = signs * amplitudes
        values[self.payload_cells] = self.payload_chips * signs[self.payload_bits]
        return values.reshape(CELLS, CELLS)

    def sync_responses(self, cell_responses: np.ndarray) -> np.ndarray:
        """Each sync cell's response times its sign (positive: agrees with the template)."""
        return cell_responses.reshape(-1)[self.sync_cells] * self.sync_signs

    def soft_bits(self, cell_responses: np.ndarray) -> np.ndarray:
        """Per codeword bit, the chip-weighted sum of its cells' responses (positive: bit 0)."""
        flat = cell_responses.reshape(-1)[self.payload_cells] * self.payload_chips
        return np.bincount(self.payload_bits, weights=flat, minlength=CODED_BITS)


@lru_cache(maxsize=1)
def shaping_response() -> np.ndarray:
    """The real, symmetric transfer function (TILE_PX x TILE_PX) applied to an upsampled cell grid."""
    f = np.fft.fftfreq(TILE_PX)
    f2 = f[:, None] ** 2 + f[None, :] ** 2
    smooth = np.exp(-2 * np.pi**2 * _SMOOTH_SIGMA**2 * f2)
    highpass = 1.0 - np.exp(-2 * np.pi**2 * _HIGHPASS_SIGMA**2 * f2)
    return smooth * highpass


def render_cells(cells: np.ndarray) -> np.ndarray:
    """The shaped, periodic TILE_PX x TILE_PX rendering of a CELLS x CELLS grid (unnormalised)."""
    upsampled = cells.repeat(CELL_PX, axis=0).repeat(CELL_PX, axis=1)
    return np.real(np.fft.ifft2(np.fft.fft2(upsampled) * shaping_response()))


def cell_responses(tile: np.ndarray) -> np.ndarray:
    """The matched filter of ``render_cells``: each cell's correlation with an aligned tile."""
    filtered = np.real(np.fft.ifft2(np.fft.fft2(tile) * shaping_response()))
    return filtered.reshape(CELLS, CELL_PX, CELLS, CELL_PX).sum(axis=(1, 3))


def dihedral(tile: np.ndarray, variant: int) -> np.ndarray:
    """One of the eight right-angle rotations/mirrors of a square array."""
    out = np.rot90(tile, variant % 4)
    return out.T if variant >= 4 else out


def undo_dihedral(tile: np.ndarray, variant: int) -> np.ndarray:
    """The inverse of ``dihedral``."""
    out = tile.T if variant >= 4 else tile
    return np.rot90(out, -(variant % 4))


@lru_cache(maxsize=8)
def tile_layout(key: bytes) -> TileLayout:
    """The layout of the tile under ``key`` (cached: it is the same for every image)."""
    order = keyed_permutation(key, "tile-cells", CELLS * CELLS)
    sync_cells = np.sort(order[:SYNC_CELLS])
    payload_cells = order[SYNC_CELLS:]
    sync_signs = 1.0 - 2.0 * keyed_bits(key, "sync-signs", SYNC_CELLS).astype(np.float64)
    chips = 1.0 - 2.0 * keyed_bits(key, "payload-chips", PAYLOAD_CELLS).astype(np.float64)
    payload_bits = np.arange(PAYLOAD_CELLS) % CODED_BITS
    sync_grid = np.zeros(CELLS * CELLS)
    sync_grid[sync_cells] = sync_signs
    template = render_cells(sync_grid.reshape(CELLS, CELLS))
    template -= template.mean()
    spectra = np.conj(np.stack([np.fft.fft2(dihedral(template, variant)) for variant in range(8)]))
    return TileLayout(
        sync_cells=sync_cells,
        sync_signs=sync_signs,
        payload_cells=payload_cells,
        payload_bits=payload_bits,
        payload_chips=chips,
        sync_template=template,
        sync_spectra=spectra,
    )


def render_tile(
    key: bytes,
    channel_bits: np.ndarray,
    amplitudes: np.ndarray | None = None,
    sync_amplitudes: np.ndarray | None = None,
) -> np.ndarray:
    """The zero-mean, unit-RMS tile carrying ``channel_bits`` under ``key`` (optional amplitudes)."""
    tile = render_cells(tile_layout(key).cell_values(channel_bits, amplitudes, sync_amplitudes))
    tile -= tile.mean()
    return tile / np.sqrt(np.mean(tile**2))


def canvas_size(width: int, height: int) -> tuple[int, int]:
    """The (width, height) of the working canvas of an image: short side CANVAS_SHORT_SIDE."""
    scale = CANVAS_SHORT_SIDE / min(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def tiled(tile: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``tile`` repeated over a canvas of ``shape`` from its top-left corner (float32): the unedited lattice."""
    reps = (-(-shape[0] // TILE_PX), -(-shape[1] // TILE_PX))
    return np.ascontiguousarray(np.tile(tile.astype(np.float32), reps)[: shape[0], : shape[1]])


def unedited(basis: np.ndarray) -> bool:
    """Whether a lattice basis is the embedder's own: the tile unscaled, unrotated, unsheared."""
    return bool(np.array_equal(basis, np.eye(2) * TILE_PX))
