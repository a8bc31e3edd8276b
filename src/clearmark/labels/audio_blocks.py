"""Stamp's audio path in blocks: decoded PCM in, the notice mixed and the mark embedded where each block falls, PCM out.

Memory is bounded by the block, not the file: a block of whole watermark pattern repetitions
(about ``BLOCK_S`` seconds) is processed with ``MARGIN_S`` of audio either side, so the mark's
short-time transforms and resampling see the same neighbourhood as they would in the whole file,
and the pattern is laid where the block falls (``first_cell``), so the blocks make one mark. A
notice is mixed from its whole span (its frames and gain ramps), wherever block edges fall, so
the frames are the ones mixing the whole audio gives. The mark is read back from the first block
(it holds at least ``BLOCK_S`` seconds, or the whole audio): a mark that does not decode there is
not embedded anywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from clearmark.notice.audio_rhythm import NoticePosition, mix_notice_at, notice_span, notice_starts
from clearmark.watermark.audio import (
    MARK_RATE,
    MIN_DETECT_S,
    cell_frames,
    decode_audio_watermark,
    embed_audio_watermark,
    first_cell_of,
    period_frames,
)

BLOCK_S = 30.0
MARGIN_S = 1.0
_LEAD_MS = 50.0


@dataclass(frozen=True)
class NoticePlan:
    """The audible notice to mix: a mono clip at the audio's rate, where, and the duck level under it."""

    clip: np.ndarray
    positions: tuple[NoticePosition, ...]
    duck_db: float = 0.0


@dataclass(frozen=True)
class MarkPlan:
    """The watermark to embed: 8 payload bytes under the deployment's key."""

    payload: bytes
    key: bytes


@dataclass(frozen=True)
class BlockStamp:
    """What stamping in blocks did.

    Attributes:
        frames: frames written (the input's, plus any silence padded for a notice longer than it).
        notice_starts_s: start of each mixed notice, seconds.
        min_gain_db: the deepest gain-down around a notice to avoid clipping (0.0: none).
        padded_s: silence appended because the audio was shorter than the notice.
        marked: the mark was embedded (and read back from the first block).
        mark_warning: why no mark was embedded when one was asked for ('' otherwise).
        blocks: blocks processed.
    """

    frames: int
    notice_starts_s: tuple[float, ...]
    min_gain_db: float
    padded_s: float
    marked: bool
    mark_warning: str
    blocks: int


class _Frames:
    """Decoded frames from absolute frame ``start`` on, appended at the end, dropped from the front."""

    def __init__(self, channels: int) -> None:
        self.parts: list[np.ndarray] = []
        self.start = 0
        self.end = 0
        self.channels = channels

    def append(self, block: np.ndarray) -> None:
        if block.shape[0]:
            self.parts.append(block)
            self.end += block.shape[0]

    def take(self, lo: int, hi: int) -> np.ndarray:
        """A copy of frames ``lo..hi`` (absolute; all held)."""
        assert self.start <= lo <= hi <= self.end, (self.start, lo, hi, self.end)
        joined = np.concatenate(self.parts) if len(self.parts) > 1 else self.parts[0]
        self.parts = [joined]
        return np.array(joined[lo - self.start : hi - self.start], dtype=np.float32)

    def drop_before(self, frame: int) -> None:
        frame = min(frame, self.end)
        if frame <= self.start:
            return
        joined = np.concatenate(self.parts) if len(self.parts) > 1 else self.parts[0]
        self.parts = [joined[frame - self.start :].copy()]
        self.start = frame


def block_frames(sample_rate: int, block_s: float = BLOCK_S) -> int:
    """Frames of one block at ``sample_rate``: whole pattern repetitions, at least ``block_s`` seconds."""
    period = period_frames(sample_rate)
    return max(1, math.ceil(block_s * sample_rate / period)) * period


