"""Seed corpora for the fuzzers, from real files: the repository's third-party fixtures, and files that
real encoders (Pillow, libwebp, pikepdf, python-docx, FFmpeg's audio encoders) write, before and after
ClearMark stamps them.

    python -m fuzz.seeds OUT_DIR        # writes OUT_DIR/<reader>/<seed files>
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import sys
import tempfile
from pathlib import Path

from bench.images import photo_like
from bench.load import content_mix
from PIL import Image

from clearmark.media.sniff import sniff_format
from clearmark.service.app import ClearMarkApp
from clearmark.service.config import Settings
from clearmark.v1 import clearmark_service_pb2 as api
from fuzz.harnesses import HARNESSES, LABEL_JSON

ROOT = Path(__file__).resolve().parents[1]
PRODUCER = "001191440300708461136T1XGW3"
# Readers that share a parser get each other's seeds (Markdown is text; XLSX and PPTX are OOXML like DOCX).
SIBLINGS = {"text": ("markdown",), "docx": ("xlsx", "pptx")}
# The third-party fixtures: C2PA JPEGs, and c2pa-rs's TIFF, GIF, HEIF and AVIF samples.
THIRD_PARTY_SUFFIXES = frozenset({".jpg", ".tif", ".tiff", ".gif", ".heif", ".avif"})


def _encoded() -> list[bytes]:
    small = photo_like(96, 64, seed=5)
    files = []
    for fmt, params in (
        ("JPEG", {"quality": 80}),
        ("PNG", {}),
        ("WEBP", {"quality": 70}),
        ("WEBP", {"lossless": True}),
    ):
        out = io.BytesIO()
        small.save(out, format=fmt, **params)
        files.append(out.getvalue())
    rgba = Image.new("RGBA", (40, 30), (10, 200, 30, 128))
    out = io.BytesIO()
    rgba.save(out, format="PNG", pnginfo=None)
    files.append(out.getvalue())
    files += [data for name, data in content_mix().items() if name != "jpeg-1080p"]
    files += _audio()
    files += _movies()
    try:
        import docx

        document = docx.Document()
        document.add_paragraph("生成的文字 generated text")
        out = io.BytesIO()
        document.save(out)
        files.append(out.getvalue())
    except ImportError:  # python-docx is a test dependency
        pass
    return files


def _audio() -> list[bytes]:
    """Short real audio files (FFmpeg's encoders through PyAV), bare and with a GB 45438 label."""
    import numpy as np

    from clearmark.media.audio import encode_audio, write_audio_label

    t = np.arange(22050) / 22050
    pcm = np.stack([0.3 * np.sin(2 * np.pi * 440 * t), 0.2 * np.sin(2 * np.pi * 660 * t)], axis=1).astype(np.float32)
    files = []
    for encoder in ("wav", "mp3", "flac", "opus"):
        data = encode_audio(pcm, 22050, encoder, metadata={"title": "seed"}) or b""
        files += [data, write_audio_label(data, LABEL_JSON) or b""]
    return files


def _movies() -> list[bytes]:
    """Tiny real MP4, fragmented MP4, MOV, MKV, WebM and M4A files (FFmpeg's muxers through PyAV), bare and labelled."""
    import av
    import numpy as np

    files = []
    kinds = (
        ("mp4", ".mp4", {}),
        ("mp4", ".mp4", {"movflags": "frag_keyframe+empty_moov"}),
        ("mov", ".mov", {}),
        ("matroska", ".mkv", {}),
        ("webm", ".webm", {}),
    )
    with tempfile.TemporaryDirectory() as folder:
        for index, (muxer, suffix, options) in enumerate((*kinds, ("ipod", ".m4a", {}))):
            path = Path(folder) / f"seed{index}{suffix}"
            with av.open(str(path), "w", format=muxer, options=options) as out:
                audio = out.add_stream("libopus" if muxer == "webm" else "aac", rate=48000)
                if muxer != "ipod":
                    video = out.add_stream("libvpx-vp9" if muxer == "webm" else "libx264", rate=10)
                    video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
                    for value in (0, 90, 180):
                        frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), value, np.uint8), format="rgb24")
                        out.mux(video.encode(frame))
                    out.mux(video.encode())
                frame = av.AudioFrame.from_ndarray(np.zeros((1, 2048), np.float32), format="fltp", layout="mono")
                frame.sample_rate = 48000
                out.mux(audio.encode(frame))
                out.mux(audio.encode())
            data = path.read_bytes()
            container = sniff_format(data).container
            assert container is not None
            files += [data, container.write_label(data, LABEL_JSON)]
    return files


def _stamped(files: list[bytes]) -> list[bytes]:
    """The same files after Stamp: our XMP label, notice, watermark and C2PA manifest inside."""
    stamped = []
    with (
        tempfile.TemporaryDirectory() as data_dir,
        ClearMarkApp(Settings(data_dir=Path(data_dir), cpu_workers=0)) as app,
    ):
        for index, content in enumerate(files):
            request = api.StampRequest(
                request_id=f"seed-{index}", content=content, options=api.StampOptions(producer_code=PRODUCER)
            )
            try:
                stamped.append(asyncio.run(app.stamp(request, "fuzz")).content)
            except Exception:  # noqa: BLE001 - a seed that cannot be stamped is still a seed unstamped
                continue
    return stamped


def write_seeds(out: Path) -> dict[str, int]:
    """Write every seed under ``out/<reader>/``; returns the count per reader."""
    fixtures = ROOT / "tests" / "fixtures" / "c2pa"
    files = [p.read_bytes() for p in sorted(fixtures.iterdir()) if p.suffix.lower() in THIRD_PARTY_SUFFIXES]
    encoded = _encoded()
    files += encoded + _stamped(encoded)
    counts = dict.fromkeys(HARNESSES, 0)
    for data in files:
        reader = sniff_format(data).name
        if reader not in HARNESSES:
            continue
        for target in (reader, *SIBLINGS.get(reader, ())):
            folder = out / target
            folder.mkdir(parents=True, exist_ok=True)
            (folder / hashlib.sha256(data).hexdigest()[:16]).write_bytes(data)
            counts[target] += 1
    return counts


if __name__ == "__main__":
    print(write_seeds(Path(sys.argv[1])))
