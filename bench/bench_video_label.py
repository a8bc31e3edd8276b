"""Metadata-only label write of a large MP4 / MKV (``write_label_to``) vs ``shutil.copyfile`` of the same file.

    PYTHONPATH=src:. python -m bench.bench_video_label --size-mb 500 --repeats 5

The files are generated here, not kept in the repo: a short high-bitrate H.264 clip is encoded once
with PyAV, then its packets are stream-copied over and over (timestamps shifted) until the file
reaches the size asked for, in two MP4 layouts (``moov`` after ``mdat``: no offset moves; ``faststart``:
``moov`` first, so every chunk offset is patched) and as Matroska. Each label write goes to a new
file, as a copy would; the ratio to ``copyfile`` in the same run is the number that matters.

    PYTHONPATH=src:. python -m bench.bench_video_label --size-mb 500 --repeats 3 --c2pa

``--c2pa`` measures the whole metadata-only write of Label on the two MP4 layouts instead, for an
upload that carries its producer's C2PA manifest (signed here first): the label write alone (C2PA
off); the label write followed by the platform's C2PA manifest signed file to file with the upload
as parent ingredient that c2pa reads and hashes again (``add_ingredient``); and Label's whole C2PA
path, Inspect's c2pa validation of the upload then the label write and the signing, with the parent
ingredient read again or made from Inspect's reading (``ValidatedParent``, what Label does), each
against ``copyfile``, interleaved in the same run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

from bench.harness import measure, report
from clearmark.core.aigc import AigcLabel
from clearmark.labels.c2pa_manifest import C2paSigning
from clearmark.media.sniff import sniff_format
from clearmark.media.source import Source

PRODUCER = "001191440300708461136T1XGW3"
LABEL_JSON = AigcLabel("1", PRODUCER, "bench-1", "", PRODUCER, "bench-1", "").to_json()
LAYOUTS = {
    "mp4 (moov last)": ("mp4", ".mp4", {}),
    "mp4 faststart (moov first)": ("mp4", ".mp4", {"movflags": "faststart"}),
}
LAYOUTS["mkv"] = ("matroska", ".mkv", {})


def _base_clip(folder: Path, width: int = 320, height: int = 240) -> Path:
    """A 4 s H.264 clip of noise (320x240 by default) at a near-lossless quality: large packets, quick to loop."""
    path = folder / "base.mp4"
    rng = np.random.default_rng(1)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25, options={"crf": "4", "preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for _ in range(100):
            pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        out.mux(stream.encode())
    return path


def _looped(base: Path, path: Path, muxer: str, options: dict[str, str], size: int) -> None:
    """Stream-copy ``base``'s packets repeatedly into ``path`` until the media passes ``size`` bytes."""
    with av.open(str(base)) as source:
        template = source.streams.video[0]
        packets = [packet for packet in source.demux(template) if packet.size]
        span = max(packet.pts for packet in packets) + packets[1].duration
        with av.open(str(path), "w", format=muxer, options=options) as out:
            stream = out.add_stream_from_template(template)
            written, loop = 0, 0
            while written < size:
                for packet in packets:
                    copy = av.Packet(bytes(packet))
                    copy.pts, copy.dts = packet.pts + loop * span, packet.dts + loop * span
                    copy.is_keyframe, copy.time_base, copy.stream = packet.is_keyframe, packet.time_base, stream
                    out.mux(copy)
                    written += packet.size
                loop += 1


