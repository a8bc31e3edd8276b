"""A cheap text-region gate for whole-image OCR: where dense strokes of two orientations are, text may be.

The frame is reduced to 540 px on its shortest side, Sobel edges above a fixed contrast are
counted in 8×8 cells, and cells with both horizontal and vertical stroke density are grown into
boxes. It costs a few milliseconds at 1080p and passes on nothing of a photo without text, so
OCR's detector and recogniser run only where text may be; ``bench/bench_campaign_ocr.py``
measures the recall it keeps against ungated whole-image OCR.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from clearmark.media.views import luma


@dataclass(frozen=True)
class GateSettings:
    """Thresholds of the gate (tuned on photo-like, cluttered and text scenes; see the benchmark)."""

    short_side: int = 540
    cell: int = 8
    edge_threshold: int = 64
    x_density: float = 0.25
    y_density: float = 0.10
    min_cells: int = 3
    pad_cells: int = 4


DEFAULT_GATE = GateSettings()


def text_regions(frame: np.ndarray, settings: GateSettings = DEFAULT_GATE) -> list[tuple[int, int, int, int]]:
    """Boxes ``(x0, y0, x1, y1)`` in frame pixels where text may be, merged where they overlap.

    ``frame`` is an RGB(A) uint8 frame or its grey plane (``media.views.luma``; an asset's ``GREY`` view).
    """
    height, width = frame.shape[:2]
    scale = min(1.0, settings.short_side / max(1, min(height, width)))
    grey = luma(frame)
    if scale < 1.0:
        grey = cv2.resize(grey, (max(1, round(width * scale)), max(1, round(height * scale))), cv2.INTER_AREA)
    cell = settings.cell
    rows, cols = grey.shape[0] // cell, grey.shape[1] // cell
    if rows == 0 or cols == 0:
        return [(0, 0, width, height)]
    grey = grey[: rows * cell, : cols * cell]
    density = []
    for dx, dy in ((1, 0), (0, 1)):
        edges = cv2.convertScaleAbs(cv2.Sobel(grey, cv2.CV_16S, dx, dy, ksize=3)) > settings.edge_threshold
        density.append(cv2.resize(edges.astype(np.float32), (cols, rows), interpolation=cv2.INTER_AREA))
    mask = ((density[0] > settings.x_density) & (density[1] > settings.y_density)).astype(np.uint8)
    mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 3)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    factor = cell / scale
    pad = settings.pad_cells
    boxes = []
    for x, y, w, h, area in stats[1:count]:
        if area < settings.min_cells:
            continue
        boxes.append(
            (
                max(0, int((x - pad) * factor)),
                max(0, int((y - pad) * factor)),
                min(width, int((x + w + pad) * factor) + 1),
                min(height, int((y + h + pad) * factor) + 1),
            )
        )
    return _merge(boxes)


def _merge(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Overlapping boxes as one, until none overlap (fewer, larger detector calls)."""
    merged = sorted(boxes)
    changed = True
    while changed:
        changed = False
        out: list[tuple[int, int, int, int]] = []
        for box in merged:
            for i, other in enumerate(out):
                if box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]:
                    out[i] = (
                        min(box[0], other[0]),
                        min(box[1], other[1]),
                        max(box[2], other[2]),
                        max(box[3], other[3]),
                    )
                    changed = True
                    break
            else:
                out.append(box)
        merged = out
    return merged
