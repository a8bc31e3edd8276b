"""ClearMark's audio watermark: a keyed 64-bit payload in the short-time spectrum, found again after codecs and cuts.

Embedding works at 16 kHz on each channel: a short-time Fourier transform (32 ms frames, 16 ms hop),
then every time-frequency cell (32 ms x 125 Hz, 250-3750 Hz) is scaled up or down following a keyed
+-1 pattern of ``SLOTS`` cells in time by ``BANDS`` in frequency (4.1 s), repeated over the whole
audio. Part of the pattern is a keyed sync template; the rest carries the 188 BCH-coded channel bits
of ``payload.frame_payload`` (16 cells per bit per repetition). The change is transformed back,
resampled to the input rate and added, so sample rate, channels and length are kept and the mark
follows the audio's own spectrum (nothing is added to silence). Embedding is informed: it reads the
marked downmix the way the detector will and strengthens the groups of cells the audio itself pulls
the wrong way, up to ``max_strength_db``.

Detection downmixes, resamples to 16 kHz and measures each band's log energy every 4 ms. After
whitening (each cell against its neighbours in time and in frequency, clipped so onsets cannot
outvote the mark), cells are read at each of 8 sub-cell phases and folded modulo the pattern length,
so every repetition adds up; the sync template's circular correlation finds the pattern's start (any
cut at the start or the end, any codec delay), and the data cells give soft bits for the BCH decoder.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from clearmark.core.errors import UnsupportedFormat
from clearmark.media.audio.pcm import resample, to_mono
from clearmark.watermark.keys import keyed_bits, keyed_permutation
from clearmark.watermark.payload import CODED_BITS, PAYLOAD_BYTES, frame_payload, unframe_payload

MARK_RATE = 16000
_N_FFT = 512
_HOP = 256
_CELL_FRAMES = 2  # embedding frames per cell (32 ms)
_CELL_BINS = 4  # FFT bins per band (125 Hz)
_FIRST_BIN = 8  # 250 Hz
BANDS = 112 // _CELL_BINS  # up to 3750 Hz
SLOTS = 128  # cells in time per repetition (4.096 s)
_CELLS = SLOTS * BANDS
_CELLS_PER_BIT = int(0.84 * _CELLS) // CODED_BITS
_SYNC_CELLS = _CELLS - CODED_BITS * _CELLS_PER_BIT
_GROUPS = CODED_BITS + -(-_SYNC_CELLS // _CELLS_PER_BIT)
_FINE_HOP = 64  # detection hop (4 ms): 8 phases per cell
_PHASES = _CELL_FRAMES * _HOP // _FINE_HOP
_WHITEN_CELLS = 3
_CLIP = 1.5
_FREQ_WIDTH = 5
_FLOOR = 10 ** (-40 / 10)
_SILENCE = 10 ** (-50 / 10)
_MIN_SYNC_Z = 5.0
_CANDIDATES = 4
_CHASE_FLIPS = 6
DEFAULT_STRENGTH_DB = 1.0
DEFAULT_MAX_STRENGTH_DB = 2.0
_ITERATIONS = 4
_STEP_DB = 0.5
_TARGET = 0.3  # whitened units the cells of a group should read, on average, in their chips' direction
_EMBED_PHASE = 0  # the detector's sub-cell phase that lines up with the embedding grid
PERIOD_S = SLOTS * _CELL_FRAMES * _HOP / MARK_RATE
MIN_DETECT_S = PERIOD_S + 0.5


@dataclass(frozen=True)
class AudioWatermarkReading:
    """A decoded ClearMark audio watermark.

    Attributes:
        payload: the 8 payload bytes (a registry key, see ``payload_for_produce_id``).
        bit_errors: channel bits the BCH code corrected (of 188).
        confidence: agreement of the soft channel values with the decoded codeword, 0..1.
        sync_z: the sync template's correlation peak in robust standard deviations.
        offset_s: where a repetition of the pattern starts in the audio, seconds (0 <= offset < period).
        repetitions: how many pattern repetitions the audio held (fractional).
    """

    payload: bytes
    bit_errors: int
    confidence: float
    sync_z: float
    offset_s: float
    repetitions: float

    @property
    def payload_hex(self) -> str:
        return self.payload.hex()


@dataclass(frozen=True)
class _Layout:
    sync_cells: np.ndarray  # flat cell indices (slot * BANDS + band)
    sync_chips: np.ndarray  # +-1
    data_cells: np.ndarray  # (CODED_BITS, _CELLS_PER_BIT) flat cell indices
    data_chips: np.ndarray  # (CODED_BITS, _CELLS_PER_BIT) +-1 spreading chips


@lru_cache(maxsize=16)
def _layout(key: bytes) -> _Layout:
    order = keyed_permutation(key, "audio-v1-cells", _CELLS)
    chips = 1.0 - 2.0 * keyed_bits(key, "audio-v1-chips", _CELLS).astype(np.float64)
    data = order[_SYNC_CELLS:].reshape(_CELLS_PER_BIT, CODED_BITS).T
    return _Layout(
        sync_cells=order[:_SYNC_CELLS],
        sync_chips=chips[order[:_SYNC_CELLS]],
        data_cells=data,
        data_chips=chips[data],
    )


@lru_cache(maxsize=16)
def _groups(key: bytes) -> np.ndarray:
    """(SLOTS, BANDS) group of each cell: its bit (0..187), or CODED_BITS + its piece of the sync template."""
    layout = _layout(key)
    groups = np.zeros(_CELLS, dtype=np.int64)
    groups[layout.data_cells] = np.arange(CODED_BITS)[:, None]
    groups[layout.sync_cells] = CODED_BITS + np.arange(_SYNC_CELLS) // _CELLS_PER_BIT
    return groups.reshape(SLOTS, BANDS)


def _pattern(payload: bytes, key: bytes) -> np.ndarray:
    """The (SLOTS, BANDS) +-1 pattern of one repetition."""
    layout = _layout(key)
    bits = frame_payload(payload, key).astype(np.float64)
    pattern = np.zeros(_CELLS)
    pattern[layout.sync_cells] = layout.sync_chips
    pattern[layout.data_cells] = layout.data_chips * (1.0 - 2.0 * bits)[:, None]
    return pattern.reshape(SLOTS, BANDS)


def _window() -> np.ndarray:
    return np.sqrt(0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(_N_FFT) / _N_FFT))  # periodic sqrt-Hann


def _stft(signal: np.ndarray) -> np.ndarray:
    padded = np.concatenate([np.zeros(_N_FFT - _HOP), signal, np.zeros(_N_FFT)])
    frames = np.lib.stride_tricks.sliding_window_view(padded, _N_FFT)[::_HOP]
    return np.fft.rfft(frames * _window(), axis=1)


def _istft(spectrum: np.ndarray, length: int) -> np.ndarray:
    frames = np.fft.irfft(spectrum, n=_N_FFT, axis=1) * _window()
    out = np.zeros(_HOP * (frames.shape[0] - 1) + _N_FFT)
    for part in range(_N_FFT // _HOP):  # overlap-add, one non-overlapping set of frames at a time
        chosen = frames[part :: _N_FFT // _HOP]
        start = part * _HOP
        span = chosen.shape[0] * _N_FFT
        out[start : start + span] += chosen.reshape(-1)[: out.size - start]
    return out[_N_FFT - _HOP : _N_FFT - _HOP + length]


def _delta(spectrum: np.ndarray, gains_db: np.ndarray) -> np.ndarray:
    """The spectrum change that applies per-cell ``gains_db`` (cells, BANDS) to the mark band."""
    frames = spectrum.shape[0]
    per_frame = np.repeat(gains_db, _CELL_FRAMES, axis=0)[:frames]
    factor = 10.0 ** (np.repeat(per_frame, _CELL_BINS, axis=1) / 20.0) - 1.0
    delta = np.zeros_like(spectrum)
    band = slice(_FIRST_BIN, _FIRST_BIN + BANDS * _CELL_BINS)
    delta[:, band] = spectrum[:, band] * factor
    return delta


def embed_audio_watermark(
    samples: np.ndarray,
    sample_rate: int,
    payload: bytes,
    key: bytes,
    *,
    strength_db: float = DEFAULT_STRENGTH_DB,
    max_strength_db: float = DEFAULT_MAX_STRENGTH_DB,
    iterations: int = _ITERATIONS,
) -> np.ndarray:
    """The PCM (float32, same shape and rate) carrying ``payload`` under ``key``.

    Informed embedding: every cell starts at +-``strength_db``; then, ``iterations`` times, the
    marked downmix is read the way the detector reads it, and cells whose whitened reading does not
    yet agree with their chip by a margin (the audio's own structure pulls against them) are
    raised, up to ``max_strength_db``.

    Args:
        samples: (frames,) or (frames, channels) float PCM at ``sample_rate`` (>= 16 kHz).
        payload: 8 bytes (see ``payload_for_produce_id``).
        key: the deployment's watermark secret.
        strength_db: the starting +- level change of each cell.
        max_strength_db: the largest level change any cell may get.
        iterations: rounds of informed strengthening (0: plain spread spectrum).

    Raises:
        ValueError: the payload is not 8 bytes.
        UnsupportedFormat: a sample rate below 16 kHz.
    """
    if len(payload) != PAYLOAD_BYTES:
        raise ValueError(f"the payload is {PAYLOAD_BYTES} bytes, got {len(payload)}")
    if sample_rate < MARK_RATE:
        raise UnsupportedFormat(f"the audio watermark needs a sample rate of at least {MARK_RATE} Hz")
    data = np.asarray(samples, dtype=np.float32)
    mono_input = data.ndim == 1
    if mono_input:
        data = data[:, None]
    lows = [resample(data[:, channel], sample_rate, MARK_RATE).astype(np.float64) for channel in range(data.shape[1])]
    spectra = [_stft(low) for low in lows]
    length = lows[0].size
    host = np.mean(lows, axis=0)
    cells = -(-spectra[0].shape[0] // _CELL_FRAMES)
    chips = _pattern(payload, key)[np.arange(cells) % SLOTS]
    strength = np.full((cells, BANDS), float(strength_db))

    def mark_of(spectrum: np.ndarray) -> np.ndarray:
        return _istft(_delta(spectrum, chips * strength), length)

    groups = _groups(key)[np.arange(cells) % SLOTS] + _GROUPS * (np.arange(cells) // SLOTS)[:, None]
    mean_spectrum = np.mean(spectra, axis=0)  # the transforms are linear: the downmix's mark is the mean's
    for _ in range(iterations):
        marked = host + mark_of(mean_spectrum)
        readings = _whitened_cells(_band_levels(marked))[:, _EMBED_PHASE, :]
        agreement = np.zeros((cells, BANDS))
        agreement[: readings.shape[0]] = readings[:cells] * chips[: readings.shape[0]]
        # A group (one bit's cells, or a piece of the sync template, in one repetition) is weak when its
        # cells together do not yet read their chips by the margin; all its cells are raised.
        totals = np.bincount(groups.ravel(), weights=agreement.ravel())
        sizes = np.bincount(groups.ravel())
        weak_groups = totals < _TARGET * sizes
        weak = weak_groups[groups]
        if not weak.any():
            break
        strength = np.where(weak, np.minimum(strength + _STEP_DB, max_strength_db), strength)
    out = data.copy()
    for channel, spectrum in enumerate(spectra):
        mark = mark_of(spectrum).astype(np.float32)
        up = resample(mark, MARK_RATE, sample_rate)[: data.shape[0]]
        out[: up.size, channel] += up  # the round trip through 16 kHz can come back a sample short
    np.clip(out, -1.0, 1.0, out=out)  # only audio already at full scale can reach the rails
    return out[:, 0] if mono_input else out


def _band_levels(signal: np.ndarray) -> np.ndarray:
    """(fine frames, BANDS) log energy of each band every 4 ms."""
    if signal.size < _N_FFT:
        return np.zeros((0, BANDS))
    window = np.hanning(_N_FFT).astype(np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(signal.astype(np.float32), _N_FFT)[::_FINE_HOP]
    band = slice(_FIRST_BIN, _FIRST_BIN + BANDS * _CELL_BINS)
    spectrum = np.fft.rfft(frames * window, axis=1)[:, band]  # float32 in, complex64 out: twice as fast
    power = (spectrum.real.astype(np.float64) ** 2 + spectrum.imag.astype(np.float64) ** 2)
    energy = power.reshape(power.shape[0], BANDS, _CELL_BINS).sum(axis=2)
    # Bands far below the frame's loudest carry no usable mark (codecs drop them, leakage fills them).
    loudest = energy.max(axis=1, keepdims=True)
    floor = np.maximum(_FLOOR * loudest, _SILENCE * np.percentile(loudest, 95)) + 1e-20
    return np.log(energy + floor)


def _moving_mean(values: np.ndarray, width: int) -> np.ndarray:
    """Centred moving mean along axis 0 (edges repeated)."""
    pad = width // 2
    padded = np.pad(values, ((pad, width - 1 - pad), (0, 0)), mode="edge")
    cumulative = np.cumsum(np.pad(padded, ((1, 0), (0, 0))), axis=0)
    return (cumulative[width:] - cumulative[:-width]) / width


def _whitened_cells(levels: np.ndarray) -> np.ndarray:
    """(cells, PHASES, BANDS): whitened cell readings at each sub-cell phase."""
    cell = _PHASES  # fine frames per cell
    smooth = _moving_mean(levels, cell)  # mean over one cell starting at each fine frame
    trend = _moving_mean(levels, cell * _WHITEN_CELLS)
    white = smooth - trend
    white = white - _moving_mean(white.T, _FREQ_WIDTH).T
    scale = np.median(np.abs(white), axis=0, keepdims=True) + 1e-9
    white = np.clip(white / scale, -_CLIP, _CLIP)  # onsets and note ends must not outvote the mark
    count = white.shape[0] // cell
    return white[: count * cell].reshape(count, cell, BANDS)


def _fold(cells: np.ndarray) -> tuple[np.ndarray, float]:
    """Sum the cells modulo SLOTS: (PHASES, SLOTS, BANDS), and how many repetitions went in."""
    count = cells.shape[0]
    padded = np.zeros((-(-count // SLOTS) * SLOTS,) + cells.shape[1:])
    padded[:count] = cells
    folded = padded.reshape(-1, SLOTS, _PHASES, BANDS).sum(axis=0)
    return np.transpose(folded, (1, 0, 2)), count / SLOTS


def decode_audio_watermark(
    samples: np.ndarray, sample_rate: int, key: bytes
) -> AudioWatermarkReading | None:
    """The ClearMark watermark in ``samples`` under ``key``, or None when none decodes.

    Needs at least ``MIN_DETECT_S`` seconds of audio with content in 250-3750 Hz.
    """
    mono = to_mono(np.asarray(samples, dtype=np.float32))
    low = resample(mono, sample_rate, MARK_RATE).astype(np.float64)
    if low.size < MIN_DETECT_S * MARK_RATE:
        return None
    cells = _whitened_cells(_band_levels(low))
    if cells.shape[0] < SLOTS:
        return None
    folded, repetitions = _fold(cells)  # (PHASES, SLOTS, BANDS)
    layout = _layout(key)
    template = np.zeros(_CELLS)
    template[layout.sync_cells] = layout.sync_chips
    template = template.reshape(SLOTS, BANDS)
    # corr[phase, shift] = sum_{s,b} folded[phase, (s + shift) % SLOTS, b] * template[s, b]
    spectrum = np.fft.fft(folded, axis=1) * np.conj(np.fft.fft(template, axis=0))[None]
    correlation = np.fft.ifft(spectrum, axis=1).real.sum(axis=2)
    centre = np.median(correlation)
    spread = 1.4826 * np.median(np.abs(correlation - centre)) + 1e-12
    z = (correlation - centre) / spread
    for flat in np.argsort(z, axis=None)[::-1][:_CANDIDATES]:
        phase, shift = np.unravel_index(flat, z.shape)
        if z[phase, shift] < _MIN_SYNC_Z:
            break
        aligned = np.roll(folded[phase], -shift, axis=0).reshape(-1)
        soft = (aligned[layout.data_cells] * layout.data_chips).sum(axis=1)
        decoded = unframe_payload(soft, key, chase_flips=_CHASE_FLIPS)
        if decoded is None:
            continue
        payload, errors = decoded
        codeword = frame_payload(payload, key)
        agreement = float(np.sum(soft * (1.0 - 2.0 * codeword)) / (np.sum(np.abs(soft)) + 1e-12))
        offset_frames = (int(shift) * _PHASES + int(phase)) % (SLOTS * _PHASES)
        return AudioWatermarkReading(
            payload=payload,
            bit_errors=errors,
            confidence=round(max(0.0, agreement), 4),
            sync_z=round(float(z[phase, shift]), 2),
            offset_s=round(offset_frames * _FINE_HOP / MARK_RATE, 4),
            repetitions=round(repetitions, 2),
        )
    return None


def channel_bit_accuracy(samples: np.ndarray, sample_rate: int, payload: bytes, key: bytes) -> float:
    """Share of the 188 channel bits read correctly at the best sync position (benchmarks; 0.5 is chance)."""
    mono = to_mono(np.asarray(samples, dtype=np.float32))
    low = resample(mono, sample_rate, MARK_RATE).astype(np.float64)
    cells = _whitened_cells(_band_levels(low))
    if cells.shape[0] < SLOTS:
        return 0.5
    folded, _ = _fold(cells)
    layout = _layout(key)
    expected = frame_payload(payload, key)
    best = 0.0
    for phase in range(_PHASES):
        for shift in range(SLOTS):
            aligned = np.roll(folded[phase], -shift, axis=0).reshape(-1)
            soft = (aligned[layout.data_cells] * layout.data_chips).sum(axis=1)
            best = max(best, float(np.mean((soft < 0).astype(np.uint8) == expected)))
    return best