def stamp_blocks(
    chunks: Iterable[np.ndarray],
    sample_rate: int,
    channels: int,
    write: Callable[[np.ndarray], None],
    *,
    notice: NoticePlan | None = None,
    mark: MarkPlan | None = None,
    total_frames: int | None = None,
    block_s: float = BLOCK_S,
    margin_s: float = MARGIN_S,
) -> BlockStamp:
    """Mix ``notice`` and embed ``mark`` into the PCM ``chunks`` (float32 (frames, channels)), ``write``-ing each block.

    ``total_frames`` (the decoded length) is needed when the notice goes in the middle or at the end.

    Raises:
        ValueError: a middle or end notice without ``total_frames``.
    """
    if notice and total_frames is None and set(notice.positions) - {NoticePosition.START}:
        raise ValueError("a middle or end notice needs the audio's frame count")
    block = block_frames(sample_rate, block_s)
    unit = cell_frames(sample_rate)
    margin = math.ceil(margin_s * sample_rate / unit) * unit
    clip = notice.clip if notice else np.zeros(0, np.float32)
    lookahead = clip.size + 2 * max(1, int(0.02 * sample_rate))
    needed = clip.size + int(_LEAD_MS / 1000.0 * sample_rate)
    frames = _Frames(channels)
    iterator = iter(chunks)
    ended = False
    starts: list[int] = []
    min_gain = 0.0
    padded = 0
    marking = mark is not None
    warning = ""
    if mark is not None and sample_rate < MARK_RATE:
        marking, warning = (
            False,
            f"no audio watermark: it needs a sample rate of at least {MARK_RATE} Hz, not {sample_rate}",
        )
    done = 0
    count = 0
    while True:
        # Decode until the next block, its margin and any notice span it touches are all held.
        while not ended and frames.end < done + block + margin + lookahead:
            try:
                frames.append(np.asarray(next(iterator), dtype=np.float32).reshape(-1, channels))
            except StopIteration:
                ended = True
        if ended and count == 0 and notice is not None and frames.end < needed:
            padded = needed - frames.end
            frames.append(np.zeros((padded, channels), np.float32))
        if notice is not None and not starts:
            total = total_frames + padded if total_frames is not None else frames.end
            starts = notice_starts(total, sample_rate, clip.size, notice.positions, lead_ms=_LEAD_MS)
        end = min(done + block, frames.end)
        if end <= done:
            break
        last = ended and end == frames.end
        lo, hi = max(0, done - margin), min(frames.end, end + margin)
        window = _mixed(frames, lo, hi, sample_rate, notice, starts, last=ended)
        if notice is not None:
            min_gain = min(min_gain, window[1])
        pcm = window[0]
        out = pcm[done - lo : end - lo]
        if marking and mark is not None:
            if count == 0 and last and end / sample_rate < MIN_DETECT_S:
                marking = False
                warning = (
                    f"no audio watermark: {end / sample_rate:.1f} s is too short to read one ({MIN_DETECT_S:.1f} s)"
                )
            else:
                marked = embed_audio_watermark(
                    pcm, sample_rate, mark.payload, mark.key, first_cell=first_cell_of(lo, sample_rate)
                )[done - lo : end - lo]
                if count == 0:
                    # Read back like the labels: speech with long pauses or little energy in 250-3750 Hz
                    # can need more than a few seconds; a mark that does not decode is not claimed.
                    reading = decode_audio_watermark(marked, sample_rate, mark.key)
                    if reading is None or reading.payload != mark.payload:
                        marking = False
                        warning = (
                            "no audio watermark: it did not read back from this audio (too short, or too little "
                            "sound in 250-3750 Hz)"
                        )
                if marking:
                    out = marked
        write(out)
        done, count = end, count + 1
        frames.drop_before(done - margin - lookahead)
        if last:
            break
    return BlockStamp(
        frames=done,
        notice_starts_s=tuple(start / sample_rate for start in starts),
        min_gain_db=min_gain,
        padded_s=padded / sample_rate,
        marked=marking and mark is not None,
        mark_warning=warning,
        blocks=count,
    )


def _mixed(
    frames: _Frames, lo: int, hi: int, rate: int, notice: NoticePlan | None, starts: list[int], *, last: bool
) -> tuple[np.ndarray, float]:
    """Frames ``lo..hi`` with the notices mixed in, each from its whole span; and the deepest gain-down."""
    if notice is None:
        return frames.take(lo, hi), 0.0
    clip = notice.clip
    x_lo, x_hi = lo, hi
    grown = True
    while grown:  # overlapping spans (notices close together) are taken whole together
        grown = False
        for start in starts:
            span_lo, span_hi = notice_span(start, clip.size, rate)
            span_hi = min(span_hi, frames.end)
            if span_hi > x_lo and span_lo < x_hi and (span_lo < x_lo or span_hi > x_hi):
                x_lo, x_hi, grown = min(x_lo, span_lo), max(x_hi, span_hi), True
    raw = frames.take(x_lo, x_hi)
    mixed, gain = mix_notice_at(
        raw, x_lo, rate, clip, starts, duck_db=notice.duck_db, audio_end=frames.end if last else None
    )
    return mixed[lo - x_lo : hi - x_lo], gain
