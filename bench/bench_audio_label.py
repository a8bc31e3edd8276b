"""Metadata-only audio label write (``write_label_to``) vs ``write_label`` in memory vs ``shutil.copyfile``.

    PYTHONPATH=src:. python -m bench.bench_audio_label --size-mb 100 --repeats 5

The files are generated here: a WAV of 16-bit PCM, an MP3 whose MPEG frames (a 10 s encode) are
repeated after its ID3v2 tag, and a FLAC whose frames are repeated after its metadata blocks (not a
decodable stream past the first copy: label writing reads no frame). Each write goes to a new file;
the in-memory write reads the file, calls ``write_label`` and writes the bytes, as callers did before.
The ratio to ``copyfile`` in the same run is the number that matters; heap peaks are ``tracemalloc``'s.
"""

from __future__ import annotations

import argparse
import shutil
import struct
import tempfile
import tracemalloc
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench.harness import measure, report
from clearmark.core.aigc import AigcLabel
from clearmark.media.audio import encode_audio
from clearmark.media.audio.container import AudioLabelContainer
from clearmark.media.audio.id3 import id3v2_tag_size
from clearmark.media.audio.limits import AudioLimits
from clearmark.media.audio.vorbis import flac_audio_offset
from clearmark.media.limits import DEFAULT_LIMITS
from clearmark.media.source import Source

PRODUCER = "001191440300708461136T1XGW3"
LABEL_JSON = AigcLabel("1", PRODUCER, "bench-1", "", PRODUCER, "bench-1", "").to_json()
RATE = 44100


def _tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return np.repeat((0.3 * np.sin(2 * np.pi * 440 * t))[:, None], 2, axis=1).astype(np.float32)


def _wav(path: Path, size: int) -> None:
    fmt = struct.pack("<HHIIHH", 1, 2, RATE, RATE * 4, 4, 16)
    block = (np.arange(1 << 20, dtype=np.int32) % 2000 - 1000).astype("<i2").tobytes()
    blocks = max(1, size // len(block))
    body_size = 4 + 8 + len(fmt) + 8 + blocks * len(block)
    with open(path, "wb") as out:
        out.write(b"RIFF" + struct.pack("<I", body_size) + b"WAVE")
        out.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
        out.write(b"data" + struct.pack("<I", blocks * len(block)))
        for _ in range(blocks):
            out.write(block)


def _repeated(path: Path, data: bytes, head: int, size: int) -> None:
    with open(path, "wb") as out:
        out.write(data[:head])
        written = head
        while written < size:
            out.write(data[head:])
            written += len(data) - head


def _mp3(path: Path, size: int) -> None:
    data = encode_audio(_tone(10.0), RATE, "mp3", metadata={"title": "bench"}) or b""
    _repeated(path, data, id3v2_tag_size(data[:10]) or 0, size)


def _flac(path: Path, size: int) -> None:
    data = encode_audio(_tone(10.0), RATE, "flac", metadata={"title": "bench"}) or b""
    import io

    _repeated(path, data, flac_audio_offset(io.BytesIO(data), AudioLimits()), size)


FILES = {"wav": _wav, "mp3": _mp3, "flac": _flac}


def run(repeats: int = 5, size_mb: int = 100) -> str:
    """Time the three ways for each format; returns Markdown."""
    sections = []
    limits = replace(DEFAULT_LIMITS, max_bytes=4 * size_mb * 1024 * 1024)
    with tempfile.TemporaryDirectory(dir=Path.cwd() / "bench") as folder_name:
        folder = Path(folder_name)
        for name, make in FILES.items():
            source, target = folder / f"big.{name}", folder / f"out.{name}"
            make(source, size_mb * 1024 * 1024)
            container = AudioLabelContainer(name)

            def streamed(container=container, source=source, target=target) -> None:  # noqa: ANN001
                container.write_label_to(Source(path=source), target, LABEL_JSON, limits=limits)

            def in_memory(container=container, source=source, target=target) -> None:  # noqa: ANN001
                target.write_bytes(container.write_label(source.read_bytes(), LABEL_JSON, limits=limits))

            def copy(source=source, target=target) -> None:  # noqa: ANN001
                shutil.copyfile(source, target)

            cases = {"write_label_to": streamed, "write_label in memory": in_memory, "shutil.copyfile": copy}
            timings = measure(cases, repeats=repeats, warmup=1)
            peaks = {}
            for case, fn in (("write_label_to", streamed), ("write_label in memory", in_memory)):
                tracemalloc.start()
                fn()
                peaks[case] = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
            streamed()
            identical = target.read_bytes() == container.write_label(source.read_bytes(), LABEL_JSON, limits=limits)
            heading = (
                f"{name.upper()}: {source.stat().st_size / 2**20:.0f} MiB, heap peak write_label_to "
                f"{peaks['write_label_to']:.2f} MiB vs in memory {peaks['write_label in memory']:.0f} MiB, "
                f"outputs byte-identical: {identical}"
            )
            ratios = [("write_label_to", "shutil.copyfile"), ("write_label_to", "write_label in memory")]
            sections.append(report(heading, timings, ratios))
            source.unlink()
            target.unlink()
    return "\n".join(sections)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--size-mb", type=int, default=100)
    args = parser.parse_args()
    print(run(args.repeats, args.size_mb))


if __name__ == "__main__":
    main()
