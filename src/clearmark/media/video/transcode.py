"""Re-encode a video's frames after an edit, keeping timing, rotation, colour and every other stream as they were."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from clearmark.core.errors import InvalidMedia, MediaTooLarge
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


@dataclass
class FramePlanes:
    """One decoded frame's planes as writable uint8 views (edits land in the frame itself).

    ``y`` is (height, width); ``u`` and ``v`` are the chroma planes at their subsampled size. Values
    follow the stream's range: 16..235 for limited ("tv") range, 0..255 for full range.
    """

    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    full_range: bool


FrameEditor = Callable[[float, FramePlanes], None]


@dataclass(frozen=True)
class EncoderSpec:
    """How one codec family is re-encoded: FFmpeg encoder and its speed/quality options."""

    encoder: str
    options: dict[str, str] = field(default_factory=dict)
    pix_fmts: tuple[str, ...] = ("yuv420p",)


# Codec family (the decoder's name) -> encoder; other codecs re-encode as H.264 (VP9 in WebM).
ENCODERS: dict[str, EncoderSpec] = {
    "h264": EncoderSpec("libx264", {"preset": "veryfast"}, ("yuv420p", "yuvj420p", "yuv422p", "yuv444p")),
    "hevc": EncoderSpec(
        "libx265", {"preset": "veryfast", "x265-params": "log-level=error"}, ("yuv420p", "yuv422p", "yuv444p")
    ),
    "vp9": EncoderSpec("libvpx-vp9", {"deadline": "realtime", "cpu-used": "8", "row-mt": "1"}, ("yuv420p", "yuv444p")),
}
FALLBACK_ENCODER = {"webm": "vp9"}
DEFAULT_FAMILY = "h264"

# Demuxer name -> muxer of the output (same container family as the input).
MUXERS: dict[str, str] = {"mov,mp4,m4a,3gp,3g2,mj2": "mp4", "matroska,webm": "matroska"}

# Planar 8-bit YUV formats edited in place; anything else is converted to yuv420p first.
_EDITABLE = frozenset({"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p"})


@dataclass(frozen=True)
class TranscodeResult:
    """What was written: the source's parameters, the encoder used and the frames re-encoded."""

    info: VideoInfo
    encoder: str
    frames: int
    muxer: str


def output_muxer(info: VideoInfo, path: Path) -> str:
    """The muxer for a re-encode of ``info``: MP4 for MP4/MOV, WebM or Matroska as the input, else by suffix."""
    muxer = MUXERS.get(info.container, "mp4")
    if muxer == "matroska" and (path.suffix.lower() == ".webm" or _is_webm(info)):
        return "webm"
    return muxer


def _is_webm(info: VideoInfo) -> bool:
    allowed = {"vp8", "vp9", "av1", "opus", "vorbis", "webvtt"}
    return all(s.codec in allowed for s in info.streams if s.type in ("video", "audio", "subtitle"))


def encoder_for(info: VideoInfo, muxer: str) -> EncoderSpec:
    """The encoder of the same family as the source codec (H.264, or VP9 in WebM, for others)."""
    family = info.codec if info.codec in ENCODERS else FALLBACK_ENCODER.get(muxer, DEFAULT_FAMILY)
    return ENCODERS[family]


def _planes(frame: av.VideoFrame, full_range: bool) -> FramePlanes:
    views = []
    for plane in frame.planes[:3]:
        buffer = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)
        views.append(buffer[:, : plane.width])
    return FramePlanes(y=views[0], u=views[1], v=views[2], full_range=full_range)


def _writable(frame: av.VideoFrame, editable: bool) -> av.VideoFrame:
    if not editable:
        converted = frame.reformat(format="yuv420p")
        converted.pts, converted.time_base = frame.pts, frame.time_base
        return converted
    frame.make_writable()
    return frame