_RSS_PROBE = """
import resource, sys
from pathlib import Path
from clearmark.media.sniff import sniff_format
from clearmark.media.source import Source
source, target, label = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
container = sniff_format(Source(path=source)).container
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if sys.argv[4] == "write":
    container.write_label_to(Source(path=source), target, label)
print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def producer_signed(plain: Path, upload: Path, signing: C2paSigning) -> None:
    """``plain`` signed into ``upload`` as a producer's Stamp signs it (``c2pa.created``): an upload whose manifest
    Label keeps as its parent ingredient."""
    from clearmark.labels.c2pa_manifest import ACTION_CREATED, sign_manifest

    sign_manifest(
        Source(path=plain),
        "video/mp4",
        signing,
        action=ACTION_CREATED,
        digital_source_type="trainedAlgorithmicMedia",
        software_agent="bench model",
        claim_generator="ClearMark/bench",
        aigc_label=None,
        output=upload,
    )


def _peak_rss_mib(source: Path, target: Path, action: str) -> float:
    """Peak RSS (MiB) of a fresh process that imports the container and, for ``write``, writes one label."""
    result = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE, str(source), str(target), LABEL_JSON, action],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(result.stdout.split()[1]) / 1024


def run(repeats: int = 5, size_mb: int = 100) -> str:
    """Time the label write against ``copyfile`` for each layout; returns Markdown."""
    sections = []
    with tempfile.TemporaryDirectory(dir=Path.cwd() / "bench") as folder_name:
        folder = Path(folder_name)
        base = _base_clip(folder)
        for title, (muxer, suffix, options) in LAYOUTS.items():
            source = folder / f"big{suffix}"
            _looped(base, source, muxer, options, size_mb * 1024 * 1024)
            container = sniff_format(Source(path=source)).container
            target = folder / f"out{suffix}"

            def label(container=container, source=source, target=target) -> None:  # noqa: ANN001
                container.write_label_to(Source(path=source), target, LABEL_JSON)

            def copy(source=source, target=target) -> None:  # noqa: ANN001
                shutil.copyfile(source, target)

            timings = measure({"write_label_to": label, "shutil.copyfile": copy}, repeats=repeats, warmup=1)
            tracemalloc.start()
            label()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            size = source.stat().st_size
            imports, write = _peak_rss_mib(source, target, "imports"), _peak_rss_mib(source, target, "write")
            heading = (
                f"{title}: {size / 2**20:.0f} MiB, Python heap peak of one write {peak / 2**20:.2f} MiB, "
                f"peak RSS of a fresh process {write:.0f} MiB (imports alone {imports:.0f} MiB)"
            )
            sections.append(report(heading, timings, [("write_label_to", "shutil.copyfile")]))
            source.unlink()
            target.unlink()
    return "\n".join(sections)


def _cpu_timed(fn: Callable[[], object], samples: list[float]) -> Callable[[], None]:
    """``fn``, recording each call's process CPU time (user + system of every thread, the kernel's copy included)."""

    def timed() -> None:
        start = time.process_time()
        fn()
        samples.append((time.process_time() - start) * 1000)

    return timed


def _cpu_table(cpu: dict[str, list[float]], warmup: int) -> str:
    """Median process CPU per case (warm-up calls left out): the machine is shared, CPU is the steadier number."""
    lines = ["", "| case | median CPU ms |", "|---|---:|"]
    lines += [f"| {name} | {statistics.median(values[warmup:]):.1f} |" for name, values in cpu.items()]
    return "\n".join(lines) + "\n"


def run_c2pa(repeats: int = 3, size_mb: int = 500) -> str:
    """Label's metadata-only write with and without its C2PA manifest, each against ``copyfile``; Markdown."""
    from clearmark.labels import c2pa_manifest
    from clearmark.labels.c2pa_manifest import (
        ACTION_EDITED_METADATA,
        ACTION_PUBLISHED,
        ValidatedParent,
        sign_manifest,
    )
    from clearmark.media.c2pa_store import read_manifest_report
    from clearmark.service.keys import ensure_dev_signing_material

    sections = []
    buffer = c2pa_manifest.SIGNING_STREAM_BUFFER
    with tempfile.TemporaryDirectory(dir=Path.cwd() / "bench") as folder_name:
        folder = Path(folder_name)
        material = ensure_dev_signing_material(folder / "keys")
        signing = C2paSigning(Path(material.cert_chain_pem), Path(material.private_key_pem))
        base = _base_clip(folder)
        for title, (muxer, suffix, options) in LAYOUTS.items():
            if muxer != "mp4":
                continue  # c2pa signs no Matroska
            plain, source = folder / f"plain{suffix}", folder / f"big{suffix}"
            _looped(base, plain, muxer, options, size_mb * 1024 * 1024)
            # the upload: the producer's Stamp signed it (its manifest becomes Label's parent ingredient)
            producer_signed(plain, source, signing)
            plain.unlink()
            container = sniff_format(Source(path=source)).container
            written, signed, copied = folder / f"out{suffix}", folder / f"signed{suffix}", folder / f"copy{suffix}"

            def label(container=container, source=source, written=written) -> None:  # noqa: ANN001
                container.write_label_to(Source(path=source), written, LABEL_JSON)

            def sign(parent: ValidatedParent | None, source=source, written=written, signed=signed) -> None:  # noqa: ANN001
                sign_manifest(
                    Source(path=written),
                    "video/mp4",
                    signing,
                    action=ACTION_PUBLISHED,
                    digital_source_type="trainedAlgorithmicMedia",
                    software_agent="bench platform",
                    claim_generator="ClearMark/bench",
                    aigc_label=None,
                    parent=True,
                    parent_content=Source(path=source),
                    extra_actions=(ACTION_EDITED_METADATA,),
                    output=signed,
                    validated_parent=parent,
                )

            def label_and_sign(label=label, sign=sign) -> None:  # noqa: ANN001
                label()
                sign(None)

            def inspect_label_sign(reuse: bool, container=container, source=source, label=label, sign=sign) -> None:  # noqa: ANN001
                report = read_manifest_report(Source(path=source), "video/mp4")  # Inspect's c2pa pass
                assert report is not None and report.validated
                label()
                store = container.manifest_store(Source(path=source)) if reuse else None
                parent = ValidatedParent(store, report.active_manifest_label, report.validation_results_json)
                sign(parent if reuse else None)

            def as_before(inspect_label_sign=inspect_label_sign) -> None:  # noqa: ANN001
                """Label's C2PA path before this branch: Python's 8 KiB file buffers, the parent hashed again."""
                c2pa_manifest.SIGNING_STREAM_BUFFER = -1
                try:
                    inspect_label_sign(False)
                finally:
                    c2pa_manifest.SIGNING_STREAM_BUFFER = buffer

            def copy(source=source, copied=copied) -> None:  # noqa: ANN001
                shutil.copyfile(source, copied)

            cases = {
                "label write (C2PA off)": label,
                "label write + C2PA sign, parent hashed again": label_and_sign,
                "Inspect C2PA + label + sign, 8 KiB buffers, parent hashed again (before)": as_before,
                "Inspect C2PA + label + sign, parent hashed again": lambda f=inspect_label_sign: f(False),
                "Inspect C2PA + label + sign, parent from Inspect (Label now)": lambda f=inspect_label_sign: f(True),
                "copyfile": copy,
            }
            cpu: dict[str, list[float]] = {name: [] for name in cases}
            timed = {name: _cpu_timed(fn, cpu[name]) for name, fn in cases.items()}
            timings = measure(timed, repeats=repeats, warmup=1)
            size = source.stat().st_size / 2**20
            heading = f"{title}: {size:.0f} MiB with a producer manifest, metadata-only Label with and without C2PA"
            pairs = [(name, "copyfile") for name in cases if name != "copyfile"]
            sections.append(report(heading, timings, pairs) + _cpu_table(cpu, warmup=1))
            for path in (source, written, signed, copied):
                path.unlink(missing_ok=True)
    return "\n".join(sections)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--c2pa", action="store_true", help="Label's write with and without its C2PA manifest")
    args = parser.parse_args()
    print(run_c2pa(args.repeats, args.size_mb) if args.c2pa else run(args.repeats, args.size_mb))


if __name__ == "__main__":
    main()
