"""ClearMark's video watermark: the image mark in every frame's luma, read by a majority over sampled frames."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

from clearmark.watermark.binding import Binding, Verdict
from clearmark.watermark.image import DEFAULT_PSNR_DB, MIN_EMBED_SIDE, WatermarkReading, decode_luma, mark_for_luma

# The mark is re-fitted to the picture every this many frames, at once on a scene change, and when
# the motion it follows has carried it _MOTION_MARGIN px; it is reused (moved) in between. A fit costs
# ~30-45 ms of CPU at 1080p (2026-12-02; ~100 ms before): fitting every frame roughly doubled Stamp's
# time. Since the mark moves with the picture, its strength keeps following the content between fits:
# on a 2.4 s 1080p pan one fit carried all 60 frames and every sampled frame still read, bound to
# its content, after each attack of tests/watermark/test_video.py. 24 frames (before motion was
# followed) became 48: half the fits.
DEFAULT_REFRESH_FRAMES = 48
# Mean absolute luma change (of 255) between consecutive frames' 64x36 thumbnails that forces a re-fit.
# (Against the fitted frame, as before motion was followed, a fast pan over detailed content read
# as a cut every few frames.)
SCENE_CHANGE = 20.0
_THUMB = (64, 36)
# Between fits the mark moves with the picture's dominant motion (a pan), measured by phase
# correlation on the plane shrunk to a short side of about _MOTION_SIDE px (1080p: 8 times) against
# the frame the mark was fitted to, refined on a full-resolution centre block, in whole pixels, up to
# _MOTION_MARGIN pixels (further: a re-fit). Most frames skip the shrunk planes: the block is matched
# where the frame before's motion predicts it, and a clear match near there is the answer
# (``FrameMarker._track``; 2026-12-02: 0.16 ms a 1080p frame instead of 1.2 ms). A 128 px block
# places the mark to the pixel as the 256 px one did: the same offsets on the bench clip, the same
# error against the true sub-pixel pan on six panned photos (docs/benchmarks.md, "Video Stamp frame
# work: the motion predicted").
# A mark fixed to the frame grid over panning content is residual that the encoder's motion
# compensation cannot predict (on the 1080p bench clip x264 wrote ~15 % more bytes and took ~20 %
# longer); one that moves with the content is predicted like the content. The per-frame decoder is
# indifferent to where the tile lattice sits.
_MOTION_SIDE = 128
_DETAIL_SIDE = 128  # the full-resolution centre block that refines the estimate to the pixel
_MOTION_MARGIN = 128
_MOTION_RESPONSE = 0.05  # phase-correlation peaks below this say "no one global motion": keep the last offset
# The centre block matched where the last frame's motion predicts it is taken without the shrunk
# planes when it lands within _PREDICTION_SLACK px of the prediction with at least this response
# (true matches: 0.56-1.0 on the bench clip and panned photos; a false one on the bench clip's
# wrap-around jump, predicted from the jump itself: 0.17). A frame-to-frame move over
# _PREDICTED_SPEED px is a jump, not a pan: it predicts no motion.
_PREDICTED_RESPONSE = 0.3
_PREDICTION_SLACK = 4
_PREDICTED_SPEED = 32


@dataclass
class FrameMarker:
    """Adds one payload's mark to successive luma planes (uint8, edited in place).

    Args:
        payload: the 8-byte payload (a ProduceID's registry key).
        key: the deployment's watermark key.
        full_range: the planes are full range (0..255) rather than limited (16..235).
        refresh_frames: re-fit the mark to the picture every this many frames (1: every frame), on
            every scene change and after _MOTION_MARGIN px of motion.
        psnr_db: the mark's strength (as for images).
        follow_motion: move the mark with the picture's dominant motion between fits (False: fixed
            to the frame grid, as every mark was embedded before 2026-12-02; both read the same).
    """

    payload: bytes
    key: bytes
    full_range: bool = False
    refresh_frames: int = DEFAULT_REFRESH_FRAMES
    psnr_db: float = DEFAULT_PSNR_DB
    follow_motion: bool = True
    _step: np.ndarray | None = field(default=None, init=False, repr=False)
    _motion: np.ndarray | None = field(default=None, init=False, repr=False)
    _detail: np.ndarray | None = field(default=None, init=False, repr=False)
    _offset: tuple[int, int] = field(default=(0, 0), init=False, repr=False)
    _velocity: tuple[int, int] = field(default=(0, 0), init=False, repr=False)
    _origin: tuple[int, int] = field(default=(0, 0), init=False, repr=False)
    _raise: np.ndarray = field(default_factory=lambda: np.zeros((1, 1), np.uint8), init=False, repr=False)
    _lower: np.ndarray = field(default_factory=lambda: np.zeros((1, 1), np.uint8), init=False, repr=False)
    _thumb: np.ndarray = field(default_factory=lambda: np.zeros((1, 1), np.float32), init=False, repr=False)
    _count: int = field(default=0, init=False, repr=False)

    @staticmethod
    def fits(width: int, height: int) -> bool:
        """Whether frames of this coded size can carry the mark."""
        return min(width, height) >= MIN_EMBED_SIDE

    def mark(self, luma: np.ndarray) -> None:
        """Add the mark to one Y plane in place."""
        thumb = _thumbnail(luma)
        offset = (0, 0)
        if (
            self.follow_motion
            and self._motion is not None
            and self._step is not None
            and self._step.shape == luma.shape
        ):
            offset = self._track(luma)
        new_shape = self._step is None or self._step.shape != luma.shape
        cut = not new_shape and float(np.abs(thumb - self._thumb).mean()) > SCENE_CHANGE
        # The motion since the frame before predicts the next frame's (none across a cut).
        moved = (offset[0] - self._offset[0], offset[1] - self._offset[1])
        self._velocity = (0, 0) if new_shape or cut else moved
        stale = (
            new_shape
            or cut
            or self._count % self.refresh_frames == 0
            or max(abs(offset[0]), abs(offset[1])) > _MOTION_MARGIN
        )
        if stale:
            # The new fit keeps the tile lattice where the moving mark has carried it (its origin),
            # so a re-fit during a pan changes the mark's strength, not its position: the encoder
            # still predicts most of it.
            origin = (0, 0) if new_shape else (self._origin[0] + offset[0], self._origin[1] + offset[1])
            self._count, self._origin, offset = 0, origin, (0, 0)
            self._motion = _motion_plane(luma) if self.follow_motion else None
            self._detail = _centre(luma) if self.follow_motion else None
            # The strength is set in Y code values (a limited-range plane shows it 255/219 stronger).
            host = np.roll(luma, (-origin[0], -origin[1]), axis=(0, 1)) if origin != (0, 0) else luma
            delta = mark_for_luma(host.astype(np.float32), self.payload, self.key, psnr_db=self.psnr_db)
            self._step = np.rint(delta, out=delta).astype(np.int16)
            if origin != (0, 0):  # (rolled once rounded: half the bytes of the float plane)
                self._step = np.roll(self._step, origin, axis=(0, 1))
            # The step split in its raising and lowering parts, so that adding it is two saturating
            # uint8 operations in place (no int16 copy of every frame), padded around (wrapping) so
            # that a moved mark is a view.
            margin = _MOTION_MARGIN if self.follow_motion else 0
            self._raise = _wrapped(cv2.convertScaleAbs(cv2.max(self._step, 0)), margin)
            self._lower = _wrapped(cv2.convertScaleAbs(cv2.min(self._step, 0)), margin)
        self._count += 1
        self._offset, self._thumb = offset, thumb
        height, width = luma.shape
        margin = (self._raise.shape[0] - height) // 2
        rows = slice(margin - offset[0], margin - offset[0] + height)
        cols = slice(margin - offset[1], margin - offset[1] + width)
        _add_in_place(luma, self._raise[rows, cols], self._lower[rows, cols], self.full_range)

    def _track(self, luma: np.ndarray) -> tuple[int, int]:
        """How far the picture moved since the fit (whole pixels), the cheap way first.

        The motion of the frame before predicts this one's (a pan keeps its speed): the fitted
        frame's centre block is matched at full resolution at the predicted place, and when the
        match lands within _PREDICTION_SLACK px of it, clearly, that is the answer. Otherwise (a
        start, a change of speed, a cut, no single motion) the shrunk planes find the motion
        first, as ``_global_shift`` always did.
        """
        assert self._motion is not None and self._detail is not None
        velocity = self._velocity if max(abs(self._velocity[0]), abs(self._velocity[1])) <= _PREDICTED_SPEED else (0, 0)
        predicted = (self._offset[0] + velocity[0], self._offset[1] + velocity[1])
        (rows, cols), response = _match_centre(self._detail, luma, predicted)
        if (
            response >= _PREDICTED_RESPONSE
            and max(abs(rows - predicted[0]), abs(cols - predicted[1])) <= _PREDICTION_SLACK
        ):
            return rows, cols
        return _global_shift(self._motion, _motion_plane(luma), self._detail, luma, self._offset)


def _motion_plane(luma: np.ndarray) -> np.ndarray:
    """The plane shrunk ``_motion_stride`` times, float32, windowed for phase correlation.

    Bilinear shrinking averages pixel pairs; plain decimation aliases, and on decoded 1080p H.264
    (the clip of tests/watermark/test_video.py) it put half of a 2 px pan's shifts a pixel off.
    """
    stride = _motion_stride(luma.shape)
    if stride == 1:
        small = luma.astype(np.float32)
    else:
        size = (luma.shape[1] // stride, luma.shape[0] // stride)
        small = cv2.resize(luma, size, interpolation=cv2.INTER_LINEAR).astype(np.float32)
    return small * _window(small.shape)


def _motion_stride(shape: tuple[int, ...]) -> int:
    """How many times the plane is shrunk for the coarse motion: a short side of about _MOTION_SIDE
    px (1080p: 8; 720p: 5); the full-resolution block refines it to the pixel."""
    return max(1, min(shape[0], shape[1]) // _MOTION_SIDE)


@lru_cache(maxsize=4)
def _window(shape: tuple[int, int]) -> np.ndarray:
    return cv2.createHanningWindow((shape[1], shape[0]), cv2.CV_32F)


def _global_shift(
    fitted: np.ndarray, current: np.ndarray, detail: np.ndarray | None, luma: np.ndarray, last: tuple[int, int]
) -> tuple[int, int]:
    """How far (rows, columns; whole pixels) the picture moved since the fit, or ``last`` when no
    single motion stands out.

    The shrunk planes give the motion to a few pixels (their sub-pixel estimate is biased towards
    whole shrunk pixels: a 1.5 px/frame pan read as 0, 4, 4, 5, 8 px); the fitted frame's centre at
    full resolution, against the current frame's block that far away, gives the rest.
    """
    (dx, dy), response = cv2.phaseCorrelate(fitted, current)
    if response < _MOTION_RESPONSE:
        return last
    stride = _motion_stride(luma.shape)
    coarse = round(dy * stride), round(dx * stride)
    if stride == 1 or detail is None:
        return coarse
    refined, response = _match_centre(detail, luma, coarse)
    return coarse if response < _MOTION_RESPONSE else refined


def _match_centre(detail: np.ndarray, luma: np.ndarray, near: tuple[int, int]) -> tuple[tuple[int, int], float]:
    """Where (rows, columns from the centre; whole pixels) the fitted frame's centre block ``detail``
    lies in ``luma``, searched on the block ``near`` that far from the centre, and the
    phase-correlation response of that match."""
    size = detail.shape[0]
    top, left = (luma.shape[0] - size) // 2, (luma.shape[1] - size) // 2
    row = min(max(top + near[0], 0), luma.shape[0] - size)
    col = min(max(left + near[1], 0), luma.shape[1] - size)
    block = luma[row : row + size, col : col + size].astype(np.float32) * _window((size, size))
    (fx, fy), response = cv2.phaseCorrelate(detail, block)
    return (row - top + round(fy), col - left + round(fx)), response


def _centre(luma: np.ndarray) -> np.ndarray:
    """The plane's centre block at full resolution (_DETAIL_SIDE px a side at most), windowed."""
    size = min(_DETAIL_SIDE, luma.shape[0], luma.shape[1])
    top, left = (luma.shape[0] - size) // 2, (luma.shape[1] - size) // 2
    return luma[top : top + size, left : left + size].astype(np.float32) * _window((size, size))


