"""What a video file declares, read from its container header under limits before any decoding."""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import av

from clearmark.core.errors import InvalidMedia
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, enforce_limit
from clearmark.media.source import Source

VideoSource = Source | bytes | str | Path

# FFmpeg warnings on these may still hide damage; errors always raise.
_AV_ERRORS = (av.error.FFmpegError, ValueError, UnicodeDecodeError, OSError)


@dataclass(frozen=True)
class StreamInfo:
    """One stream of the container: its index, type (video, audio, subtitle, data) and codec."""

    index: int
    type: str
    codec: str


@dataclass(frozen=True)
class VideoInfo:
    """The first video stream as the container declares it.

    Attributes:
        container: FFmpeg's demuxer name (``mov,mp4,m4a,3gp,3g2,mj2``, ``matroska,webm``).
        codec: FFmpeg's name of the video codec (``h264``, ``hevc``, ``vp9``...).
        width, height: the coded frame size in pixels.
        rotation: the display matrix's counter-clockwise rotation, 0/90/180/270 degrees.
        sample_aspect_ratio: the pixel shape (1 for square pixels).
        display_width, display_height: the frame as shown: SAR applied, then rotation.
        frame_rate: FFmpeg's guess of the frame rate (the base rate; None when the container does not say).
        time_base: the stream's timestamp unit, seconds.
        duration_s: the declared duration, seconds.
        frame_count: declared frames, or duration × frame rate when the container does not say.
        bit_rate: the stream's bit rate (or the container's share of it), bits per second; 0 unknown.
        pix_fmt: the decoder's pixel format (``yuv420p``...).
        color_range, colorspace, color_primaries, color_trc: FFmpeg's colour enums as ints.
        streams: every stream of the container.
        size_bytes: the file's size.
    """

    container: str
    codec: str
    width: int
    height: int
    rotation: int
    sample_aspect_ratio: Fraction
    display_width: int
    display_height: int
    frame_rate: Fraction | None
    time_base: Fraction
    duration_s: float
    frame_count: int
    bit_rate: int
    pix_fmt: str
    color_range: int
    colorspace: int
    color_primaries: int
    color_trc: int
    streams: tuple[StreamInfo, ...]
    size_bytes: int

    @property
    def displayed_shortest_side(self) -> int:
        """The shortest side of the displayed frame (what the 5 % notice rule is measured on)."""
        return min(self.display_width, self.display_height)


def source_size(source: VideoSource) -> int:
    """The number of bytes of ``source`` without reading it."""
    if isinstance(source, Source):
        return source.size
    if isinstance(source, bytes):
        return len(source)
    try:
        return os.stat(source).st_size
    except OSError as exc:
        raise InvalidMedia(f"cannot read the video file: {exc.strerror}") from exc


@contextmanager
def open_video(source: VideoSource, limits: MediaLimits = DEFAULT_LIMITS) -> Iterator[av.container.InputContainer]:
    """Open ``source`` for demuxing after checking its size against ``max_video_bytes``.

    Raises:
        MediaTooLarge: the file is bigger than ``limits.max_video_bytes``.
        InvalidMedia: FFmpeg cannot read the container.
    """
    enforce_limit("max_video_bytes", source_size(source), limits.max_video_bytes, what="video file size")
    if isinstance(source, Source):
        if source.path is not None:
            target: object = str(source.path)
        else:
            target = io.BytesIO(source.data or b"")
    elif isinstance(source, bytes):
        target = io.BytesIO(source)
    else:
        target = str(source)
    try:
        container = av.open(target, mode="r")
    except _AV_ERRORS as exc:
        raise InvalidMedia(f"not a readable video file: {exc}") from exc
    try:
        yield container
    finally:
        container.close()


def video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    """The first video stream (cover-art pictures are not video).

    Raises:
        InvalidMedia: the container has no video stream.
    """
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    raise InvalidMedia("the file has no video stream")


