"""Run the audio benches: ``python -m bench.audio [--repeats N] [--fp-signals N] [NAME ...]``; prints Markdown."""

from __future__ import annotations

import argparse
import os
import platform
import sys

from bench.audio import suite

SECTIONS = {
    "detection_timing": lambda args: suite.detection_timing(args.repeats),
    "stamp_timing": lambda args: suite.stamp_timing(args.repeats),
    "watermark": lambda args: suite.watermark_attacks(),
    "rhythm": lambda args: suite.rhythm_detection(),
    "rhythm_fp": lambda args: suite.rhythm_false_positives(args.fp_signals, first_seed=args.fp_first_seed),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*SECTIONS, []], help="sections to run (default: all)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--fp-signals", type=int, default=1000)
    parser.add_argument("--fp-first-seed", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs\n")
    for name in args.names or list(SECTIONS):
        print(SECTIONS[name](args), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
