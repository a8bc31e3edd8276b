"""Small video clips made by PyAV for the tests: codecs, containers, rotation, VFR, fragmented MP4."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np


@dataclass(frozen=True)
class ClipSpec:
    """How to make one clip (the defaults: a 1 s 320x240 H.264 MP4 at 25 fps with AAC audio)."""

    codec: str = "libx264"
    muxer: str = "mp4"
    width: int = 320
    height: int = 240
    fps: int = 25
    seconds: float = 1.0
    audio: str | None = "aac"
    rotation: int = 0
    variable_rate: bool = False
    fragmented: bool = False
    bit_rate: int = 0
    pix_fmt: str = "yuv420p"
    sar: Fraction | None = None
    preset: str = "ultrafast"  # x264/x265 preset: "veryfast" (Stamp's) codes B-frames, "ultrafast" none
    gop: int = 0  # frames between key frames (0: the encoder's default)


def scene(width: int, height: int, index: int, seed: int = 7) -> np.ndarray:
    """A textured RGB picture that drifts a little each frame (busy enough to carry a watermark)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=(max(8, height // 16), max(8, width // 16), 3), dtype=np.uint8)
    picture = cv2.resize(base, (width + 64, height + 64), interpolation=cv2.INTER_CUBIC)
    shift = (index * 2) % 64
    picture = picture[shift : shift + height, shift : shift + width]
    ramp = np.linspace(40, 200, width, dtype=np.float32)[None, :, None]
    return np.clip(picture.astype(np.float32) * 0.6 + ramp * 0.4, 0, 255).astype(np.uint8)


def make_clip(path: Path, spec: ClipSpec = ClipSpec()) -> Path:
    """Write the clip to ``path`` and return it."""
    options = {"movflags": "frag_keyframe+empty_moov+default_base_moof"} if spec.fragmented else {}
    frames = max(1, round(spec.seconds * spec.fps))
    with av.open(str(path), mode="w", format=spec.muxer, options=options) as container:
        video = container.add_stream(spec.codec, rate=spec.fps)
        video.width, video.height, video.pix_fmt = spec.width, spec.height, spec.pix_fmt
        if spec.codec == "libx264":
            video.options = {"preset": spec.preset}
        elif spec.codec == "libx265":
            video.options = {"preset": spec.preset, "x265-params": "log-level=error"}
        elif spec.codec == "libvpx-vp9":
            video.options = {"deadline": "realtime", "cpu-used": "8"}
        if spec.bit_rate:
            video.bit_rate = spec.bit_rate
        if spec.gop:
            video.codec_context.gop_size = spec.gop
        if spec.sar is not None:
            video.codec_context.sample_aspect_ratio = spec.sar
        if spec.variable_rate:
            video.codec_context.time_base = Fraction(1, 1000)
            video.time_base = Fraction(1, 1000)
        if spec.rotation:
            video.set_display_rotation(spec.rotation)
        audio = None
        if spec.audio:
            audio = container.add_stream(spec.audio, rate=48000, layout="stereo")
        pts = 0
        for index in range(frames):
            frame = av.VideoFrame.from_ndarray(scene(spec.width, spec.height, index), format="rgb24")
            if spec.variable_rate:
                frame.pts, frame.time_base = pts, Fraction(1, 1000)
                pts += 20 if index % 3 else 60  # 20 ms and 60 ms frames
            else:
                frame.pts = index
            for packet in video.encode(frame.reformat(format=spec.pix_fmt)):
                container.mux(packet)
        container.mux(video.encode(None))
        if audio is not None:
            samples = int(48000 * spec.seconds)
            tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(samples) / 48000)).astype(np.float32)
            step = 960
            for start in range(0, samples, step):
                block = np.ascontiguousarray(np.stack([tone[start : start + step]] * 2))
                frame = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
                frame.sample_rate, frame.pts = 48000, start
                container.mux(audio.encode(frame))
            container.mux(audio.encode(None))
    return path


def faststart(source: Path, path: Path) -> Path:
    """A remux of ``source`` with the movie header first (what a truncated download still opens with)."""
    with (
        av.open(str(source)) as reader,
        av.open(str(path), "w", format="mp4", options={"movflags": "faststart"}) as out,
    ):
        streams = {s.index: out.add_stream_from_template(s) for s in reader.streams}
        for packet in reader.demux():
            if packet.dts is not None:
                packet.stream = streams[packet.stream.index]
                out.mux(packet)
    return path
