"""The perceptual hash's 32x32 LANCZOS copy of a 1080p grey plane: ours (float64 band products) against Pillow's resize.

``python -m bench.run phash``. Both give the same bytes (asserted here, tested in
``tests/media/test_perceptual.py``); the cases are interleaved, by wall clock and by CPU time, on
the grey plane of the same 1920x1080 photo-like JPEG the whole-Inspect benchmark reads.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from bench.bench_campaign_inspect import measure_cpu
from bench.harness import measure, report
from bench.images import jpeg_1080p
from clearmark.media.perceptual import grey_phash, lanczos_resize

SIDE = 32


def _pillow(grey: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(grey).resize((SIDE, SIDE), Image.Resampling.LANCZOS), dtype=np.float64)


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
    )
