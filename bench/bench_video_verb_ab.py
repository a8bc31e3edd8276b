"""The whole video Stamp verb of two source trees, before and after a change, alternated with the plain reference.

Each case runs in a fresh process (two versions of ``clearmark`` cannot share one): the process
stamps a small clip first (fonts, codecs and the OCR-free writer path loaded, as in a warm worker),
then times one ``stamp_content`` of the 1080p 10 s bench clip (``bench_video.make_clip``), or one
``plain_reencode`` of it for the reference; rounds alternate before, after, reference. Run, with the
older sources checked out beside this tree::

    git worktree add /tmp/before fd29005
    PYTHONPATH=src:. python -m bench.bench_video_verb_ab --before /tmp/before/src --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np


def _small_clip(path: Path) -> Path:
    """A 1 s 640x360 H.264 clip for the warm-up Stamp (big enough to carry the mark)."""
    rng = np.random.default_rng(5)
    with av.open(str(path), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=25, options={"preset": "veryfast"})
        video.width, video.height, video.pix_fmt = 640, 360, "yuv420p"
        for index in range(25):
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 256, (360, 640, 3), dtype=np.uint8), format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
    return path


def _child(case: str, src: Path, clip: Path, work: Path) -> None:
    """In a fresh process: warm up, then time one case; prints ``wall_s cpu_s``."""
    sys.path.insert(0, str(src))
    import clearmark
    from bench.bench_video import KEY, PRODUCER, plain_reencode
    from clearmark.detectors.registry import DetectorContext
    from clearmark.media.source import Source
    from clearmark.service.pipelines import PipelineConfig, StampJob, stamp_content

    if not Path(clearmark.__file__).resolve().is_relative_to(src.resolve()):
        raise SystemExit(f"clearmark came from {clearmark.__file__}, not {src}")
    config = PipelineConfig(watermark_embed=True, detectors=DetectorContext(watermark_key=KEY))
    small = _small_clip(work / "small.mp4")
    stamp_content(StampJob("warm", "bench", Source.of(small), PRODUCER, work_dir=work), config)
    start, cpu = time.perf_counter(), time.process_time()
    if case == "reference":
        plain_reencode(clip, work / "ref.mp4")
    else:
        stamp_content(StampJob("bench-video", "bench", Source.of(clip), PRODUCER, work_dir=work), config)
    print(f"{time.perf_counter() - start:.3f} {time.process_time() - cpu:.3f}")


def run_ab(before: Path, after: Path, rounds: int) -> str:
    """Alternate the three cases ``rounds`` times; a Markdown table of each round and the median ratios."""
    from bench.bench_video import make_clip

    cases = {"before": before, "after": after, "reference": after}
    samples: dict[str, list[tuple[float, float]]] = {case: [] for case in cases}
    with tempfile.TemporaryDirectory(prefix="bench-video-ab-") as folder:
        work = Path(folder)
        clip = make_clip(work / "clip.mp4")
        for _ in range(rounds):
            for case, src in cases.items():
                case_dir = work / case
                case_dir.mkdir(exist_ok=True)
                command = [sys.executable, "-m", "bench.bench_video_verb_ab", "--child", case, "--src", str(src)]
                command += ["--clip", str(clip), "--work", str(case_dir)]
                out = subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()
                samples[case].append((float(out[-2]), float(out[-1])))
    lines = [
        f"Stamp verb of the 1080p 10 s bench clip, before ({before}) and after ({after}), {rounds} rounds",
        "",
        "| round | before wall s | after wall s | reference wall s | before CPU s | after CPU s | reference CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for index in range(rounds):
        walls = [samples[case][index][0] for case in cases]
        cpus = [samples[case][index][1] for case in cases]
        lines.append(f"| {index + 1} | " + " | ".join(f"{value:.2f}" for value in walls + cpus) + " |")
    wall = {case: statistics.median(s[0] for s in values) for case, values in samples.items()}
    cpu = {case: statistics.median(s[1] for s in values) for case, values in samples.items()}
    ratios = [wall[c] / wall["reference"] for c in cases] + [cpu[c] / cpu["reference"] for c in cases]
    lines.append("| median / reference median | " + " | ".join(f"{r:.2f}x" for r in ratios) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="the older tree's src/ (a checkout of the commit before)")
    parser.add_argument("--after", type=Path, default=Path("src"), help="the newer tree's src/ (default: ./src)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=("before", "after", "reference"), help=argparse.SUPPRESS)
    parser.add_argument("--src", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--clip", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.src, args.clip, args.work)
        return 0
    if args.before is None:
        parser.error("--before is required")
    print(run_ab(args.before, args.after, max(1, args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