def transcode(
    source: VideoSource,
    output_path: Path,
    edit_frame: FrameEditor,
    limits: MediaLimits = DEFAULT_LIMITS,
    *,
    bit_rate: int | None = None,
    info: VideoInfo | None = None,
) -> TranscodeResult:
    """Decode the first video stream, edit each frame, re-encode it; copy every other stream untouched.

    Frame rate, time base and each frame's timestamp (variable frame rate included), rotation,
    sample aspect ratio, colour properties and pixel format are kept; the bit rate is the source's
    unless ``bit_rate`` says otherwise. ``edit_frame(time_s, planes)`` gets the presentation time
    from the first frame and edits the planes in place. The output is written to a temporary file
    beside ``output_path`` and renamed over it only when complete. ``info`` is the caller's
    ``probe_video(source, limits)`` when it has one (the probe decodes a frame: not twice).

    Raises:
        InvalidMedia: unreadable, corrupt or truncated input.
        MediaTooLarge: a limit of ``limits`` (checked from the header before decoding, and on the
            frames actually decoded).
    """
    output_path = Path(output_path)
    size = source_size(source)
    fd, temp_name = tempfile.mkstemp(prefix=".transcode-", suffix=output_path.suffix, dir=output_path.parent)
    os.close(fd)
    try:
        if info is None:
            with open_video(source, limits) as probe_container:
                info = read_video_info(probe_container, size, limits)
        with open_video(source, limits) as container:
            result = _transcode(container, info, Path(temp_name), edit_frame, limits, bit_rate)
        os.replace(temp_name, output_path)
        return result
    except _AV_ERRORS as exc:
        raise InvalidMedia(f"the video does not decode: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)


def _transcode(
    container: av.container.InputContainer,
    info: VideoInfo,
    temp_path: Path,
    edit_frame: FrameEditor,
    limits: MediaLimits,
    bit_rate: int | None,
) -> TranscodeResult:
    source_video = video_stream(container)
    muxer = output_muxer(info, temp_path)
    spec = encoder_for(info, muxer)
    editable = info.pix_fmt in _EDITABLE
    pix_fmt = info.pix_fmt if editable and info.pix_fmt in spec.pix_fmts else "yuv420p"
    full_range = info.color_range == 2 or info.pix_fmt.startswith("yuvj")
    with av.open(str(temp_path), mode="w", format=muxer) as output:
        video = output.add_stream(spec.encoder, rate=info.frame_rate or 30, options=dict(spec.options))
        context = video.codec_context
        context.width, context.height, context.pix_fmt = info.width, info.height, pix_fmt
        context.time_base = info.time_base
        video.time_base = info.time_base
        if info.sample_aspect_ratio and info.sample_aspect_ratio != 1:
            context.sample_aspect_ratio = info.sample_aspect_ratio
        context.color_range, context.colorspace = info.color_range, info.colorspace
        context.color_primaries, context.color_trc = info.color_primaries, info.color_trc
        target_rate = bit_rate if bit_rate is not None else info.bit_rate
        if target_rate > 0:
            context.bit_rate = target_rate
        if info.rotation:
            video.set_display_rotation(info.rotation)
        copied: dict[int, av.stream.Stream] = {}
        for stream in container.streams:
            if stream.index == source_video.index or stream.type == "attachment":
                continue
            try:
                copied[stream.index] = output.add_stream_from_template(stream)
            except _AV_ERRORS:
                continue  # a stream this muxer cannot carry (rare: e.g. a data track in WebM)
        wanted = [source_video, *(s for s in container.streams if s.index in copied)]
        first_time: float | None = None
        frames = 0
        for packet in container.demux(wanted):
            if packet.stream.index != source_video.index:
                if packet.dts is None:
                    continue
                packet.stream = copied[packet.stream.index]
                output.mux(packet)
                continue
            for frame in packet.decode():
                frames += 1
                if frames > limits.max_video_frames:
                    raise MediaTooLarge(
                        f"decoded frames exceed max_video_frames={limits.max_video_frames}", reason="MEDIA_TOO_LARGE"
                    )
                frame = _writable(frame, editable)
                time_s = float(frame.time) if frame.time is not None else frames / float(info.frame_rate or 30)
                if first_time is None:
                    first_time = time_s
                edit_frame(time_s - first_time, _planes(frame, full_range))
                frame.pict_type = av.video.frame.PictureType.NONE
                output.mux(video.encode(frame))
        output.mux(video.encode(None))
        if frames == 0:
            raise InvalidMedia("the video stream holds no decodable frame")
        declared = int(source_video.frames or 0)
        if declared and frames < declared:
            raise InvalidMedia(f"the video is truncated: {frames} of the {declared} frames it declares decode")
    return TranscodeResult(info=info, encoder=spec.encoder, frames=frames, muxer=muxer)
