"""The perceptual hash's 32x32 LANCZOS copy of a 1080p grey plane: ours (float64 band products) against Pillow's resize.

``python -m bench.run phash``. Both give the same bytes (asserted here, tested in
``tests/media/test_perceptual.py``); the cases are interleaved, by wall clock and by CPU time, on
the grey plane of the same 1920x1080 photo-like JPEG the whole-Inspect benchmark reads. Then the
whole default Inspect of a stamped copy, stage by stage (CPU), with the hash's resize done by ours
and by Pillow's in alternate rounds (their order swapped every round): what the change buys in place.
"""

from __future__ import annotations

import io
import logging
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from bench.bench_campaign_inspect import PRODUCER, WATERMARK_KEY, inspect_by_stage, measure_cpu
from bench.harness import measure, report
from bench.images import jpeg_1080p
from clearmark.media import perceptual
from clearmark.media.perceptual import grey_phash, lanczos_resize
from clearmark.service.app import pipeline_config
from clearmark.service.config import Settings
from clearmark.service.keys import ensure_dev_signing_material
from clearmark.service.pipelines import StampJob, stamp_content
from clearmark.service.pipelines.workers import detectors_for

SIDE = 32


def _pillow(grey: np.ndarray, side: int = SIDE) -> np.ndarray:
    return np.asarray(Image.fromarray(grey).resize((side, side), Image.Resampling.LANCZOS), dtype=np.float64)


def run(repeats: int) -> str:
    """Time the cases and return the Markdown report."""
    grey = np.asarray(Image.open(io.BytesIO(jpeg_1080p())).convert("L"))
    assert np.array_equal(lanczos_resize(grey, SIDE), _pillow(grey))
    cases = {
        "32x32 LANCZOS, float64 band products (ours)": lambda: lanczos_resize(grey, SIDE),
        "32x32 LANCZOS, Pillow resize": lambda: _pillow(grey),
        "whole perceptual hash (ours)": lambda: grey_phash(grey),
    }
    ratios = [
        ("32x32 LANCZOS, float64 band products (ours)", "32x32 LANCZOS, Pillow resize"),
        ("whole perceptual hash (ours)", "32x32 LANCZOS, Pillow resize"),
    ]
    title = "Perceptual hash resize of a 1920x1080 grey plane (identical bytes)"
    rounds = max(repeats, 30)
    return (
        report(title, measure(cases, repeats=rounds), ratios)
        + "\n"
        + report(f"{title}: CPU time (ms of process time)", measure_cpu(cases, repeats=rounds), ratios)
        + "\n"
        + _inspect_stages(rounds)
    )


def _inspect_stages(rounds: int) -> str:
    """Median CPU ms per stage of the default Inspect, the hash resized by ours and by Pillow in alternate rounds."""
    logging.getLogger("clearmark.service.keys").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="clearmark-bench-") as data_dir:
        folder = Path(data_dir)
        config = pipeline_config(
            Settings(data_dir=folder), ensure_dev_signing_material(folder), WATERMARK_KEY
        )
        job = StampJob(request_id="b", tenant="b", content=jpeg_1080p(), producer_code=PRODUCER)
        stamped = stamp_content(job, config).content
    detectors = detectors_for(config.detectors)
    resizes: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {"ours": lanczos_resize, "Pillow": _pillow}
    stages: dict[str, dict[str, list[float]]] = {name: {} for name in resizes}

    def one_round(name: str) -> None:
        perceptual.lanczos_resize = resizes[name]  # grey_phash looks the function up when called
        inspect_by_stage(stamped, config, detectors, stages[name])

    try:
        for index in range(rounds + 2):
            for name in list(resizes) if index % 2 == 0 else list(resizes)[::-1]:
                one_round(name)
    finally:
        perceptual.lanczos_resize = lanczos_resize
    lines = [
        "### The default Inspect per stage, the hash's resize by ours and by Pillow's (CPU ms, medians)",
        "",
        "| stage | ours | Pillow's |",
        "|---|---:|---:|",
    ]
    for stage, values in stages["ours"].items():
        ours, pillows = statistics.median(values[2:]), statistics.median(stages["Pillow"][stage][2:])
        if max(ours, pillows) >= 0.5:
            lines.append(f"| {stage} | {ours:.1f} | {pillows:.1f} |")
    return "\n".join(lines) + "\n"
