"""Frame OCR: labels at 5 % in several fonts, colours, corners and backgrounds are found and measured."""

from __future__ import annotations

import re
import statistics

import numpy as np
import pytest
from PIL import Image

from clearmark.core.signals import Signal
from clearmark.detectors.ocr import OcrEngine, OcrSettings, frame_regions, ocr_frame, shared_ocr_engine
from clearmark.detectors.ocr_notice import NOTICE_KIND, OcrNoticeDetector
from tests.detectors.ocr_samples import CJK_FONTS, COLOURS, FONTS, MIXED_TEXTS, background, draw_label, label_corpus

NOT_LABELS = ("Holiday 2024", "风景照片", "AI assistant", "生成器", "Generated report", "www.example.com")


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    return shared_ocr_engine()


@pytest.fixture(scope="module")
def detector(engine: OcrEngine) -> OcrNoticeDetector:
    return OcrNoticeDetector(engine, OcrSettings())


def _overlaps(signal: Signal, box: tuple[int, int, int, int]) -> bool:
    bbox = signal.location.bbox
    assert bbox is not None
    return min(bbox.x + bbox.width, box[2]) > max(bbox.x, box[0]) and min(bbox.y + bbox.height, box[3]) > max(
        bbox.y, box[1]
    )


def _folded(text: str) -> str:
    return re.sub(r"[\s\-]", "", text).casefold()


def test_labels_are_found_and_their_glyph_height_measured(detector: OcrNoticeDetector) -> None:
    corpus = label_corpus((640, 480))
    found, errors, texts_right, misses = 0, [], 0, []
    for case in corpus:
        signals = detector.signals_for_frame(np.asarray(case.label.image))
        hits = [s for s in signals if s.kind == NOTICE_KIND and _overlaps(s, case.label.ink_box)]
        if not hits:
            misses.append((case.font, case.label.text, case.background, case.corner))
            continue
        found += 1
        hit = hits[0]
        truth = case.label.glyph_height_px
        errors.append(abs(int(hit.attribute("glyph_height_px")) - truth) / truth)
        texts_right += _folded(hit.attribute("corrected_text")) == _folded(case.label.text)
        assert hit.attribute("present") == "true"
        assert hit.attribute("on_edge_or_corner") == "true", (case.corner, hit.message)
    rate = found / len(corpus)
    within = sum(e <= 0.10 for e in errors) / len(errors)
    summary = f"found {found}/{len(corpus)}, misses {misses}, height within 10 %: {within:.1%}, max {max(errors):.1%}"
    assert rate >= 0.95, summary
    assert within >= 0.95 and statistics.median(errors) <= 0.05, summary
    assert texts_right / found >= 0.9, summary


def test_no_label_is_found_where_there_is_none(detector: OcrNoticeDetector) -> None:
    font = next(f for f in FONTS if f.name == "noto-sc-bold")
    images = [background(kind, (640, 480), seed=40 + i) for i, kind in enumerate(("photo", "busy", "noise", "flat"))]
    for index, text in enumerate(NOT_LABELS):
        corner = ("bottom_right", "top_left", "bottom_edge")[index % 3]
        images.append(draw_label(background("photo", (640, 480), seed=index), text, font, corner=corner).image)
    read = []
    for image in images:
        signals = detector.signals_for_frame(np.asarray(image))
        assert [s for s in signals if s.kind == NOTICE_KIND] == []
        read += [s.attribute("ocr_text") for s in signals if s.kind == "ocr.text"]
    assert len(read) >= len(NOT_LABELS) - 1  # the ordinary text is still read, for the campaign checks


def test_bands_miss_a_centred_label_the_whole_image_finds(engine: OcrEngine) -> None:
    font = next(f for f in FONTS if f.name == "noto-sc-bold")
    image = background("photo", (640, 480), seed=3)
    centred = draw_label(image, "AI生成", font, corner="bottom_edge", margin_ratio=0.45).image
    assert [line.text for line in ocr_frame(np.asarray(centred), engine)] == []
    (line,) = ocr_frame(np.asarray(centred), engine, OcrSettings(whole_image=True))
    assert line.text == "AI生成" and line.region == "whole"


