"""Find the rhythm 短长短短 anywhere in audio by band energy and onset/duration pattern, not by template.

The audio is downmixed, resampled to 8 kHz and cut into 32 ms frames every 5 ms. For every
candidate tone frequency (400-3000 Hz, one FFT bin apart) a frame is "on" when a narrow band
(three bins) holds most of the frame's energy and lies within 8 dB of the band's loudest level
nearby. Runs of "on" frames are beeps; four consecutive beeps of one band form the rhythm when:
the two short-beep periods (onset to next onset) agree and give a unit of 45-300 ms, the short
beeps fill at least 3/4 of their unit, the long beep is 1.4-2.6 units longer than the short ones
(a difference, so window smearing cancels), each beep holds on average 60 % of its frames' energy, the
letter gap is 0.5-3.6 units, the shorts agree, the gaps drop well below the beeps, the beeps agree
in level, and the band is quiet for 1.5 units before and after (so longer beep sequences are not
taken for it). Long audio is analysed in
overlapping blocks, so memory does not grow with the duration.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from clearmark.media.audio.pcm import resample, to_mono

ANALYSIS_RATE = 8000
_WINDOW = 256  # 32 ms
_HOP = 40  # 5 ms
_FRAME_S = _HOP / ANALYSIS_RATE
_MIN_HZ, _MAX_HZ = 400.0, 3000.0
_TOTAL_LO_HZ, _TOTAL_HI_HZ = 80.0, 3900.0
_ON_RATIO = 0.3
_ON_BELOW_MAX_DB = 8.0
_FLOOR_DB = -70.0
_GAP_DROP_DB = 8.0
_LEVEL_SPREAD_DB = 6.0
_EDGE_S = 0.015
_QUIET_UNITS = 1.5
_MIN_DUTY = 0.75
_MIN_BEEP_TONALITY = 0.6
_BLOCK_S = 60.0
_OVERLAP_S = 6.0


@dataclass(frozen=True)
class RhythmOccurrence:
    """One 短长短短 found in the audio.

    Attributes:
        start_s: onset of the first beep, seconds from the start of the audio.
        end_s: end of the last beep.
        unit_ms: measured short-beep unit (onset-to-onset period / 2).
        frequency_hz: measured tone frequency.
        level_dbfs: median level of the beeps' band, dB relative to a full-scale sine.
        letter_gap_units: measured silence between the "A" and the "I", in units.
        tonality: mean share of the frame energy in the tone's band during the beeps, 0..1.
    """

    start_s: float
    end_s: float
    unit_ms: float
    frequency_hz: float
    level_dbfs: float
    letter_gap_units: float
    tonality: float


def _power_frames(mono8k: np.ndarray) -> np.ndarray:
    if mono8k.size < _WINDOW:
        return np.zeros((0, _WINDOW // 2 + 1), dtype=np.float32)
    window = np.hanning(_WINDOW).astype(np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(mono8k, _WINDOW)[::_HOP]
    spectrum = np.fft.rfft(frames * window, axis=1)
    # A full-scale sine on a bin centre -> 1.0 in the three-bin band (Hann: 1 + 2 * 0.25 of the peak bin).
    scale = 1.5 * (window.sum() / 2.0) ** 2
    return (spectrum.real**2 + spectrum.imag**2).astype(np.float32) / np.float32(scale)


def _sliding_max(levels: np.ndarray, radius_frames: int, block: int = 20) -> np.ndarray:
    """Approximate max over +-radius frames along axis 0 (block maxima, then a max over block neighbours)."""
    count = levels.shape[0]
    blocks = -(-count // block)
    padded = np.full((blocks * block,) + levels.shape[1:], -np.inf, dtype=levels.dtype)
    padded[:count] = levels
    block_max = padded.reshape(blocks, block, *levels.shape[1:]).max(axis=1)
    reach = -(-radius_frames // block)
    spread = block_max.copy()
    for shift in range(1, reach + 1):
        spread[shift:] = np.maximum(spread[shift:], block_max[:-shift])
        spread[:-shift] = np.maximum(spread[:-shift], block_max[shift:])
    return np.repeat(spread, block, axis=0)[:count]


def _runs(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    edges = np.diff(np.concatenate([[0], column.astype(np.int8), [0]]))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _fill_holes(on: np.ndarray, max_hole: int) -> np.ndarray:
    """Close "off" holes of at most ``max_hole`` frames inside "on" runs (codec dropouts)."""
    filled = on.copy()
    for shift in range(1, max_hole + 1):
        before = np.zeros_like(on)
        after = np.zeros_like(on)
        before[shift:] = on[:-shift]
        after[:-shift] = on[shift:]
        filled |= before & after
    return filled


def _frequency(power: np.ndarray, frames: list[tuple[int, int]], centre: int) -> float:
    mean = np.zeros(power.shape[1], dtype=np.float64)
    for start, stop in frames:
        mean += power[start:stop].sum(axis=0)
    lo, hi = max(1, centre - 2), min(power.shape[1] - 2, centre + 2)
    peak = lo + int(np.argmax(mean[lo : hi + 1]))
    a, b, c = np.log(mean[peak - 1 : peak + 2] + 1e-20)
    denominator = a - 2 * b + c
    offset = 0.5 * (a - c) / denominator if denominator < 0 else 0.0
    return (peak + float(np.clip(offset, -0.5, 0.5))) * ANALYSIS_RATE / _WINDOW


def _match(
    onsets: np.ndarray, offsets: np.ndarray, index: int, level: np.ndarray, ratio: np.ndarray
) -> tuple[float, float, float, float] | None:
    """(unit_s, letter_gap_units, level_db, tonality) when beeps index..index+3 form the rhythm."""
    o = onsets[index : index + 4] * _FRAME_S
    e = offsets[index : index + 4] * _FRAME_S
    d = e - o
    period_a, period_i = o[1] - o[0], o[3] - o[2]
    unit = (period_a + period_i) / 4.0
    if not 0.045 <= unit <= 0.3 or abs(period_a - period_i) > 0.2 * (period_a + period_i) / 2.0:
        return None
    shorts = np.array([d[0], d[2], d[3]])
    # A beep fills its unit (on as long as off): staccato notes of a melody do not.
    if shorts.max() - shorts.min() > 0.35 * unit + 0.015 or not _MIN_DUTY * unit <= shorts.mean() <= unit + 0.05:
        return None
    if not 1.4 <= (d[1] - shorts.mean()) / unit <= 2.6:
        return None
    letter_gap = (o[2] - o[1]) / unit - (d[1] - shorts.mean()) / unit - 1.0
    if not 0.5 <= letter_gap <= 3.6:
        return None
    # The rhythm stands alone: the band is quiet longer before and after it than between its beeps.
    if index > 0 and o[0] - offsets[index - 1] * _FRAME_S < _QUIET_UNITS * unit:
        return None
    if index + 4 < onsets.size and onsets[index + 4] * _FRAME_S - e[3] < _QUIET_UNITS * unit:
        return None
    beep_levels = [float(np.median(level[onsets[index + k] : offsets[index + k]])) for k in range(4)]
    if max(beep_levels) - min(beep_levels) > _LEVEL_SPREAD_DB:
        return None
    for k in range(3):
        gap = level[offsets[index + k] : onsets[index + k + 1]]
        if gap.size and float(np.median(gap)) > min(beep_levels) - _GAP_DROP_DB:
            return None
    purity = [float(np.mean(ratio[onsets[index + k] : offsets[index + k]])) for k in range(4)]
    if min(purity) < _MIN_BEEP_TONALITY:  # every beep a tone, not a note among other sounds
        return None
    tonality = float(np.mean(np.concatenate([ratio[onsets[index + k] : offsets[index + k]] for k in range(4)])))
    return unit, letter_gap, float(np.median(beep_levels)), tonality


def _detect_block(mono8k: np.ndarray, time_offset_s: float) -> list[RhythmOccurrence]:
    power = _power_frames(mono8k)
    if power.shape[0] < 20:
        return []
    bin_hz = ANALYSIS_RATE / _WINDOW
    lo_bin, hi_bin = int(np.ceil(_MIN_HZ / bin_hz)), int(np.floor(_MAX_HZ / bin_hz))
    total = power[:, int(_TOTAL_LO_HZ / bin_hz) : int(_TOTAL_HI_HZ / bin_hz) + 1].sum(axis=1) + 1e-12
    band = power[:, lo_bin - 1 : hi_bin] + power[:, lo_bin : hi_bin + 1] + power[:, lo_bin + 1 : hi_bin + 2]
    ratio = band / total[:, None]
    level = 10.0 * np.log10(band + 1e-12)
    local_max = _sliding_max(level, radius_frames=int(1.2 / _FRAME_S))
    on = (ratio >= _ON_RATIO) & (level >= local_max - _ON_BELOW_MAX_DB) & (level >= _FLOOR_DB)
    on = _fill_holes(on, 2)
    found: list[tuple[float, RhythmOccurrence]] = []
    for column in np.flatnonzero(on.sum(axis=0) >= 4 * int(0.03 / _FRAME_S)):
        onsets, offsets = _runs(on[:, column])
        keep = (offsets - onsets) * _FRAME_S >= 0.03
        onsets, offsets = onsets[keep], offsets[keep]
        for index in range(onsets.size - 3):
            matched = _match(onsets, offsets, index, level[:, column], ratio[:, column])
            if matched is None:
                continue
            unit, letter_gap, level_db, tonality = matched
            frames = [(int(onsets[index + k]), int(offsets[index + k])) for k in range(4)]
            # A run starts when a window first holds enough of the beep; calibrated on rendered beeps.
            start = onsets[index] * _FRAME_S + _EDGE_S
            end = offsets[index + 3] * _FRAME_S + _EDGE_S
            occurrence = RhythmOccurrence(
                start_s=round(float(time_offset_s + max(0.0, start)), 3),
                end_s=round(float(time_offset_s + end), 3),
                unit_ms=round(float(unit) * 1000.0, 1),
                frequency_hz=round(_frequency(power, frames, int(column) + lo_bin), 1),
                level_dbfs=round(level_db, 1),
                letter_gap_units=round(float(letter_gap), 2),
                tonality=round(tonality, 3),
            )
            found.append((tonality, occurrence))
    return _deduplicate(found)


def _deduplicate(found: list[tuple[float, RhythmOccurrence]]) -> list[RhythmOccurrence]:
    kept: list[RhythmOccurrence] = []
    for _, occurrence in sorted(found, key=lambda item: -item[0]):
        if all(occurrence.end_s <= other.start_s or occurrence.start_s >= other.end_s for other in kept):
            kept.append(occurrence)
    return sorted(kept, key=lambda occurrence: occurrence.start_s)


def detect_rhythm_stream(blocks: Iterable[np.ndarray], sample_rate: int) -> Iterator[RhythmOccurrence]:
    """Occurrences in audio arriving as PCM blocks ((frames,) or (frames, channels)), in time order.

    Blocks of any size; internally the audio is analysed in 60 s windows overlapping by 6 s, and an
    occurrence is reported by the window where it starts before the overlap.
    """
    block_frames = int(_BLOCK_S * sample_rate)
    overlap_frames = int(_OVERLAP_S * sample_rate)
    buffer = np.zeros(0, dtype=np.float32)
    consumed = 0  # frames before buffer[0]
    reported_until = 0.0

    def analyse(chunk: np.ndarray, final: bool) -> Iterator[RhythmOccurrence]:
        nonlocal reported_until
        offset_s = consumed / sample_rate
        owned_until = offset_s + (chunk.size / sample_rate if final else (chunk.size - overlap_frames) / sample_rate)
        for occurrence in _detect_block(resample(chunk, sample_rate, ANALYSIS_RATE), offset_s):
            if reported_until <= occurrence.start_s < owned_until:
                yield occurrence
        reported_until = owned_until

    for block in blocks:
        buffer = np.concatenate([buffer, to_mono(block)])
        while buffer.size >= block_frames + overlap_frames:
            yield from analyse(buffer[: block_frames + overlap_frames], final=False)
            buffer = buffer[block_frames:]
            consumed += block_frames
    if buffer.size:
        yield from analyse(buffer, final=True)


def detect_rhythm(samples: np.ndarray, sample_rate: int) -> tuple[RhythmOccurrence, ...]:
    """Every 短长短短 in PCM ((frames,) or (frames, channels), float), in time order."""
    return tuple(detect_rhythm_stream([np.asarray(samples, dtype=np.float32)], sample_rate))
