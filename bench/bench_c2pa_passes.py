"""Each pass over an MP4 in Label's C2PA path, timed alone, with the stream calls c2pa-python makes counted.

    PYTHONPATH=src:. python -m bench.bench_c2pa_passes --size-mb 200

An upload carrying its producer's manifest is made as ``bench_video_label`` makes its files, then
each pass runs once after a warm-up: ``copyfile`` (the reference), our label write, c2pa's ``Reader``
validating the upload (Inspect), ``add_ingredient`` of the upload (what Label did for the parent
before it reused Inspect's reading), and ``builder.sign`` of the labelled file into a new one. Every
stream c2pa gets is wrapped to count its ``readinto``/``read``, ``write`` and ``seek`` calls and their
sizes: how c2pa drives the file (docs/benchmarks.md, "Label with C2PA: passes over the file").
``--buffer`` sets the file buffer of sign's source and output (-1: Python's 8 KiB default).
"""

from __future__ import annotations

import argparse
import collections
import io
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import c2pa

from bench.bench_video_label import LABEL_JSON, _base_clip, _looped, producer_signed
from clearmark.labels.c2pa_manifest import SIGNING_STREAM_BUFFER, C2paSigning
from clearmark.media.c2pa_settings import c2pa_settings
from clearmark.media.sniff import sniff_format
from clearmark.media.source import Source
from clearmark.service.keys import ensure_dev_signing_material

MP4 = "video/mp4"
DEFINITION = {
    "claim_generator_info": [{"name": "ClearMark bench"}],
    "assertions": [
        {
            "label": "c2pa.actions",
            "data": {
                "actions": [
                    {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}},
                    {"action": "c2pa.published"},
                ]
            },
        }
    ],
}


class CountingStream(io.RawIOBase):
    """A file object that counts what c2pa asks of it (calls, bytes, request sizes) and passes it on."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.reads = self.read_bytes = self.writes = self.written = self.seeks = 0
        self.request_sizes: collections.Counter[int] = collections.Counter()

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.inner.readinto(buffer) or 0
        self.reads += 1
        self.read_bytes += count
        self.request_sizes[len(buffer)] += 1
        return count

    def write(self, data: Any) -> int:
        self.writes += 1
        self.written += len(data)
        return self.inner.write(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        self.seeks += 1
        return self.inner.seek(offset, whence)

    def tell(self) -> int:
        return self.inner.tell()

    def flush(self) -> None:
        self.inner.flush()

    def describe(self) -> str:
        common = ", ".join(f"{size} B x{n}" for size, n in self.request_sizes.most_common(2))
        return (
            f"{self.reads} reads ({self.read_bytes / 2**20:.0f} MiB; most asked: {common or '-'}), "
            f"{self.writes} writes ({self.written / 2**20:.0f} MiB), {self.seeks} seeks"
        )


def _timed(fn: Callable[[], str]) -> tuple[float, float, str]:
    """Wall ms, process CPU ms and what ``fn`` says about its streams."""
    wall, cpu = time.perf_counter(), time.process_time()
    said = fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, said


def run(size_mb: int = 200, buffer: int = SIGNING_STREAM_BUFFER) -> str:
    """One timed round of each pass after a warm-up round; Markdown."""
    with tempfile.TemporaryDirectory(dir=Path.cwd() / "bench") as folder_name:
        folder = Path(folder_name)
        material = ensure_dev_signing_material(folder / "keys")
        signing = C2paSigning(Path(material.cert_chain_pem), Path(material.private_key_pem))
        plain, upload = folder / "plain.mp4", folder / "upload.mp4"
        _looped(_base_clip(folder), plain, "mp4", {}, size_mb * 2**20)
        producer_signed(plain, upload, signing)
        labelled, signed = folder / "labelled.mp4", folder / "signed.mp4"
        container = sniff_format(Source(path=upload)).container
        info = c2pa.C2paSignerInfo(
            b"es256", signing.cert_chain_pem.read_bytes(), signing.private_key_pem.read_bytes(), None
        )

        def copy() -> str:
            shutil.copyfile(upload, folder / "copy.mp4")
            return "-"

        def label() -> str:
            container.write_label_to(Source(path=upload), labelled, LABEL_JSON)
            return "-"

        def validate() -> str:
            with open(upload, "rb") as file, c2pa.Context.from_dict(c2pa_settings()) as context:
                stream = CountingStream(file)
                with c2pa.Reader(MP4, stream, None, context) as reader:
                    state = reader.get_validation_state()
            return f"{stream.describe()}; {state}"

        def builder_passes() -> tuple[str, str]:
            with (
                c2pa.Signer.from_info(info) as signer,
                c2pa.Settings.from_dict(c2pa_settings()) as settings,
                c2pa.Context(settings, signer) as context,
                c2pa.Builder(DEFINITION, context) as builder,
            ):

                def ingredient() -> str:
                    with open(upload, "rb") as file:
                        stream = CountingStream(file)
                        builder.add_ingredient(
                            {"title": "parent", "relationship": "parentOf", "label": "parent"}, MP4, stream
                        )
                    return stream.describe()

                def sign() -> str:
                    with open(labelled, "rb", buffering=buffer) as source, open(signed, "w+b", buffering=buffer) as out:
                        read, write = CountingStream(source), CountingStream(out)
                        builder.sign(MP4, read, write)
                    return f"source: {read.describe()}; output: {write.describe()}"

                return _row("add_ingredient(upload)", *_timed(ingredient)), _row(
                    f"builder.sign(labelled -> output), {buffer} B buffers", *_timed(sign)
                )

        rows: list[str] = []
        for _ in range(2):  # the first round warms the page cache and c2pa; the second is kept
            rows = [
                _row("copyfile", *_timed(copy)),
                _row("label write", *_timed(label)),
                _row("Reader(upload): Inspect's validation", *_timed(validate)),
                *builder_passes(),
            ]
        size = upload.stat().st_size / 2**20
    header = [
        f"### Passes over a {size:.0f} MiB MP4 with a producer manifest",
        "",
        "| pass | wall ms | CPU ms | streams |",
    ]
    return "\n".join([*header, "|---|---:|---:|---|", *rows]) + "\n"


def _row(name: str, wall: float, cpu: float, said: str) -> str:
    return f"| {name} | {wall:.0f} | {cpu:.0f} | {said} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--buffer", type=int, default=SIGNING_STREAM_BUFFER)
    args = parser.parse_args()
    print(run(args.size_mb, args.buffer))


if __name__ == "__main__":
    main()
