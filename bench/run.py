"""Run the benchmarks: ``python -m bench.run [--repeats N] [NAME ...]``; prints Markdown with ratios."""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Callable

from bench import (
    bench_c2pa,
    bench_client,
    bench_image_verbs,
    bench_pdf,
    bench_stream_memory,
    bench_text,
    bench_traces,
    watermark,
)

BENCHMARKS: dict[str, Callable[[int], str]] = {
    "image_verbs": bench_image_verbs.run,
    "c2pa": bench_c2pa.run,
    "text": bench_text.run,
    "traces": bench_traces.run,
    "client": bench_client.run,
    "pdf": bench_pdf.run,
    "stream_memory": bench_stream_memory.run,  # ~5 minutes: InspectStream of 5-500 MiB files
    "watermark": watermark.run,  # ~13 min: attack suite + 10,000-image false-positive sweep
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], help="benchmarks to run (default: all)")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs\n")
    for name in args.names or list(BENCHMARKS):
        print(BENCHMARKS[name](args.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
