"""What a video job really holds at its peak, beside what memory admission estimates from the header.

``PYTHONPATH=src:. .venv/bin/python -m bench.bench_video_admission [--sizes 1920x1080 3840x2160]`` makes
a 10 s H.264 clip of each size (5 fps, so it is quick to make; the frames a job holds do not depend
on the rate), then for each verb runs one fresh process that first does the same verb on a small
clip (the OCR models, fonts and codecs load there, as in a warm worker), records its resident set,
runs the verb once on the big clip and prints the rise of its peak resident set (``VmHWM``). The
Stamp is the verb's pipeline with the notice and the watermark (no C2PA); Inspect runs every detector.
The estimate is ``service.admission.estimate_memory`` (largest declared frame x 4 bytes x
``VIDEO_FRAMES``, plus the file's size up to ``max_media_bytes``); the ratio says how much of the
estimate the job used.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

MIB = 1024 * 1024

_PROBE = r"""
import json, sys
from pathlib import Path
from clearmark.detectors.registry import DetectorContext
from clearmark.media.source import Source
from clearmark.service.pipelines import PipelineConfig, StampJob, inspect_content, stamp_content
from tests.conftest import PRODUCER

verb, small, big, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
KEY = b"bench-admission-key-32-bytes-...."
config = PipelineConfig(watermark_embed=True, detectors=DetectorContext(watermark_key=KEY))

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024

def once(path):
    if verb == "Stamp":
        stamp_content(StampJob("bench", "bench", Source.of(path), PRODUCER, work_dir=work), config)
    else:
        inspect_content(Source.of(path), config)

once(small)
before = status("VmRSS")
once(big)
print(json.dumps({"rise": status("VmHWM") - before}))
"""


def _peak_rise(verb: str, small: Path, big: Path, work: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, verb, str(small), str(big), str(work)],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(json.loads(done.stdout.strip().splitlines()[-1])["rise"])


def run(sizes: tuple[tuple[int, int], ...] = ((1920, 1080), (3840, 2160))) -> str:
    """The Markdown table: verb, frame size, measured peak rise, the estimate and their ratio."""
    from tests.media.video.clips import ClipSpec, make_clip

    from clearmark.media.asset import open_asset
    from clearmark.media.limits import MediaLimits
    from clearmark.service.admission import VIDEO_FRAMES, estimate_memory

    rows = [
        f"| clip | verb | measured peak rise | frames of 4 B/pixel | admission estimate ({VIDEO_FRAMES} frames) "
        "| measured / estimate |",
        "|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="clearmark-video-admission-") as scratch:
        folder = Path(scratch)
        small = make_clip(folder / "small.mp4", ClipSpec(width=320, height=240, seconds=4, fps=5))
        for width, height in sizes:
            big = make_clip(folder / f"{width}x{height}.mp4", ClipSpec(width=width, height=height, seconds=10, fps=5))
            estimate = estimate_memory(open_asset(big, MediaLimits(max_video_pixels=width * height)), copies=3)
            for verb in ("Inspect", "Stamp"):
                work = folder / f"work-{verb}"
                work.mkdir(exist_ok=True)
                rise = _peak_rise(verb, small, big, work)
                rows.append(
                    f"| {width}x{height} 10 s | {verb} | {rise / MIB:.0f} MiB | {rise / (width * height * 4):.1f} "
                    f"| {estimate.total_bytes / MIB:.0f} MiB | {rise / estimate.total_bytes:.2f} |"
                )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=["1920x1080", "3840x2160"])
    args = parser.parse_args(argv)
    sizes = tuple((int(w), int(h)) for w, h in (size.split("x") for size in args.sizes))
    print(run(sizes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
