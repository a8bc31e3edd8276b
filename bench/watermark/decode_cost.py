"""CPU cost of the image mark's embed and decode at 1080p, this tree against a reference tree, side by side.

Each round runs one process per tree (so both import their own ``clearmark``), alternating; each
process times every case (median of ``--repeats`` calls, CPU time of the process, which a loaded
shared machine inflates far less than wall time), with OpenCV on one thread as in the service's
workers. The table gives the medians over rounds and the ratios. The reference is another
checkout's ``src`` (e.g. main's, extracted with ``git archive main src | tar -x -C /tmp/main-tree``):

    PYTHONPATH=src:. .venv/bin/python -m bench.watermark.decode_cost --reference /tmp/main-tree/src --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

KEY = bytes(range(32))


def _measure(repeats: int) -> dict[str, float]:
    import cv2

    from bench.watermark.attacks import HARD_ATTACKS, stretch
    from bench.watermark.images import bench_images, bundled, fit
    from clearmark.watermark import decode_watermark, embed_watermark, payload_for_produce_id

    cv2.setNumThreads(1)  # as the service's workers run OpenCV (``opencv_threads``, default 1)
    images = dict(bench_images())
    images["grass 1080p"] = fit(bundled("grass.png"), 1920, 1080)  # fine texture: the similarity search runs
    payload = payload_for_produce_id("CM-decode-cost")
    marked = embed_watermark(images["retina 1080p"], payload, KEY)
    stretched, rotated = stretch(x=1.2)(marked), HARD_ATTACKS["rotate 15°+crop"](marked)
    cases: dict[str, Callable[[], object]] = {
        "embed": lambda: embed_watermark(images["retina 1080p"], payload, KEY),
        "decode marked": lambda: decode_watermark(marked, KEY),
    }
    for wide in (False, True):
        label = "wide" if wide else "first pass"
        cases[f"decode stretched x1.2, {label}"] = lambda w=wide: decode_watermark(stretched, KEY, wide_search=w)
        cases[f"decode rotate 15°+crop, {label}"] = lambda w=wide: decode_watermark(rotated, KEY, wide_search=w)
        for name in ("retina 1080p", "coffee 1080p", "synthetic graphic 1080p", "grass 1080p"):
            cases[f"decode unmarked {name}, {label}"] = lambda w=wide, n=name: decode_watermark(
                images[n], KEY, wide_search=w
            )
    out = {}
    for name, case in cases.items():
        case()
        times = []
        for _ in range(repeats):
            start = time.process_time()
            case()
            times.append((time.process_time() - start) * 1000)
        out[name] = float(np.median(times))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, help="the reference tree's src folder")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.repeats)))
        return
    trees = {"this tree": Path("src").resolve()}
    if args.reference:
        trees["reference"] = args.reference.resolve()
    results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    command = [sys.executable, "-m", "bench.watermark.decode_cost", "--child", "--repeats", str(args.repeats)]
    for _ in range(args.rounds):
        for name, src in trees.items():
            env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{Path.cwd()}"}
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            results[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    names = list(trees)
    header = " | ".join(f"{n} CPU ms" for n in names) + (" | ratio |" if len(names) > 1 else " |")
    print("| case (1920x1080) | " + header)
    print("|---|" + "---:|" * (len(names) + (len(names) > 1)))
    for case in results[names[0]][0]:
        medians = [float(np.median([r[case] for r in results[n]])) for n in names]
        ratio = f" | {medians[0] / medians[1]:.2f}x" if len(medians) > 1 else ""
        print(f"| {case} | " + " | ".join(f"{m:.0f}" for m in medians) + ratio + " |")
    print(f"\n{args.rounds} rounds alternating, {args.repeats} calls each, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
