"""OCR glyph height of visible labels on a 60-label set in five CJK fonts: found, error against the truth."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np
from tests.detectors.ocr_samples import CJK_FONTS, COLOURS, CORNERS, MIXED_TEXTS, DrawnLabel, background, draw_label

from clearmark.detectors.ocr import OcrSettings, shared_ocr_engine
from clearmark.detectors.ocr_notice import NOTICE_KIND, OcrNoticeDetector

# Held out from tests/detectors/test_ocr.py's 40 labels: other seeds, a noise background,
# every corner, and heights from 5.0 % to 6.0 % of the shortest side.
BACKGROUNDS = ("photo", "noise", "flat")
RATIOS = (0.05, 0.055, 0.06)
SIZE = (800, 600)


@dataclass(frozen=True)
class Measured:
    """One label of the set: how it was drawn and what OCR reported (0: not found)."""

    font: str
    text: str
    background: str
    outlined: bool
    truth_px: int
    measured_px: int


def measurement_set() -> list[tuple[str, str, str, bool, DrawnLabel]]:
    """Five fonts × four mixed wordings × three backgrounds = 60 labels, colours and corners cycled."""
    labels = []
    index = 0
    for font in (f for f in CJK_FONTS if f.available()):
        for text in MIXED_TEXTS:
            for kind in BACKGROUNDS:
                index += 1
                fill, stroke = COLOURS[(index * 3) % len(COLOURS)]
                drawn = draw_label(
                    background(kind, SIZE, seed=100 + index),
                    text,
                    font,
                    corner=CORNERS[index % len(CORNERS)],
                    height_ratio=RATIOS[index % len(RATIOS)],
                    fill=fill,
                    stroke=stroke,
                )
                labels.append((font.name, text, kind, stroke is not None, drawn))
    return labels


def measure_all(detector: OcrNoticeDetector) -> tuple[list[Measured], list[float]]:
    """Every label of the set through the detector, and the per-image wall times (ms)."""
    results, times = [], []
    for font, text, kind, outlined, drawn in measurement_set():
        start = time.perf_counter()
        signals = detector.signals_for_frame(np.asarray(drawn.image))
        times.append((time.perf_counter() - start) * 1000)
        x0, y0, x1, y1 = drawn.ink_box
        hits = [
            s
            for s in signals
            if s.kind == NOTICE_KIND
            and s.location.bbox is not None
            and min(s.location.bbox.x + s.location.bbox.width, x1) > max(s.location.bbox.x, x0)
            and min(s.location.bbox.y + s.location.bbox.height, y1) > max(s.location.bbox.y, y0)
        ]
        height = int(hits[0].attribute("glyph_height_px")) if hits else 0
        results.append(Measured(font, text, kind, outlined, drawn.glyph_height_px, height))
    return results, times


def _row(name: str, rows: list[Measured]) -> str:
    found = [r for r in rows if r.measured_px]
    errors = [abs(r.measured_px - r.truth_px) / r.truth_px for r in found]
    within = sum(e <= 0.10 for e in errors)
    median = statistics.median(errors) if errors else 0.0
    worst = max(errors) if errors else 0.0
    return f"| {name} | {len(found)}/{len(rows)} | {within}/{len(found)} | {median:.1%} | {worst:.1%} |"


def run(repeats: int) -> str:
    """Measure the set once (the result is deterministic; ``repeats`` is unused) and return the Markdown report."""
    del repeats
    detector = OcrNoticeDetector(shared_ocr_engine(), OcrSettings())
    results, times = measure_all(detector)
    lines = [
        "### Glyph height of 60 mixed-wording labels in five CJK fonts (800x600, 5.0-6.0 %)",
        "",
        "| labels | found | within 10 % | median error | worst error |",
        "|---|---:|---:|---:|---:|",
        _row("all", results),
        _row("outlined", [r for r in results if r.outlined]),
        _row("plain", [r for r in results if not r.outlined]),
    ]
    lines += [_row(font, [r for r in results if r.font == font]) for font in dict.fromkeys(r.font for r in results)]
    misses = [
        f"{r.font} {r.text} {r.background}: {r.measured_px or 'not found'} px for {r.truth_px}"
        for r in results
        if not r.measured_px or abs(r.measured_px - r.truth_px) > 0.10 * r.truth_px
    ]
    lines += ["", f"Outside 10 % or missed: {'; '.join(misses) or 'none'}."]
    lines += ["", f"Detector time per 800x600 image: median {statistics.median(times):.0f} ms over {len(times)}."]
    return "\n".join(lines) + "\n"
