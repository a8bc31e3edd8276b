"""Run the benchmarks: ``python -m bench.run [--repeats N] [NAME ...]``; prints Markdown with ratios."""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
from collections.abc import Callable

# name -> module under bench/ with ``run(repeats) -> str``; imported only when chosen, so one
# benchmark's imports cannot stop the others from running.
BENCHMARKS: dict[str, str] = {
    "image_verbs": "bench_image_verbs",
    "c2pa": "bench_c2pa",
    "text": "bench_text",
    "traces": "bench_traces",
    "client": "bench_client",
    "pdf": "bench_pdf",
    "stream_memory": "bench_stream_memory",  # ~5 minutes: InspectStream of 5-500 MiB files
    "output_overhead": "bench_output_overhead",  # ~1 minute: the work directory, unary JPEG Stamp
    "stream_output": "bench_stream_output",  # ~6 minutes: Inspect/Stamp/LabelStream of 5-200 MiB PDFs
    "watermark": "watermark",  # ~13 min: attack suite + 10,000-image false-positive sweep
    "campaign": "bench_campaign",
    "campaign_corpus": "bench_campaign_corpus",
    "campaign_qr": "bench_campaign_qr",
    "campaign_ocr": "bench_campaign_ocr",
    "campaign_inspect": "bench_campaign_inspect",
    "ocr_graph": "bench_ocr_graph",  # ~15 s: the OCR models as shipped vs rewritten, on the Inspect's inputs
    "phash": "bench_phash",  # ~30 s: the perceptual hash's resize, ours vs Pillow's, alone and in the Inspect
    "registry": "bench_registry",  # ~5-10 min: fills 1,000,000 records in SQLite and PostgreSQL
    "audit": "bench_audit",  # ~2 min: 200 mixed files, audit vs a plain Verify loop
    "video_label": "bench_video_label",  # ~1 min: label write of 100 MiB MP4/MKV vs copyfile
    "decision": "bench_decision",  # ~1 min: the registry step of the decision; PDF display order
    "audio": "bench_audio",  # ~3 min: Stamp of 60 s WAV/MP3 and Inspect vs PyAV; rhythm detection per minute
    # ~25 min: the audio mark under each attack, the rhythm's detection rate, 1,000-signal false-positive sweep
    "audio_blocks": "audio.suite",
    "video": "bench_video",  # ~3-5 min: 1080p 10 s clip, Stamp and Inspect frame work vs plain PyAV
    "video_campaign": "bench_video_campaign",  # ~2 min: what the campaign reading of frames adds to Inspect
    "notice_height": "bench_notice_height",  # ~15 s: OCR glyph height of 60 labels in five CJK fonts
}


def benchmark(name: str) -> Callable[[int], str]:
    """The ``run`` function of a benchmark."""
    return importlib.import_module(f"bench.{BENCHMARKS[name]}").run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], help="benchmarks to run (default: all)")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs\n")
    for name in args.names or list(BENCHMARKS):
        print(benchmark(name)(args.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