def _wrapped(plane: np.ndarray, margin: int) -> np.ndarray:
    """``plane`` padded ``margin`` px on every side with its own opposite edges (``np.pad``'s "wrap")."""
    return cv2.copyMakeBorder(plane, margin, margin, margin, margin, cv2.BORDER_WRAP) if margin else plane


def _thumbnail(luma: np.ndarray) -> np.ndarray:
    """The plane's _THUMB area average, from every few pixels (the scene test needs no more)."""
    stride = max(1, min(luma.shape[0] // (_THUMB[1] * 4), luma.shape[1] // (_THUMB[0] * 4)))
    return cv2.resize(luma[::stride, ::stride], _THUMB, interpolation=cv2.INTER_AREA).astype(np.float32)


def _add_in_place(luma: np.ndarray, up: np.ndarray, down: np.ndarray, full_range: bool) -> None:
    """``luma`` += up - down, clipped to the plane's range: the same as clipping the int16 sum."""
    if luma.strides[1] != 1:  # not a plane OpenCV can write in place: take the int16 route
        low, high = (0, 255) if full_range else (16, 235)
        luma[...] = np.clip(luma.astype(np.int16) + up.astype(np.int16) - down, low, high)
        return
    cv2.add(luma, up, dst=luma)
    cv2.subtract(luma, down, dst=luma)
    if not full_range:
        cv2.min(luma, 235, dst=luma)
        cv2.max(luma, 16, dst=luma)


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