def test_a_label_cut_by_a_band_is_read_whole(engine: OcrEngine) -> None:
    """A long label on the left edge runs past the left band: the line is re-read in a full-width strip."""
    font = next(f for f in FONTS if f.name == "noto-sc-bold")
    canvas = background("flat", (1000, 600))
    drawn = draw_label(canvas, "本图片内容由人工智能生成合成", font, corner="top_left", margin_ratio=0.0)
    shifted = Image.new("RGB", canvas.size, (128, 128, 128))
    shifted.paste(drawn.image.crop((0, 0, 1000, 80)), (0, 280))  # move it to the middle of the left edge
    lines = ocr_frame(np.asarray(shifted), engine, OcrSettings(band_ratio=0.2))
    assert [line.text for line in lines] == ["本图片内容由人工智能生成合成"]


def test_rgba_frames_are_read_and_other_arrays_refused(engine: OcrEngine) -> None:
    font = next(f for f in FONTS if f.name == "noto-sc-bold")
    rgba = draw_label(background("photo", (400, 300)), "AI生成", font, corner="top_right").image.convert("RGBA")
    assert [line.text for line in ocr_frame(np.asarray(rgba), engine)] == ["AI生成"]
    for bad in (np.zeros((10, 10), np.uint8), np.zeros((10, 10, 3), np.float32), np.zeros((10, 10, 2), np.uint8)):
        with pytest.raises(ValueError):
            ocr_frame(bad, engine)


def test_tiny_and_blank_frames_have_no_lines(engine: OcrEngine) -> None:
    assert ocr_frame(np.zeros((5, 7, 3), np.uint8), engine) == []
    assert ocr_frame(np.full((300, 400, 3), 200, np.uint8), engine) == []


def test_frame_regions_cover_the_edges() -> None:
    regions = {r.name: (r.x0, r.y0, r.x1, r.y1) for r in frame_regions(1920, 1080, OcrSettings(band_ratio=0.2))}
    assert regions == {
        "top": (0, 0, 1920, 216),
        "bottom": (0, 864, 1920, 1080),
        "left": (0, 216, 432, 864),
        "right": (1488, 216, 1920, 864),
    }
    assert [r.name for r in frame_regions(100, 100, OcrSettings(whole_image=True))] == ["whole"]


def test_results_are_deterministic(engine: OcrEngine) -> None:
    font = next(f for f in FONTS if f.name == "dejavu-serif-bold")
    image = np.asarray(draw_label(background("busy", (640, 480)), "Generated by AI", font, corner="top_left").image)
    assert ocr_frame(image, engine) == ocr_frame(image, engine)


def test_mixed_wordings_are_measured_on_their_chinese_characters_across_cjk_fonts(
    detector: OcrNoticeDetector,
) -> None:
    """A label at 5.5 % of the shortest side by its Chinese characters reads as compliant in every CJK
    font, whatever its Latin capitals measure (about 0.78 of the characters)."""
    fonts = [f for f in CJK_FONTS if f.available()]
    if len(fonts) < 3:
        pytest.skip("needs three CJK fonts: fonts-wqy-zenhei, fonts-arphic-uming (scripts/setup.sh)")
    found, errors, compliant, cases = 0, [], 0, 0
    for index, (font, text) in enumerate((f, t) for f in fonts for t in MIXED_TEXTS):
        for kind in ("photo", "flat"):
            cases += 1
            fill, stroke = COLOURS[(index + len(kind)) % len(COLOURS)]
            drawn = draw_label(
                background(kind, (640, 480), seed=index),
                text,
                font,
                corner=("bottom_right", "top_left", "bottom_edge")[index % 3],
                height_ratio=0.055,
                fill=fill,
                stroke=stroke,
            )
            signals = detector.signals_for_frame(np.asarray(drawn.image))
            hits = [s for s in signals if s.kind == NOTICE_KIND and _overlaps(s, drawn.ink_box)]
            if not hits:
                continue
            found += 1
            errors.append(
                abs(int(hits[0].attribute("glyph_height_px")) - drawn.glyph_height_px) / drawn.glyph_height_px
            )
            compliant += hits[0].attribute("height_ok") == "true"
    summary = f"{len(fonts)} fonts: found {found}/{cases}, height errors {sorted(round(e, 3) for e in errors)}"
    assert found / cases >= 0.95, summary
    # Measured: 40 of 40 within 10 % (median 0). Before the outline rule (a class enclosed by the
    # best class's strokes is their fill) and the finer re-clustering, 37: two outlined AR PL UKai
    # labels measured on their outline, a red one on a four-colour background not separated.
    assert sum(e <= 0.10 for e in errors) / found >= 0.95 and statistics.median(errors) <= 0.05, summary
    assert compliant / found >= 0.95, summary


