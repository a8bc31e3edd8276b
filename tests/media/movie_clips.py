"""Tiny real clips made with PyAV for the container tests, and an independent box walk to check what was written."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import av
import numpy as np

FRAMES = 10
# name -> (PyAV muxer, file suffix, video codec or None, audio codec or None, muxer options)
CLIPS: dict[str, tuple[str, str, str | None, str | None, dict[str, str]]] = {
    "h264_aac_mp4": ("mp4", ".mp4", "libx264", "aac", {}),
    "faststart_mp4": ("mp4", ".mp4", "libx264", "aac", {"movflags": "faststart"}),
    "hevc_mp4": ("mp4", ".mp4", "libx265", None, {}),
    "fragmented_mp4": ("mp4", ".mp4", "libx264", "aac", {"movflags": "frag_keyframe+empty_moov"}),
    "h264_mov": ("mov", ".mov", "libx264", "aac", {}),
    "aac_m4a": ("ipod", ".m4a", None, "aac", {}),
    "vp9_opus_webm": ("webm", ".webm", "libvpx-vp9", "libopus", {}),
    "h264_mkv": ("matroska", ".mkv", "libx264", "aac", {}),
}


def make_clip(name: str, metadata: dict[str, str] | None = None) -> bytes:
    """A 64x48, 10-frame clip (plus 0.1 s of audio) of the kind ``name``, written by FFmpeg through PyAV."""
    muxer, suffix, video, audio, options = CLIPS[name]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"clip{suffix}"
        with av.open(str(path), "w", format=muxer, options=options) as out:
            out.metadata.update(metadata or {})
            vstream = out.add_stream(video, rate=10) if video else None
            if vstream is not None:
                vstream.width, vstream.height, vstream.pix_fmt = 64, 48, "yuv420p"
                if video == "libx265":
                    vstream.options = {"x265-params": "log-level=error"}
            astream = out.add_stream(audio, rate=48000) if audio else None
            if vstream is not None:
                for index in range(FRAMES):
                    pixels = np.full((48, 64, 3), index * 20, np.uint8)
                    out.mux(vstream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
                out.mux(vstream.encode())
            if astream is not None:
                samples = np.zeros((1, 4800), np.float32)
                frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
                frame.sample_rate = 48000
                out.mux(astream.encode(frame))
                out.mux(astream.encode())
        return path.read_bytes()


def pyav_metadata(data: bytes) -> dict[str, str]:
    """The container metadata FFmpeg's demuxer reports."""
    with av.open(io.BytesIO(data)) as container:
        return dict(container.metadata)


def decoded_frames(data: bytes) -> int:
    """How many video frames FFmpeg decodes from the clip."""
    with av.open(io.BytesIO(data)) as container:
        return sum(1 for _ in container.decode(video=0))


def top_boxes(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[bytes, int, int]]:
    """``(type, offset, size)`` of the boxes laid end to end in ``data[start:end]`` (32-bit sizes only)."""
    end = len(data) if end is None else end
    boxes = []
    while start < end:
        size = int.from_bytes(data[start : start + 4], "big")
        assert size >= 8, f"box at {start} declares {size} bytes"
        boxes.append((data[start + 4 : start + 8], start, size))
        start += size
    return boxes


def walk_keys(data: bytes) -> dict[str, list[str]]:
    """The ``mdta`` key values of ``moov/udta/meta`` and ``moov/meta``, found by a plain walk (not our reader)."""
    found: dict[str, list[str]] = {}
    moov = next((off, size) for kind, off, size in top_boxes(data) if kind == b"moov")
    metas = []
    for kind, off, size in top_boxes(data, moov[0] + 8, moov[0] + moov[1]):
        if kind == b"meta":
            metas.append((off, size))
        if kind == b"udta":
            metas += [(o, s) for k, o, s in top_boxes(data, off + 8, off + size) if k == b"meta"]
    for off, size in metas:
        first = off + 12 if data[off + 16 : off + 20] == b"hdlr" else off + 8  # ISO FullBox or QuickTime
        children = {kind: (o, s) for kind, o, s in top_boxes(data, first, off + size)}
        if b"keys" not in children:
            continue
        ko, ks = children[b"keys"]
        names, pos = [], ko + 16
        while pos < ko + ks:
            entry = int.from_bytes(data[pos : pos + 4], "big")
            names.append(data[pos + 8 : pos + entry].decode())
            pos += entry
        lo, ls = children[b"ilst"]
        for kind, o, _ in top_boxes(data, lo + 8, lo + ls):
            atom = o + 8
            assert data[atom + 4 : atom + 8] == b"data"
            value = data[atom + 16 : atom + int.from_bytes(data[atom : atom + 4], "big")].decode()
            found.setdefault(names[int.from_bytes(kind, "big") - 1], []).append(value)
    return found
