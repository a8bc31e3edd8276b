"""ClearMark's video watermark: the image mark in every frame's luma, read by a majority over sampled frames."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import cv2
import numpy as np

from clearmark.watermark.binding import Binding, Verdict
from clearmark.watermark.image import (
    DEFAULT_PSNR_DB,
    MIN_EMBED_SIDE,
    WatermarkReading,
    decode_luma,
    fit_tile,
    mark_from_tile,
)

# The tile's amplitudes are re-fitted to the picture every this many frames, and at once on a scene
# change, and reused in between. A fit costs ~80-100 ms of CPU at 1080p (bench/bench_video.py): fitting
# every frame roughly doubled Stamp's time. The masking map, though, is every frame's own (a few ms):
# with the map of the fit frame, the mark's strength followed where the content had been, and on a
# clip moving 2 px a frame the binding check (``binding``) fell from 0.54 on the fit frame to 0.20-0.33
# a few frames later ("does not follow the content"; docs/benchmarks.md, "Content binding").
DEFAULT_REFRESH_FRAMES = 24
SCENE_CHANGE = 20.0  # mean absolute luma change (of 255) on a 64x36 thumbnail that forces a re-fit
_THUMB = (64, 36)


@dataclass
class FrameMarker:
    """Adds one payload's mark to successive luma planes (uint8, edited in place).

    Args:
        payload: the 8-byte payload (a ProduceID's registry key).
        key: the deployment's watermark key.
        full_range: the planes are full range (0..255) rather than limited (16..235).
        refresh_frames: re-fit the mark to the picture every this many frames (1: every frame) and
            on every scene change.
        psnr_db: the mark's strength (as for images).
    """

    payload: bytes
    key: bytes
    full_range: bool = False
    refresh_frames: int = DEFAULT_REFRESH_FRAMES
    psnr_db: float = DEFAULT_PSNR_DB
    _tile: np.ndarray | None = field(default=None, init=False, repr=False)
    _shape: tuple[int, ...] = field(default=(), init=False, repr=False)
    _thumb: np.ndarray = field(default_factory=lambda: np.zeros((1, 1), np.float32), init=False, repr=False)
    _count: int = field(default=0, init=False, repr=False)

    @staticmethod
    def fits(width: int, height: int) -> bool:
        """Whether frames of this coded size can carry the mark."""
        return min(width, height) >= MIN_EMBED_SIDE

    def mark(self, luma: np.ndarray) -> None:
        """Add the mark to one Y plane in place."""
        thumb = cv2.resize(luma, _THUMB, interpolation=cv2.INTER_AREA).astype(np.float32)
        stale = (
            self._tile is None
            or self._shape != luma.shape
            or self._count % self.refresh_frames == 0
            or float(np.abs(thumb - self._thumb).mean()) > SCENE_CHANGE
        )
        if stale:
            self._thumb, self._count, self._shape = thumb, 0, luma.shape
            self._tile = fit_tile(luma.astype(np.float32), self.payload, self.key)
        self._count += 1
        # The strength is set in Y code values (a limited-range plane shows it 255/219 stronger).
        step = np.rint(mark_from_tile(luma, self._tile, psnr_db=self.psnr_db)).astype(np.int16)
        low, high = (0, 255) if self.full_range else (16, 235)
        marked = cv2.add(luma, step, dtype=cv2.CV_16S)
        luma[...] = np.clip(marked, low, high)


@dataclass(frozen=True)
class FrameReading:
    """The mark read in one sampled frame."""

    time_s: float
    reading: WatermarkReading


@dataclass(frozen=True)
class VideoWatermarkReading:
    """The majority payload over the sampled frames, with the frames that carried it.

    Attributes:
        payload: the payload most frames decoded to.
        frames: the readings that decoded to ``payload`` (their times are the evidence).
        frames_read: how many frames were tried.
        other_payloads: frames that decoded to another payload (conflicting marks).
    """

    payload: bytes
    frames: tuple[FrameReading, ...]
    frames_read: int
    other_payloads: int

    @property
    def payload_hex(self) -> str:
        return self.payload.hex()

    @property
    def votes(self) -> int:
        return len(self.frames)

    @property
    def confidence(self) -> float:
        """The mean per-frame confidence scaled by the share of frames that agree."""
        mean = float(np.mean([f.reading.confidence for f in self.frames]))
        return round(mean * self.votes / max(1, self.votes + self.other_payloads), 4)

    @property
    def binding(self) -> Binding:
        """The agreeing frames' binding figures averaged (one frame's read can be poor: a frame the
        encoder starved; the average judges the clip by the same rule as one picture)."""
        bindings = [f.reading.binding for f in self.frames]
        return Binding(
            agreement=float(np.mean([b.agreement for b in bindings])),
            z=float(np.mean([b.z for b in bindings])),
            structure=float(np.mean([b.structure for b in bindings])),
            power=float(np.mean([b.power for b in bindings])),
            spread=float(np.mean([b.spread for b in bindings])),
            blocks=min(b.blocks for b in bindings),
        )

    @property
    def binding_verdict(self) -> Verdict:
        """Whether the mark follows these frames, judged on the averaged figures (``binding``)."""
        return self.binding.verdict

    @property
    def content_bound(self) -> bool:
        """The mark follows the frames it was read from (see ``binding``)."""
        return self.binding_verdict is Verdict.BOUND

    @property
    def best(self) -> FrameReading:
        """The agreeing frame read with the fewest bit errors."""
        return min(self.frames, key=lambda f: (f.reading.bit_errors, -f.reading.sync_z))


def read_video_watermark(
    frames: Iterable[tuple[float, np.ndarray]], key: bytes, *, min_votes: int = 2, enough_votes: int = 5
) -> VideoWatermarkReading | None:
    """The payload decoded in most of ``frames`` ((time_s, luma) pairs) under ``key``, or None.

    A payload needs ``min_votes`` agreeing frames (one, when only one frame was given) and more
    votes than any other payload: one frame's false decode does not make a mark. Reading stops once
    one payload has ``enough_votes`` and no other payload was seen.
    """
    readings: list[FrameReading] = []
    tried = 0
    for time_s, luma in frames:
        tried += 1
        reading = decode_luma(np.asarray(luma, dtype=np.float32), key)
        if reading is not None:
            readings.append(FrameReading(time_s, reading))
            if len(readings) >= enough_votes and len({r.reading.payload for r in readings}) == 1:
                break
    if not readings:
        return None
    counts = Counter(r.reading.payload for r in readings).most_common()
    payload, votes = counts[0]
    if votes < min(min_votes, tried) or (len(counts) > 1 and counts[1][1] == votes):
        return None
    agreeing = tuple(r for r in readings if r.reading.payload == payload)
    return VideoWatermarkReading(
        payload=payload, frames=agreeing, frames_read=tried, other_payloads=len(readings) - votes
    )
