"""The false-positive sweep of ClearMark's image decoder alone, in index ranges, so it can run in parallel.

The watermark suite's ``fp`` part also runs the SD/SDXL reader on every image; this sweep decodes the
same ``unmarked_images(count)`` (a range of them: ``--start``/``--stop``) with the wide search (a
superset of the first pass), printing one progress line per ``--every`` images and a summary at the end.
Two halves on two cores:

    PYTHONPATH=src:. nice .venv/bin/python -m bench.watermark.fp_sweep --start 0 --stop 5000
    PYTHONPATH=src:. nice .venv/bin/python -m bench.watermark.fp_sweep --start 5000 --stop 10000
"""

from __future__ import annotations

import argparse
import time
from itertools import islice

from bench.watermark.images import unmarked_images
from clearmark.watermark import decode_watermark

KEY = bytes(range(32))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="size of the unmarked set (fixes the images)")
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--stop", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=250)
    args = parser.parse_args()
    hits: list[str] = []
    decoded = 0
    started = time.perf_counter()
    cpu = time.process_time()
    images = islice(unmarked_images(args.count), args.start, args.stop)
    for index, image in enumerate(images, start=args.start):
        reading = decode_watermark(image, KEY, wide_search=True)
        decoded += 1
        if reading is not None:
            hits.append(f"{index}:{reading.payload_hex}:z{reading.sync_z:.1f}:e{reading.bit_errors}")
        if decoded % args.every == 0:
            wall = time.perf_counter() - started
            print(f"progress {args.start}+{decoded} hits {len(hits)} wall {wall:.0f}s", flush=True)
    print(
        f"images {args.start}-{args.start + decoded - 1}: {decoded} decoded, {len(hits)} payloads "
        f"({'; '.join(hits) or 'none'}); wall {time.perf_counter() - started:.0f} s, "
        f"cpu {time.process_time() - cpu:.0f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
