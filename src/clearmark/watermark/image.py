"""ClearMark's image watermark: embed a keyed 64-bit payload, decode it after edits and attacks.

Embedding adds a smooth luminance pattern: a keyed tile (sync cells + BCH-coded payload cells) repeated
over a canvas whose short side is 256 px, weighted by the picture's masking map (more where it is busy,
see ``masking``), resampled to the image and scaled to a fixed PSNR. Decoding whitens the canvas,
recovers the tile lattice from the autocorrelation (scale, rotation, unequal x/y scales, shear, crop),
folds the canvas onto one tile, aligns the keyed sync template, decodes the payload and checks that
the mark's strength follows this picture's masking map (``binding``: a transplanted mark does not).
When the few lattices the autocorrelation ranks best do not decode, many more are ranked by the sync
peak on a cheap fold (among them unrotated ones found along scale alone: a crop and a resize), blunt
ones are sharpened on that peak, and a word beyond the BCH radius gets ordered-statistics decoding
(accepted within 24 bit errors, behind a clear sync peak). A lattice whose fold does not decode
behind a clear sync peak is folded once more, matched to the mark's strength and the host's spectrum.

The work is frame-oriented: ``mark_for_luma`` and ``decode_luma`` take one 2-D luma plane (0..255) and
know nothing of files or colour, so video frames (their Y plane) and, as a model, audio frames use
the same calls; ``embed_watermark``/``decode_watermark`` are the PIL wrappers for still images.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, partial
from itertools import chain, islice

import cv2
import numpy as np
from PIL import Image

from clearmark.watermark.binding import Binding, expected_tile, lay_tile, measure_binding
from clearmark.watermark.masking import masking_gain
from clearmark.watermark.pattern import (
    CANVAS_SHORT_SIDE,
    TILE_PX,
    TileLayout,
    canvas_size,
    cell_responses,
    render_tile,
    tile_layout,
    tiled,
    undo_dihedral,
)
from clearmark.watermark.payload import PAYLOAD_BYTES, frame_payload, unframe_payload
from clearmark.watermark.sync import (
    Alignment,
    LatticeSearch,
    align,
    basis_rotation_deg,
    basis_scale,
    fine_texture,
    fold,
    fold_fast,
    highpass,
    iter_similarity_lattices,
    sharpen_lattice,
    sync_peaks,
    texture_residual,
    unshift,
    whiten_tile,
    whiten_weighted,
    with_coverage,
)

MIN_EMBED_SIDE = 256
MIN_DECODE_SIDE = 64
DEFAULT_PSNR_DB = 42.2
_MARGIN = 1.0
_SYNC_MARGIN = 1.0
# The informed amplitudes stay within this range of the nominal 1: they cancel the host's projection
# on the whole fold, which a heavy crop does not keep (a crop to 30 % keeps about 5 of the 16 tile
# copies at 512², whose host projections are a different draw), so energy moved between bits to
# cancel it is mostly lost there. The former 0.2-6 spent up to 6x on some bits and almost nothing
# on others; 0.7-1.4 keeps most of the cancellation for unedited and same-geometry attacks and
# reads fewer raw bit errors after a crop (docs/benchmarks.md, "Watermark: informed amplitudes
# within 0.7-1.4": 512² crop to 30 %, 121 -> 84 errors over the 14 pictures; JPEG q20 185 -> 119).
_MIN_AMPLITUDE = 0.7
_MAX_AMPLITUDE = 1.4
_TARGET_RMS = 1.9
_ITERATIONS = 5
_MIN_SYNC_Z = 4.0
_CHASE_SYNC_Z = 6.0
_CHASE_FLIPS = 6
# Beyond the BCH radius, ordered-statistics decoding may accept a codeword within this many bit errors
# when the sync peak is this clear (a random word gets that close with probability 7e-8, see bch).
_OSD_SYNC_Z = 6.0
_OSD_MAX_ERRORS = 24
# ... or a codeword further away whose soft score outside OSD's information set reaches this
# (``bch.BchCode.osd_search``): on a word that holds no codeword the best of OSD's 2081 candidates
# scores this high with probability at most 2081 * 3.18 * Q(7.0) = 8.5e-9 (docs/benchmarks.md,
# "Watermark: soft acceptance behind OSD").
_OSD_MIN_SCORE = 7.0
_FIRST_LATTICES = 3
_WIDE_LATTICES = 48
_WIDE_DECODES = 4
# The wide pass ranks up to this many more lattices: the similarity search's on the texture residual.
_TEXTURE_LATTICES = 48
# ... on pictures whose fine texture (``sync.fine_texture``, grey levels) is this strong: half as much
# again as the mark's own RMS at the default PSNR (about 2), where the texture swamps the mark's
# autocorrelation (bench pictures: grass 3.6-8.6, ihc at 512² 3.3-4; other photos 0-3).
_TEXTURE_GATE = 3.0
# The wide pass also ranks unrotated square lattices (a crop and a resize) where the lattice score
# peaks along scale alone (``sync.axis_candidates``): this many on every picture's autocorrelation,
# and on fine texture this many more on the texture residual's (grass 1080p after the social chain:
# 1st-17th there). Unrefined, they count as tried only within _AXIS_TOLERANCE px of a lattice already
# ranked. The best _AXIS_SCANNED of the first kind are also ranked at these steps of scale
# (x exp(step * _AXIS_SCAN_STEP), +-0.6 %): after a heavy crop the fold's sync peak is about 0.5 %
# wide in scale, and the ACF's peak sat 0.35 % off it (grass 1080p, crop to 30 %). With about two
# tiles a side left (512², crop to 30 %) the true scale of ihc's lattice is 1st-8th of the first kind
# (17 payloads; the bench's 8th); on the other 512² bench pictures it is 1st.
_AXIS_LATTICES = 8
_TEXTURE_AXIS_LATTICES = 24
_AXIS_TOLERANCE = 0.1
_AXIS_SCANNED = 1
_AXIS_SCAN = (0, -1, 1, -2, 2, -3, 3, -4, 4)
_AXIS_SCAN_STEP = 0.0015
# The second pass decodes a ranked lattice only when its cheap fold's sync peak clears this (the
# lattices of unmarked pictures peak below it; docs/benchmarks.md, "Watermark sync").
_WIDE_SYNC_Z = 5.5
# A first-pass lattice is decoded only when its cheap fold's peak reaches this
# (91 % of unmarked pictures' first-pass lattices do not; no read of the 378 bench attacks needs less).
_FIRST_FAST_SYNC_Z = 4.5
# A ranked lattice whose sync peak is this clear carries a mark even when it fails to decode: it is
# then sharpened (see ``sync.sharpen_lattice``) and tried again.
_SHARPEN_SYNC_Z = 6.5
# A lattice whose plain fold does not decode behind a sync peak this clear is folded once more, matched
# to the mark's strength and the host's spectrum (``_decode_on_lattice``): on heavy crops 13-70 %
# fewer raw bit errors (grass 1080p, crop to 30 %: 43 -> 21), but more where JPEG flattened regions
# (the plain fold stays first: it is also the fold the embedder's informed amplitudes were fitted to).
_MATCHED_SYNC_Z = 5.0


@dataclass(frozen=True)
class WatermarkReading:
    """A decoded ClearMark watermark.

    Attributes:
        payload: the 8 payload bytes (a registry key, see ``payload_for_produce_id``).
        bit_errors: channel bits corrected (of 188): up to 18 by the BCH decoder; beyond that by
            ordered-statistics decoding behind a clear sync peak, within 24 or with a soft score of 7.
        confidence: agreement of the soft channel values with the decoded codeword, 0..1.
        sync_z: the sync template's correlation peak in standard deviations.
        scale: the tile period found, relative to the embedded one (1.0: no rescale relative to the
            image's short side; >1: the image was cropped or zoomed).
        rotation_deg: rotation of the tile lattice found, degrees.
        orientation: 0..7, right-angle rotations (k*90 degrees) plus 4 when mirrored.
        binding: how the mark's local strength follows this content (``binding.bound``: embedded
            into this picture, not transplanted from another).
    """

    payload: bytes
    bit_errors: int
    confidence: float
    sync_z: float
    scale: float
    rotation_deg: float
    orientation: int
    binding: Binding

    @property
    def payload_hex(self) -> str:
        return self.payload.hex()

    @property
    def content_bound(self) -> bool:
        """The mark was embedded into this content (see ``binding``)."""
        return self.binding.bound


def _rgb_array(image: Image.Image | np.ndarray) -> np.ndarray:
    if isinstance(image, np.ndarray):  # already decoded pixels (RGB, or RGBA whose alpha is ignored)
        return image[..., :3]
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.asarray(image)


def _canvas(luma: np.ndarray) -> np.ndarray:
    height, width = luma.shape
    size = canvas_size(width, height)
    interpolation = cv2.INTER_AREA if min(width, height) > CANVAS_SHORT_SIDE else cv2.INTER_LINEAR
    return cv2.resize(luma, size, interpolation=interpolation)


def _luma(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)


def embed_watermark(image: Image.Image, payload: bytes, key: bytes, *, psnr_db: float = DEFAULT_PSNR_DB) -> Image.Image:
    """Return a copy of ``image`` carrying ``payload`` under ``key``, at ``psnr_db`` from the original.

    RGBA keeps its alpha; other modes come back as RGB. The mark changes luminance only: the same
    step is added to R, G and B (see ``mark_for_luma``).

    Raises:
        ValueError: the payload is not 8 bytes, the key is empty, or the image is under 256 px a side.
    """
    alpha = image.getchannel("A") if image.mode == "RGBA" else None
    rgb = _rgb_array(image)
    step = np.rint(mark_for_luma(_luma(rgb), payload, key, psnr_db=psnr_db)).astype(np.int16)
    # OpenCV's saturating add of a uint8 and an int16 array is the clip of their sum, four times
    # faster than widening the picture to int16 in numpy.
    marked = Image.fromarray(cv2.add(rgb, cv2.merge((step, step, step)), dtype=cv2.CV_8U), "RGB")
    if alpha is not None:
        marked.putalpha(alpha)
    return marked


def mark_for_luma(luma: np.ndarray, payload: bytes, key: bytes, *, psnr_db: float = DEFAULT_PSNR_DB) -> np.ndarray:
    """The additive mark (float32, the plane's shape) for one luma plane: the frame-level embedder.

    ``luma`` is a 2-D array of 0..255 values (an RGB picture's luma, a video frame's Y plane). The
    caller adds the returned plane to its luma (or to each of R, G, B), rounds and clips; the mark's
    RMS is set so that the rounded result sits at ``psnr_db`` from the original.

    Raises:
        ValueError: the payload is not 8 bytes, the key is empty, or the plane is under 256 px a side.
    """
    if len(payload) != PAYLOAD_BYTES:
        raise ValueError(f"the payload is {PAYLOAD_BYTES} bytes, got {len(payload)}")
    if luma.ndim != 2 or min(luma.shape) < MIN_EMBED_SIDE:
        raise ValueError(f"planes need at least {MIN_EMBED_SIDE} px a side to carry the mark, got {luma.shape}")
    height, width = luma.shape
    canvas = _canvas(luma.astype(np.float32, copy=False))
    bits = frame_payload(payload, key)
    gain = masking_gain(canvas)
    amplitudes, sync_amplitudes = _informed_amplitudes(canvas, gain, key, bits)
    mark = tiled(render_tile(key, bits, amplitudes, sync_amplitudes), canvas.shape) * gain
    delta = cv2.resize(mark, (width, height), interpolation=cv2.INTER_LINEAR)
    # Rounding adds ~1/12 to the MSE; scale the mark to take the rest of the budget.
    budget = 255.0**2 / 10 ** (psnr_db / 10) - 1.0 / 12
    rms = cv2.norm(delta, cv2.NORM_L2) / np.sqrt(delta.size)
    delta *= np.float32(np.sqrt(max(budget, 0.01)) / max(rms, 1e-6))
    return delta


def _informed_amplitudes(
    canvas: np.ndarray, gain: np.ndarray, key: bytes, bits: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-bit and per-sync-cell amplitudes that spend more of the budget where the host works against
    the mark (informed embedding).

    At the embedding geometry the decoder is linear in the mark once its contrast weights are fixed,
    so the host's projection on each bit (and on each sync cell) and the mark's gain are measured
    here, and amplitudes are adjusted until each expected response reaches ``_MARGIN`` times the
    nominal one, within ``[_MIN_AMPLITUDE, _MAX_AMPLITUDE]``.
    """
    layout = tile_layout(key)
    identity = np.eye(2) * TILE_PX
    signs = 1.0 - 2.0 * bits.astype(np.float64)
    whitened, weight = whiten_weighted(canvas)  # the decoder's whitened canvas and contrast weight

    def measure(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return layout.soft_bits(cells) * signs, layout.sync_responses(cells)

    def response(amplitudes: np.ndarray, sync_amplitudes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tile = render_tile(key, bits, amplitudes, sync_amplitudes)
        mark = tiled(tile, canvas.shape)
        mark *= gain
        mark *= np.float32(_TARGET_RMS)
        shaped = highpass(mark)
        shaped *= weight
        return measure(cell_responses(fold(shaped, identity)))

    host_bits, host_sync = measure(cell_responses(fold(whitened, identity)))
    amplitudes, sync_amplitudes = np.ones(len(bits)), np.ones(len(layout.sync_cells))
    gain_bits, gain_sync = response(amplitudes, sync_amplitudes)
    target_bits = _MARGIN * max(float(np.mean(gain_bits)), 1e-6)
    target_sync = _SYNC_MARGIN * max(float(np.mean(gain_sync)), 1e-6)
    gain_bits = np.maximum(gain_bits, 0.2 * target_bits)
    gain_sync = np.maximum(gain_sync, 0.2 * target_sync)
    for _ in range(_ITERATIONS):
        got_bits, got_sync = response(amplitudes, sync_amplitudes)
        amplitudes = np.clip(
            amplitudes + (target_bits - host_bits - got_bits) / gain_bits, _MIN_AMPLITUDE, _MAX_AMPLITUDE
        )
        sync_amplitudes = np.clip(
            sync_amplitudes + (target_sync - host_sync - got_sync) / gain_sync, _MIN_AMPLITUDE, _MAX_AMPLITUDE
        )
    return amplitudes, sync_amplitudes


def decode_watermark(
    image: Image.Image | np.ndarray, key: bytes, *, wide_search: bool = False
) -> WatermarkReading | None:
    """The ClearMark watermark in ``image`` (a picture or its RGB(A) pixels) under ``key``; None when none decodes.

    ``wide_search`` adds the second pass of :func:`decode_luma` (harder edits, slower on unmarked pictures).
    """
    if min(image.shape[:2] if isinstance(image, np.ndarray) else image.size) < MIN_DECODE_SIDE:
        return None
    return decode_luma(_luma(_rgb_array(image)), key, wide_search=wide_search)


def decode_luma(luma: np.ndarray, key: bytes, *, wide_search: bool = False) -> WatermarkReading | None:
    """The ClearMark watermark in one luma plane (2-D, 0..255) under ``key``: the frame-level decoder.

    Returns None when none decodes (also for planes under 64 px a side). The reading says whether
    the mark is bound to this plane's content (``WatermarkReading.binding``).

    The first pass tries the unedited geometry and the few lattices the autocorrelation ranks best
    (35-100 ms of CPU at 1080p on the 2-core benchmark machine, where a Pillow decode of the JPEG
    takes ~19 ms). ``wide_search`` adds a second pass when that finds nothing: it reads marks after
    harder edits (docs/benchmarks.md, "Watermark v2, the missed targets") but costs 4-5 times as
    much on every picture that carries no mark (275-330 ms there, ~540 ms on fine texture), so the
    service runs it only where ``watermark_wide_search`` is set.
    """
    if luma.ndim != 2 or min(luma.shape) < MIN_DECODE_SIDE:
        return None
    canvas = _canvas(luma.astype(np.float32, copy=False))
    residual, weight = whiten_weighted(canvas)
    layout = tile_layout(key)
    tried: list[np.ndarray] = []

    def fresh(basis: np.ndarray, tolerance: float = 0.5) -> bool:
        if tried and float(np.abs(np.asarray(tried) - basis).max(axis=(1, 2)).min()) < tolerance:
            return False
        tried.append(basis)
        return True

    # First pass: the unedited geometry (cheap, and most images are not resized or rotated), then the
    # few lattices the autocorrelation ranks best, each first folded cheaply and decoded only when
    # its sync peak is there at all (most of an unmarked picture's are not); the cheap folds are
    # kept for the second pass's ranking.
    search = LatticeSearch(residual)
    lattices = search.lattices()
    # (lazy: the autocorrelation is computed only when the unedited geometry does not decode)
    identity = np.eye(2) * TILE_PX
    first = chain([identity], (lattice.basis for lattice in islice(lattices, _FIRST_LATTICES)))
    # The cheap folds' input, made once and only when a lattice other than the unedited one is tried
    # (a stamped picture read back decodes on the unedited geometry and needs none).
    pair = cache(partial(with_coverage, residual))
    peaks: dict[int, float] = {}  # index in ``tried`` -> the cheap fold's sync peak
    for basis in first:
        if not fresh(basis):
            continue
        if basis is not identity:
            peaks[len(tried) - 1] = z = _fast_peak(pair(), basis, layout)
            if z < _FIRST_FAST_SYNC_Z:
                continue
        reading = _decode_on_lattice(canvas, residual, weight, basis, layout, key)
        if reading is not None:
            return reading
    if not wide_search:
        return None
    # Second pass, only when the first finds nothing: many more lattices, ranked by the keyed sync
    # template's peak on a cheap fold (a far sharper test than the autocorrelation where the
    # picture's own texture has lattice-like peaks), and the best few decoded. A lattice whose peak
    # is clear but which does not decode is a little off (the autocorrelation's peaks are blunt after
    # heavy crops): it is sharpened on the sync peak itself and tried again. Only peaks above what
    # an unmarked picture's lattices reach get a full decode, so a picture without a mark pays for
    # the ranking alone. On fine texture (grass) the lattice's autocorrelation peaks are not among
    # the highest, so on such pictures lattices of every rotation and scale found on a
    # median-predicted residual are ranked too (``sync.iter_similarity_lattices``). Every picture's
    # unrotated lattices of the best scales (``sync.axis_candidates``) are ranked as well: a crop and
    # a resize, the edits platforms make most, whose lattice the 2-D candidates may miss by a pixel.
    done = len(tried)
    for lattice in islice(lattices, _WIDE_LATTICES):
        fresh(lattice.basis)
    for rank, lattice in enumerate(search.axis_aligned(_AXIS_LATTICES)):
        # Unrefined and precise to a tenth of a pixel: a refined lattice a few tenths off reads
        # a sync peak of noise where this one reads the mark (grass 1080p, social chain: 4.7
        # against 7.1 for a lattice 0.4 px away), so only a near-identical one is a duplicate.
        steps = _AXIS_SCAN if rank < _AXIS_SCANNED else (0,)
        for step in steps:
            fresh(lattice.basis * np.exp(step * _AXIS_SCAN_STEP), _AXIS_TOLERANCE)
    if fine_texture(canvas) >= _TEXTURE_GATE:
        texture = iter_similarity_lattices(texture_residual(canvas), axis_aligned=_TEXTURE_AXIS_LATTICES)
        for lattice in islice(texture, _TEXTURE_AXIS_LATTICES):
            fresh(lattice.basis, _AXIS_TOLERANCE)
        for lattice in islice(texture, _TEXTURE_LATTICES):
            fresh(lattice.basis)
    unranked = [index for index in range(len(tried)) if index not in peaks]
    if unranked:
        tiles = np.stack([fold_fast(pair(), tried[index]) for index in unranked])
        peaks.update(zip(unranked, (float(z) for z in sync_peaks(tiles, layout.sync_spectra)), strict=True))
    ranked = [
        (z, index < done, tried[index])
        for index, z in peaks.items()
        if z >= (_SHARPEN_SYNC_Z if index < done else _WIDE_SYNC_Z)
    ]
    ranked.sort(key=lambda entry: -entry[0])
    for z, decoded, basis in ranked[:_WIDE_DECODES]:
        reading = None if decoded else _decode_on_lattice(canvas, residual, weight, basis, layout, key)
        if reading is None and z >= _SHARPEN_SYNC_Z:
            sharpened = sharpen_lattice(pair(), basis, layout.sync_spectra)
            reading = _decode_on_lattice(canvas, residual, weight, sharpened, layout, key)
        if reading is not None:
            return reading
    return None


def _fast_peak(pair: np.ndarray, basis: np.ndarray, layout: TileLayout) -> float:
    """The sync peak (z) of a cheap fold along ``basis`` (``pair``: ``sync.with_coverage`` of the residual)."""
    return float(sync_peaks(fold_fast(pair, basis)[None], layout.sync_spectra)[0])


def _decode_tile(
    tile: np.ndarray, alignment: Alignment, layout: TileLayout, key: bytes
) -> tuple[tuple[bytes, int], np.ndarray] | None:
    """The payload (and bit errors) of a folded tile at its alignment, and its soft channel values."""
    aligned = undo_dihedral(unshift(tile, alignment.shift), alignment.variant)
    soft = layout.soft_bits(cell_responses(aligned))
    flips = _CHASE_FLIPS if alignment.z >= _CHASE_SYNC_Z else 0
    decoded = unframe_payload(soft, key, chase_flips=flips)
    if decoded is None and alignment.z >= _OSD_SYNC_Z:
        decoded = unframe_payload(soft, key, osd_max_errors=_OSD_MAX_ERRORS, osd_min_score=_OSD_MIN_SCORE)
    return None if decoded is None else (decoded, soft)


def _decode_on_lattice(
    canvas: np.ndarray, residual: np.ndarray, weight: np.ndarray, basis: np.ndarray, layout: TileLayout, key: bytes
) -> WatermarkReading | None:
    """Fold along ``basis``, align the sync template and decode; when that fails behind a sync peak of
    ``_MATCHED_SYNC_Z``, once more on the matched fold: each whitened pixel weighted by the mark's
    expected strength there against the host's (the masking gain the embedder applied over the local
    RMS, ``sync.whiten_weighted``), the folded tile whitened against its own spectrum
    (``sync.whiten_tile``)."""
    tile = fold(residual, basis)
    alignment = align(tile, layout.sync_spectra)
    if alignment.z < _MIN_SYNC_Z:
        return None
    scale = basis_scale(basis)
    attempt = _decode_tile(tile, alignment, layout, key)
    if attempt is None and alignment.z >= _MATCHED_SYNC_Z:
        gain = masking_gain(canvas, scale)
        tile = whiten_tile(fold(residual, basis, weight * gain))
        alignment = align(tile, layout.sync_spectra)
        attempt = _decode_tile(tile, alignment, layout, key) if alignment.z >= _MIN_SYNC_Z else None
    if attempt is None:
        return None
    decoded, soft = attempt
    payload, errors = decoded
    channel_bits = frame_payload(payload, key)
    signs = 1.0 - 2.0 * channel_bits.astype(np.float64)
    confidence = float(np.clip(np.sum(soft * signs) / (np.sum(np.abs(soft)) + 1e-12), 0.0, 1.0))
    rotation = basis_rotation_deg(basis)
    return WatermarkReading(
        payload=payload,
        bit_errors=errors,
        confidence=confidence,
        sync_z=alignment.z,
        scale=scale,
        rotation_deg=rotation,
        orientation=alignment.variant,
        binding=measure_binding(
            canvas,
            lay_tile(expected_tile(key, channel_bits, alignment.variant, alignment.shift), basis, canvas.shape),
            scale,
        ),
    )