@pytest.mark.parametrize("kind", ["photo", "busy"])
def test_detection_finds_exactly_what_rapidocr_finds(engine: OcrEngine, kind: str) -> None:
    # The engine looks up rapidocr's input normalisation per level instead of computing it in float64.
    font = next(f for f in FONTS if f.name == "noto-sc-bold")
    image = draw_label(background(kind, (416, 240)), "内容由AI生成", font, corner="bottom_right").image
    for bgr in (np.asarray(image)[..., ::-1], np.asarray(image.resize((333, 197)))[..., ::-1]):
        bgr = np.ascontiguousarray(bgr)
        ours = engine.detect(bgr)
        theirs, _ = engine._detector(bgr)
        assert ours and len(ours) == len(theirs)
        assert all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=True))


def test_gated_regions_of_a_large_frame_are_detected_scaled_and_read_the_same(
    engine: OcrEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 1080p frame's label region is detected at the scale keeping 1.6 % text 11 px tall (0.64),
    # not at full resolution: the same label and glyph height for about a third of the detector input.
    drawn = draw_label(background("photo", (1920, 1080), seed=41), "AI生成", FONTS[0], corner="bottom_right")
    read = _gated_reads(engine, monkeypatch, np.asarray(drawn.image))
    (full_lines, full_inputs), (scaled_lines, scaled_inputs) = read[0], read[11]
    full_lines = [line[:2] for line in full_lines]
    scaled_lines = [line[:2] for line in scaled_lines]
    assert full_lines == scaled_lines and full_lines[0][0] == "AI生成"
    assert abs(full_lines[0][1] - drawn.glyph_height_px) <= 1
    assert len(full_inputs) == len(scaled_inputs)
    for full, scaled in zip(full_inputs, scaled_inputs, strict=True):
        assert scaled[0] <= 0.66 * full[0] and scaled[1] <= 0.66 * full[1]


def test_gated_regions_of_a_small_frame_keep_their_resolution(
    engine: OcrEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 11 px for 1.6 % of a 600 px side is more than full scale: below ~690 px nothing changes.
    drawn = draw_label(background("photo", (800, 600), seed=42), "AI生成", FONTS[0], corner="top_left")
    read = _gated_reads(engine, monkeypatch, np.asarray(drawn.image))
    assert read[0] == read[11] and read[0][0] and read[0][1]


def _gated_reads(
    engine: OcrEngine, monkeypatch: pytest.MonkeyPatch, frame: np.ndarray
) -> dict[int, tuple[list[tuple[str, int, object]], list[tuple[int, ...]]]]:
    """Gated OCR of ``frame`` with ``gated_text_px`` 0 and 11: (text, glyph height, box) per line, and
    the shape of every detector input."""
    inputs: list[tuple[int, ...]] = []
    detect = engine.detect
    monkeypatch.setattr(engine, "detect", lambda bgr: inputs.append(bgr.shape) or detect(bgr))
    read = {}
    for px in (0, 11):
        inputs.clear()
        lines = ocr_frame(frame, engine, OcrSettings(whole_image=True, gated=True, gated_text_px=px))
        read[px] = ([(line.text, line.glyph_height_px, line.bbox) for line in lines], list(inputs))
    return read
