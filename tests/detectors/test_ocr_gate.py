"""The text-region gate passes on text and nothing of a photo; gated OCR reads text anywhere in one pass."""

from __future__ import annotations

import numpy as np
from bench.bench_campaign_ocr import GATED, text_scene
from bench.bench_traces import frame_1080p
from bench.images import photo_like

from clearmark.detectors.ocr import ocr_frame, shared_ocr_engine
from clearmark.detectors.ocr_gate import text_regions


def test_a_photo_without_text_passes_nothing() -> None:
    for seed in (10, 11, 12):
        assert text_regions(np.asarray(photo_like(1920, 1080, seed=seed))) == []


def test_the_gate_covers_drawn_text_lines() -> None:
    frame, truth = text_scene(0)
    boxes = text_regions(frame)
    covered = sum(
        any(b[0] <= (x0 + x1) // 2 <= b[2] and b[1] <= (y0 + y1) // 2 <= b[3] for b in boxes)
        for _, (x0, y0, x1, y1) in truth
    )
    assert covered >= len(truth) - 1
    assert sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in boxes) < 0.5 * frame.shape[0] * frame.shape[1]


def test_one_gated_pass_reads_mid_frame_text_and_the_corner_notice() -> None:
    lines = ocr_frame(frame_1080p(), shared_ocr_engine(), GATED)
    assert [line.text for line in lines] == ["海港夜市每晚六点开放", "Harbour night market", "AI生成"]
    assert {line.region for line in lines} == {"gate"}


def test_tiny_frames_are_one_region() -> None:
    assert text_regions(np.zeros((6, 6, 3), np.uint8)) == [(0, 0, 6, 6)]
