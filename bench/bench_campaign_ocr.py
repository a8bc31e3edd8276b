"""Gated whole-image OCR against ungated whole-image OCR and the edge bands: time, and the recall the gate keeps.

``python -m bench.run campaign_ocr``. Scenes are 1920x1080 photo-like and cluttered frames with six
lines of Chinese/English text (18-90 px, random colours and positions, some with an outline);
"recall kept" counts the lines ungated whole-image OCR reads that gated OCR reads too.
"""

from __future__ import annotations

import numpy as np
from PIL import ImageDraw

from bench.bench_campaign_qr import cluttered_1080p
from bench.harness import measure, report
from bench.images import photo_like
from clearmark.detectors.ocr import OcrSettings, ocr_frame, shared_ocr_engine
from clearmark.detectors.ocr_gate import text_regions
from clearmark.notice import load_notice_font

LINES = ("加微信 abc12345", "扫码领取福利", "Harbour night market", "限时优惠 全场五折", "AI生成", "千万别搜")
GATED = OcrSettings(whole_image=True, gated=True)
WHOLE = OcrSettings(whole_image=True)
BANDS = OcrSettings()


def text_scene(seed: int) -> tuple[np.ndarray, list[tuple[str, tuple[int, int, int, int]]]]:
    """A frame with six text lines, and each line's text and box."""
    rng = np.random.default_rng(seed)
    image = cluttered_1080p(seed) if seed % 2 else photo_like(1920, 1080, seed=seed)
    draw = ImageDraw.Draw(image)
    font = load_notice_font()
    truth = []
    for text in LINES:
        size = int(rng.integers(18, 90))
        face = font.at(size)
        width = int(draw.textlength(text, font=face))
        x, y = int(rng.integers(0, max(1, 1920 - width))), int(rng.integers(0, 1080 - 2 * size))
        outline = int(rng.integers(0, 3))
        draw.text((x, y), text, font=face, fill=tuple(int(v) for v in rng.integers(0, 255, 3)),
                  stroke_width=outline, stroke_fill=(0, 0, 0))
        left, top, right, bottom = draw.textbbox((x, y), text, font=face, stroke_width=outline)
        truth.append((text, (left, top, right, bottom)))
    return np.asarray(image), truth


def _same_line(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w > 0 and h > 0 and w * h >= 0.5 * min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))


def _boxes(frame: np.ndarray, settings: OcrSettings) -> list[tuple[int, int, int, int]]:
    lines = ocr_frame(frame, shared_ocr_engine(), settings, measure=lambda _: False)
    return [(ln.bbox.x, ln.bbox.y, ln.bbox.x + ln.bbox.width, ln.bbox.y + ln.bbox.height) for ln in lines]


def recall_table(seeds: range = range(8)) -> tuple[int, int, int, int, float]:
    """Truth lines, read ungated, read gated, read by both; mean share of the frame the gate passes."""
    truth_total = whole_read = gated_read = kept = 0
    shares = []
    for seed in seeds:
        frame, truth = text_scene(seed)
        whole, gated = _boxes(frame, WHOLE), _boxes(frame, GATED)
        shares.append(sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in text_regions(frame)) / (1920 * 1080))
        for _, box in truth:
            truth_total += 1
            in_whole = any(_same_line(box, b) for b in whole)
            in_gated = any(_same_line(box, b) for b in gated)
            whole_read += in_whole
            gated_read += in_gated
            kept += in_whole and in_gated
    return truth_total, whole_read, gated_read, kept, float(np.mean(shares))


def run(repeats: int = 5) -> str:
    """Recall kept by the gate, then timings on a text scene and on a photo without text."""
    total, whole, gated, kept, share = recall_table()
    engine = shared_ocr_engine()
    scene, _ = text_scene(3)
    photo = np.asarray(photo_like(1920, 1080, seed=11))
    timings = measure(
        {
            "gated, text scene": lambda: ocr_frame(scene, engine, GATED),
            "ungated whole, text scene": lambda: ocr_frame(scene, engine, WHOLE),
            "edge bands, text scene": lambda: ocr_frame(scene, engine, BANDS),
            "gated, photo without text": lambda: ocr_frame(photo, engine, GATED),
            "ungated whole, photo without text": lambda: ocr_frame(photo, engine, WHOLE),
            "gate alone, text scene": lambda: text_regions(scene),
        },
        repeats=repeats,
        warmup=1,
    )
    head = (
        f"### Gated whole-image OCR\n\nOf {total} drawn lines in 8 scenes, ungated whole-image OCR read {whole}, "
        f"gated OCR {gated}; the gate kept {kept}/{whole} = {kept / max(1, whole):.1%} of what ungated OCR reads, "
        f"passing on average {share:.1%} of the frame to the detector.\n\n"
    )
    return head + report(
        "OCR of a 1920x1080 frame: gated vs ungated",
        timings,
        [
            ("gated, text scene", "ungated whole, text scene"),
            ("gated, photo without text", "ungated whole, photo without text"),
            ("gated, text scene", "edge bands, text scene"),
        ],
    )
