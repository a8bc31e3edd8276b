"""Frames sampled from a video for the detectors: dense over the start screen, then spread, seeking to key frames."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import av
import cv2
import numpy as np

from clearmark.core.errors import InvalidMedia
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits
from clearmark.media.video.probe import (
    _AV_ERRORS,
    VideoInfo,
    VideoSource,
    open_video,
    read_video_info,
    source_size,
    video_stream,
)

START_SCREEN_S = 3.0  # the start screen is sampled densely over this many seconds
START_STEP_S = 0.25  # ...at this step: the notice's on-screen duration is measured to within it
SPREAD_FRAMES = 6  # frames spread evenly over the rest of the video
_SEEK_GAP_S = 2.0  # decode on rather than seek when the next sample is closer than this
_SAME_TIME_S = 1e-6

T = TypeVar("T")


@dataclass(frozen=True)
class SampledFrame:
    """One decoded frame.

    Attributes:
        time_s: presentation time from the first frame, seconds.
        luma: the coded frame's Y plane (uint8, coded orientation: where the watermark lives).
        rgb: the frame as displayed (uint8 RGB; sample aspect ratio and rotation applied: what OCR reads).
        key_frame: the frame is a key frame.
    """

    time_s: float
    luma: np.ndarray
    rgb: np.ndarray
    key_frame: bool


def sample_times(
    info: VideoInfo,
    *,
    start_screen_s: float = START_SCREEN_S,
    start_step_s: float = START_STEP_S,
    spread: int = SPREAD_FRAMES,
) -> tuple[float, ...]:
    """The presentation times to sample: every ``start_step_s`` over the start screen, then ``spread`` more."""
    duration = max(info.duration_s, 0.0)
    dense_end = min(start_screen_s, duration) if duration > 0 else start_screen_s
    steps = int(dense_end / start_step_s + 1e-9)
    times = [round(i * start_step_s, 6) for i in range(steps + 1)]
    if duration > start_screen_s and spread > 0:
        span = duration - start_screen_s
        times += [round(start_screen_s + span * (i + 0.5) / spread, 6) for i in range(spread)]
    return tuple(sorted(set(times)))


def _displayed(frame: av.VideoFrame, info: VideoInfo) -> np.ndarray:
    rgb = frame.to_ndarray(format="rgb24")
    if info.sample_aspect_ratio and info.sample_aspect_ratio != 1:
        width = max(1, round(rgb.shape[1] * info.sample_aspect_ratio))
        rgb = cv2.resize(rgb, (width, rgb.shape[0]), interpolation=cv2.INTER_AREA)
    if info.rotation:
        rgb = np.ascontiguousarray(np.rot90(rgb, k=info.rotation // 90))
    return rgb


def sample_of(frame: av.VideoFrame, time_s: float, info: VideoInfo) -> SampledFrame:
    """``frame`` as a sample shown at ``time_s`` (from the first frame): its coded luma and its displayed RGB."""
    luma = frame.to_ndarray(format="gray") if frame.format.name not in ("yuv420p", "yuvj420p") else None
    if luma is None:
        plane = frame.planes[0]
        luma = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width].copy()
    return SampledFrame(time_s=time_s, luma=luma, rgb=_displayed(frame, info), key_frame=bool(frame.key_frame))


def sample_frames(
    source: VideoSource,
    limits: MediaLimits = DEFAULT_LIMITS,
    times: tuple[float, ...] | None = None,
    *,
    info: VideoInfo | None = None,
) -> tuple[VideoInfo, tuple[SampledFrame, ...]]:
    """The frames on screen at ``times`` (default ``sample_times(info)``), decoding only what they need.

    The start screen is decoded frame by frame; later samples seek to the key frame before them and
    decode forward. A sample is the last frame whose presentation time is at or before its time.
    ``info`` is the caller's ``probe_video(source, limits)`` when it has one (the probe opens the file
    and decodes a frame: not twice).

    Raises:
        InvalidMedia: unreadable, corrupt or truncated video.
        MediaTooLarge: a header limit of ``limits`` (checked before decoding).
    """
    if info is None:
        size = source_size(source)
        with open_video(source, limits) as container:
            info = read_video_info(container, size, limits)
    wanted = list(times if times is not None else sample_times(info))
    if not wanted:
        return info, ()
    samples: list[SampledFrame] = []
    with open_video(source, limits) as container:
        stream = video_stream(container)
        stream.thread_type = "AUTO"
        origin: float | None = None
        try:
            samples = _walk(container, stream, info, wanted, origin)
        except _AV_ERRORS as exc:
            raise InvalidMedia(f"the video stream does not decode: {exc}") from exc
    if not samples:
        raise InvalidMedia("the video stream holds no decodable frame")
    return info, tuple(samples)


@dataclass
class SampleSelection(Generic[T]):
    """Which frame each sample time takes: the last one shown at or before it (every sampler's rule).

    Frames are offered in presentation order; ``take`` receives each frame as soon as some sample time
    is settled on it (once per such time). Used on decoded frames (``sample_frames``) and on packet
    timestamps alone (``representative``), so both pick the same frame.
    """

    pending: list[float]
    take: Callable[[float, T], object]
    previous: tuple[float, T] | None = field(default=None)

    def offer(self, time_s: float, item: T) -> bool:
        """The next frame shown, at ``time_s`` from the first; True when every sample time is settled
        (``item`` then comes after them all and is not kept)."""
        while self.pending and time_s > self.pending[0] + _SAME_TIME_S:
            if self.previous is not None:
                self.take(*self.previous)
            self.pending.pop(0)
        if not self.pending:
            return True
        self.previous = (time_s, item)
        return False

    def restart(self) -> None:
        """Frames will be offered again from an earlier point (after a seek): the last one is forgotten."""
        self.previous = None

    def end(self, info: VideoInfo) -> None:
        """The stream ended: its last frame stays on screen for every time left, unless the file is cut
        short of the duration its header declares (``check_not_cut`` raises InvalidMedia then)."""
        if not self.pending:
            return
        check_not_cut(info, self.previous[0] if self.previous is not None else -1.0)
        if self.previous is not None:
            self.take(*self.previous)
        self.pending = []


def _walk(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    info: VideoInfo,
    wanted: list[float],
    origin: float | None,
) -> list[SampledFrame]:
    taken: dict[float, SampledFrame] = {}

    def take(time_s: float, frame: av.VideoFrame) -> None:
        if time_s not in taken:
            taken[time_s] = sample_of(frame, time_s, info)

    selection: SampleSelection[av.VideoFrame] = SampleSelection(list(wanted), take)
    sought: float | None = None
    while selection.pending:
        restart = False
        for frame in container.decode(stream):
            if frame.time is None:
                continue
            if origin is None:
                origin = float(frame.time)
            time_s = round(float(frame.time) - origin, 6)
            if selection.offer(time_s, frame):
                break
            following = selection.pending[0]
            if following - time_s > _SEEK_GAP_S and sought != following:
                sought = following
                container.seek(int((origin + following) / float(stream.time_base)), stream=stream, backward=True)
                selection.restart()
                restart = True
                break
        else:
            selection.end(info)
        if not restart:
            break
    return [taken[t] for t in sorted(taken)]


def check_not_cut(info: VideoInfo, last_s: float) -> None:
    """Raise InvalidMedia when the last frame (at ``last_s`` from the first; -1: none) comes well before the
    duration the header declares: the last frame stays on screen to the end, but not for a cut file.
    """
    frame_s = 1.0 / float(info.frame_rate) if info.frame_rate else 0.1
    if info.duration_s - last_s > max(0.5, 3 * frame_s):
        stop = max(last_s, 0.0)
        raise InvalidMedia(f"the video is truncated: frames stop at {stop:.2f} s of {info.duration_s:.2f} s")
