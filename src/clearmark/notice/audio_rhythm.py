"""The audible explicit label: render the rhythm 短长短短 (Morse "AI", ·- ··) or a spoken notice, mix it into PCM.

A tone of ``unit`` (short) and ``long_units × unit`` (long) bursts separated by ``gap_units`` of
silence (``letter_gap_units`` between the "A" and the "I"), raised-cosine ramps against clicks.
Mixing adds the clip to every channel at the start and optionally the middle and end; where the sum
would exceed the ceiling, the mixture is turned down around the clip with smooth gain ramps (a
look-ahead gain-down, measured and reported) so no sample clips.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from clearmark.media.audio.pcm import resample, to_mono

RHYTHM_PATTERN = (1, 3, 1, 1)  # 短长短短: short, long, short, short (in units of the short beep)
RHYTHM_NAME = "短长短短"


@dataclass(frozen=True)
class RhythmStyle:
    """How the rhythm sounds.

    Attributes:
        unit_ms: length of the short beep (and of the gaps), ms.
        frequency_hz: tone frequency.
        level_dbfs: peak level of the tone, dB relative to full scale.
        long_units: length of the long beep in units.
        gap_units: silence between beeps of one letter, units.
        letter_gap_units: silence between the "A" (·-) and the "I" (··), units (Morse uses 3; the
            implementations GB 45438 users follow use 1).
        ramp_ms: raised-cosine attack and release of each beep.
    """

    unit_ms: float = 120.0
    frequency_hz: float = 1000.0
    level_dbfs: float = -6.0
    long_units: float = 3.0
    gap_units: float = 1.0
    letter_gap_units: float = 1.0
    ramp_ms: float = 5.0

    def __post_init__(self) -> None:
        if not 20.0 <= self.unit_ms <= 1000.0:
            raise ValueError(f"unit_ms must be within 20..1000, got {self.unit_ms}")
        if not 100.0 <= self.frequency_hz <= 8000.0:
            raise ValueError(f"frequency_hz must be within 100..8000, got {self.frequency_hz}")
        if not -60.0 <= self.level_dbfs <= 0.0:
            raise ValueError(f"level_dbfs must be within -60..0, got {self.level_dbfs}")
        if self.long_units <= 1.0 or self.gap_units <= 0.0 or self.letter_gap_units <= 0.0:
            raise ValueError("long_units must exceed 1 and gaps must be positive")

    @property
    def duration_s(self) -> float:
        units = self.long_units + 3 + 2 * self.gap_units + self.letter_gap_units
        return units * self.unit_ms / 1000.0


DEFAULT_RHYTHM = RhythmStyle()


class NoticePosition(enum.Enum):
    """Where an audible notice goes."""

    START = "start"
    MIDDLE = "middle"
    END = "end"


@dataclass(frozen=True)
class NoticeMix:
    """What mixing a notice did, measured on the result.

    Attributes:
        starts_s: start time of each placed notice, seconds.
        duration_s: length of one notice.
        peak_before: peak absolute sample of the content before mixing.
        peak_after: peak absolute sample of the result (never above the ceiling when the content was not).
        min_gain_db: the deepest gain-down applied to keep the mixture under the ceiling (0.0: none).
        padded_s: silence appended because the content was shorter than the notice.
    """

    starts_s: tuple[float, ...]
    duration_s: float
    peak_before: float
    peak_after: float
    min_gain_db: float
    padded_s: float


def render_rhythm(sample_rate: int, style: RhythmStyle = DEFAULT_RHYTHM) -> np.ndarray:
    """The rhythm as mono float32 PCM at ``sample_rate`` (peak ``style.level_dbfs``)."""
    unit = style.unit_ms / 1000.0
    amplitude = 10.0 ** (style.level_dbfs / 20.0)
    pieces: list[np.ndarray] = []
    gaps = (style.gap_units, style.letter_gap_units, style.gap_units, 0.0)
    for units, gap in zip(RHYTHM_PATTERN, gaps, strict=True):
        length = style.long_units if units > 1 else 1.0
        count = int(round(length * unit * sample_rate))
        t = np.arange(count) / sample_rate
        beep = np.sin(2.0 * np.pi * style.frequency_hz * t)
        ramp = min(int(style.ramp_ms / 1000.0 * sample_rate), count // 2)
        if ramp > 0:
            edge = 0.5 - 0.5 * np.cos(np.pi * (np.arange(ramp) + 0.5) / ramp)
            beep[:ramp] *= edge
            beep[-ramp:] *= edge[::-1]
        pieces.append(amplitude * beep)
        pieces.append(np.zeros(int(round(gap * unit * sample_rate))))
    return np.concatenate(pieces).astype(np.float32)


def notice_starts(
    total: int, sample_rate: int, clip_frames: int, positions: tuple[NoticePosition, ...], *, lead_ms: float = 50.0
) -> list[int]:
    """The first frame of each notice in content of ``total`` frames (after any padding), in order."""
    lead = int(lead_ms / 1000.0 * sample_rate)
    if total < clip_frames + lead:
        lead = 0
    table = {
        NoticePosition.START: lead,
        NoticePosition.MIDDLE: max(0, (total - clip_frames) // 2),
        NoticePosition.END: max(0, total - clip_frames - lead),
    }
    return sorted({table[position] for position in positions})


def notice_span(start: int, clip_frames: int, sample_rate: int) -> tuple[int, int]:
    """The frames one notice at ``start`` changes: the notice and its 20 ms gain ramps either side."""
    ramp = max(1, int(0.02 * sample_rate))
    return max(0, start - ramp), start + clip_frames + ramp


def mix_notice_at(
    segment: np.ndarray,
    offset: int,
    sample_rate: int,
    clip: np.ndarray,
    starts: list[int],
    *,
    ceiling: float = 0.98,
    duck_db: float = 0.0,
    audio_end: int | None = None,
) -> tuple[np.ndarray, float]:
    """Mix the notices at absolute ``starts`` into ``segment`` (float32 (frames, channels)) that begins at ``offset``.

    What mixing does to a frame depends only on the frames of its notices' ``notice_span``: a segment
    that holds each span it touches whole gives the same frames as mixing the whole audio (so audio
    can be mixed block by block). ``audio_end``: the audio's frame count when the segment reaches it
    (spans end there). Returns the mixed segment (a new array) and the deepest gain-down, dB.

    Raises:
        ValueError: a notice's span is only partly inside the segment.
    """
    out = np.array(segment, dtype=np.float32)
    total = out.shape[0]
    end_of_segment = offset + total
    local: list[int] = []
    for start in starts:
        lo, hi = notice_span(start, clip.size, sample_rate)
        hi = hi if audio_end is None else min(hi, audio_end)
        if hi <= offset or lo >= end_of_segment:
            continue
        if lo < offset or hi > end_of_segment:
            raise ValueError(f"the notice at frame {start} is only partly inside frames {offset}..{end_of_segment}")
        local.append(start - offset)
    ramp = max(1, int(0.02 * sample_rate))
    gain = np.ones(total, dtype=np.float32)
    duck = np.float32(10.0 ** (duck_db / 20.0))
    for start in local:
        end = min(total, start + clip.size)
        if duck_db < 0:
            lo, hi = max(0, start - ramp), min(total, end + ramp)
            envelope = np.ones(hi - lo, dtype=np.float32)
            envelope[start - lo : end - lo] = duck
            envelope[: start - lo] = np.linspace(1.0, duck, start - lo, dtype=np.float32)
            envelope[end - lo :] = np.linspace(duck, 1.0, hi - end, dtype=np.float32)
            out[lo:hi] *= envelope[:, None]
        out[start:end] += clip[: end - start, None]
    for start in local:
        end = min(total, start + clip.size)
        lo, hi = max(0, start - ramp), min(total, end + ramp)
        peak = float(np.max(np.abs(out[lo:hi]))) if hi > lo else 0.0
        if peak > ceiling:
            g = np.float32(ceiling / peak)
            segment_gain = np.full(hi - lo, g, dtype=np.float32)
            rise = start - lo
            fall = hi - end
            # Ramps lie outside the notice, where only content (not louder than before) remains.
            segment_gain[:rise] = np.linspace(1.0, g, rise, dtype=np.float32)
            if fall:
                segment_gain[-fall:] = np.linspace(g, 1.0, fall, dtype=np.float32)
            gain[lo:hi] = np.minimum(gain[lo:hi], segment_gain)
    out *= gain[:, None]
    return out, float(20.0 * np.log10(gain.min())) if gain.size else 0.0


def mix_notice(
    samples: np.ndarray,
    sample_rate: int,
    clip: np.ndarray,
    positions: tuple[NoticePosition, ...] = (NoticePosition.START,),
    *,
    ceiling: float = 0.98,
    duck_db: float = 0.0,
    lead_ms: float = 50.0,
) -> tuple[np.ndarray, NoticeMix]:
    """Mix a mono ``clip`` into every channel of ``samples`` (float32, (frames, channels)) at ``positions``.

    The content under the notice may be ducked by ``duck_db`` (<= 0). Content shorter than the
    notice is padded with silence at the end. Wherever the mixture would exceed ``ceiling``, the
    mixture (content and notice) is scaled down over that region with 20 ms gain ramps either side.

    Returns:
        The mixed PCM (a new array, same channel count and rate) and what the mix did.
    """
    if duck_db > 0:
        raise ValueError("duck_db must be <= 0")
    data = np.asarray(samples, dtype=np.float32)
    mono_input = data.ndim == 1
    if mono_input:
        data = data[:, None]
    clip = np.asarray(clip, dtype=np.float32).reshape(-1)
    needed = clip.size + int(lead_ms / 1000.0 * sample_rate)
    padded = max(0, needed - data.shape[0])
    out = np.concatenate([data, np.zeros((padded, data.shape[1]), np.float32)]) if padded else data
    peak_before = float(np.max(np.abs(data))) if data.size else 0.0
    starts = notice_starts(out.shape[0], sample_rate, clip.size, positions, lead_ms=lead_ms)
    out, min_gain_db = mix_notice_at(
        out, 0, sample_rate, clip, starts, ceiling=ceiling, duck_db=duck_db, audio_end=out.shape[0]
    )
    result = out[:, 0] if mono_input else out
    return result, NoticeMix(
        starts_s=tuple(start / sample_rate for start in starts),
        duration_s=clip.size / sample_rate,
        peak_before=peak_before,
        peak_after=float(np.max(np.abs(out))) if out.size else 0.0,
        min_gain_db=min_gain_db,
        padded_s=padded / sample_rate,
    )


def mix_rhythm(
    samples: np.ndarray,
    sample_rate: int,
    style: RhythmStyle = DEFAULT_RHYTHM,
    positions: tuple[NoticePosition, ...] = (NoticePosition.START,),
    **mix_options: float,
) -> tuple[np.ndarray, NoticeMix]:
    """Render the rhythm with ``style`` and mix it at ``positions`` (see ``mix_notice``)."""
    return mix_notice(samples, sample_rate, render_rhythm(sample_rate, style), positions, **mix_options)


def spoken_notice_clip(notice: np.ndarray, notice_rate: int, sample_rate: int, level_dbfs: float = -3.0) -> np.ndarray:
    """An operator's recorded spoken notice as a mono clip at ``sample_rate``, peak-normalised to ``level_dbfs``.

    Decode the operator's file with ``clearmark.media.audio.decode_audio`` first.
    """
    mono = resample(to_mono(notice), notice_rate, sample_rate)
    peak = float(np.max(np.abs(mono))) if mono.size else 0.0
    if peak <= 0.0:
        raise ValueError("the spoken notice is silent")
    return (mono * (10.0 ** (level_dbfs / 20.0) / peak)).astype(np.float32)