def _first_frame(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> av.VideoFrame:
    # PyAV exposes the display matrix on decoded frames only: decode the first frame (after every
    # header limit has passed) and read its rotation.
    try:
        for frame in container.decode(stream):
            return frame
    except _AV_ERRORS as exc:
        raise InvalidMedia(f"the video stream does not decode: {exc}") from exc
    raise InvalidMedia("the video stream holds no decodable frame")


def _displayed(width: int, height: int, sar: Fraction, rotation: int) -> tuple[int, int]:
    shown_w = max(1, round(width * sar)) if sar > 0 else width
    return (height, shown_w) if rotation in (90, 270) else (shown_w, height)


def _duration_s(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return max(0.0, float(stream.duration * stream.time_base))
    if container.duration is not None:
        return max(0.0, container.duration / av.time_base)
    return 0.0


def check_video_limits(info: VideoInfo, limits: MediaLimits) -> None:
    """Raise MediaTooLarge when the declared size, duration, resolution or frame count is over ``limits``."""
    enforce_limit("max_video_bytes", info.size_bytes, limits.max_video_bytes, what="video file size")
    enforce_limit("max_dimension", max(info.width, info.height), limits.max_dimension, what="video frame dimension")
    enforce_limit(
        "max_video_pixels", info.width * info.height, limits.max_video_pixels, what=f"{info.width}x{info.height} frames"
    )
    enforce_limit(
        "max_video_duration_s", math.ceil(info.duration_s), limits.max_video_duration_s, what="declared duration (s)"
    )
    enforce_limit("max_video_frames", info.frame_count, limits.max_video_frames, what="frame count")


def read_video_info(
    container: av.container.InputContainer, size_bytes: int, limits: MediaLimits = DEFAULT_LIMITS
) -> VideoInfo:
    """The declared parameters of an open container, limits checked before the one frame decoded for rotation.

    Raises:
        InvalidMedia: no video stream, no frame size, or the first frame does not decode.
        MediaTooLarge: a limit of ``limits`` is exceeded.
    """
    header = read_video_header(container, size_bytes, limits)
    return rotated(header, _first_frame(container, video_stream(container)))


def read_video_header(
    container: av.container.InputContainer, size_bytes: int, limits: MediaLimits = DEFAULT_LIMITS
) -> VideoInfo:
    """The declared parameters of an open container, limits checked, nothing decoded: the rotation is left at 0.

    PyAV shows the display matrix on decoded frames only; a caller that decodes the stream anyway
    completes the header with ``rotated`` and its first frame (what ``read_video_info`` does).

    Raises:
        InvalidMedia: no video stream or no frame size.
        MediaTooLarge: a limit of ``limits`` is exceeded.
    """
    stream = video_stream(container)
    context = stream.codec_context
    if context.width <= 0 or context.height <= 0:
        raise InvalidMedia("the video stream declares no frame size")
    rate = stream.guessed_rate or stream.average_rate
    duration = _duration_s(container, stream)
    frames = int(stream.frames or 0)
    if frames <= 0 and rate:
        frames = math.ceil(duration * float(rate))
    sar = stream.sample_aspect_ratio or Fraction(1)
    bit_rate = int(stream.bit_rate or context.bit_rate or 0)
    if not bit_rate and duration > 0:
        bit_rate = int(size_bytes * 8 / duration)
    streams = tuple(
        StreamInfo(index=s.index, type=s.type, codec=s.codec_context.name if s.codec_context else "")
        for s in container.streams
    )
    header = VideoInfo(
        container=container.format.name,
        codec=context.name,
        width=context.width,
        height=context.height,
        rotation=0,
        sample_aspect_ratio=Fraction(sar),
        display_width=context.width,
        display_height=context.height,
        frame_rate=Fraction(rate) if rate else None,
        time_base=Fraction(stream.time_base or Fraction(1, 90000)),
        duration_s=duration,
        frame_count=frames,
        bit_rate=bit_rate,
        pix_fmt=context.pix_fmt or "",
        color_range=int(context.color_range),
        colorspace=int(context.colorspace),
        color_primaries=int(context.color_primaries),
        color_trc=int(context.color_trc),
        streams=streams,
        size_bytes=size_bytes,
    )
    check_video_limits(header, limits)
    # The sampler draws the displayed picture (SAR applied): a bitstream's aspect ratio of 255:1 would
    # widen every sampled frame 255 times, so the displayed picture is held to the same pixel limit.
    shown_w, shown_h = _displayed(header.width, header.height, header.sample_aspect_ratio, 0)
    enforce_limit("max_video_pixels", shown_w * shown_h, limits.max_video_pixels, what=f"{shown_w}x{shown_h} displayed")
    return header


def rotated(header: VideoInfo, frame: av.VideoFrame) -> VideoInfo:
    """``header`` (from ``read_video_header``) with the rotation of a decoded frame of its stream."""
    rotation = int(round(frame.rotation)) % 360
    display_width, display_height = _displayed(header.width, header.height, header.sample_aspect_ratio, rotation)
    return replace(header, rotation=rotation, display_width=display_width, display_height=display_height)


def probe_video(source: VideoSource, limits: MediaLimits = DEFAULT_LIMITS) -> VideoInfo:
    """The first video stream's declared parameters; only its first frame is decoded (for the rotation).

    Raises:
        InvalidMedia: not a readable video, no video stream, or a first frame that does not decode.
        MediaTooLarge: bytes, resolution, duration or frame count over ``limits`` (checked from the
            header, before decoding).
    """
    size = source_size(source)
    with open_video(source, limits) as container:
        return read_video_info(container, size, limits)
