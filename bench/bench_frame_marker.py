"""The video mark's per-frame cost: each frame weighted by its own masking map, against reusing the fit frame's mark.

24 frames of a drifting 1080p texture (one refresh period): ``FrameMarker`` as Stamp runs it (the tile
fitted once, every frame weighted by its own map) against the reference of branch main before wm-bind
(the mark fitted once and its rounded step added to every frame). Run:
``PYTHONPATH=src python -m bench.run frame_marker --repeats 9``.
"""

from __future__ import annotations

import cv2
import numpy as np

from bench.harness import measure, report
from clearmark.watermark.image import mark_for_luma
from clearmark.watermark.video import DEFAULT_REFRESH_FRAMES, FrameMarker

KEY = b"bench-frame-marker-key"
PAYLOAD = bytes.fromhex("0123456789abcdef")


def _frames(count: int = DEFAULT_REFRESH_FRAMES) -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    base = cv2.resize(rng.integers(0, 256, (80, 140), dtype=np.uint8), (1920 + 128, 1080 + 128))
    return [np.ascontiguousarray(base[2 * i : 2 * i + 1080, 2 * i : 2 * i + 1920]) for i in range(count)]


def run(repeats: int) -> str:
    frames = _frames()

    def per_frame_map() -> None:
        marker = FrameMarker(PAYLOAD, KEY, refresh_frames=len(frames))
        for frame in frames:
            marker.mark(frame.copy())

    def reused_step() -> None:  # the reference: main's FrameMarker between two fits
        step = np.rint(mark_for_luma(frames[0].astype(np.float32), PAYLOAD, KEY)).astype(np.int16)
        for frame in frames:
            np.clip(cv2.add(frame.copy(), step, dtype=cv2.CV_16S), 16, 235)

    ours, reference = "24 frames, per-frame map (wm-bind)", "24 frames, fit frame's mark reused (main)"
    timings = measure({ours: per_frame_map, reference: reused_step}, repeats=repeats)
    extra = (timings[ours].median_ms - timings[reference].median_ms) / len(frames)
    table = report(
        "Video mark, 24 frames of 1080p (one fit), per-frame map vs the fit frame's mark reused",
        timings,
        [(ours, reference)],
    )
    return table + f"\nPer frame, the map costs {extra:.1f} ms more.\n"
