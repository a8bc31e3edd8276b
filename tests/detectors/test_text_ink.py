"""Glyph ink of a label line as OCR measures it: outlined labels on their fill, thin ones on many-coloured ground."""

from __future__ import annotations

import numpy as np
import pytest

from clearmark.detectors.ocr import OcrSettings, shared_ocr_engine
from clearmark.detectors.ocr_notice import NOTICE_KIND, OcrNoticeDetector
from tests.detectors.ocr_samples import CJK_FONTS, DrawnLabel, background, draw_label

UKAI = next(f for f in CJK_FONTS if f.name == "ar-pl-ukai")
WHITE_ON_BLACK = ((255, 255, 255), (0, 0, 0))
YELLOW_ON_DARK = ((250, 220, 40), (30, 30, 30))
RED = ((200, 30, 30), None)


@pytest.fixture(scope="module")
def detector() -> OcrNoticeDetector:
    if not UKAI.available():
        pytest.skip("needs fonts-arphic-ukai (scripts/setup.sh test)")
    return OcrNoticeDetector(shared_ocr_engine(), OcrSettings())


def _measured(detector: OcrNoticeDetector, drawn: DrawnLabel) -> int:
    hits = [s for s in detector.signals_for_frame(np.asarray(drawn.image)) if s.kind == NOTICE_KIND]
    assert hits, drawn.text
    return int(hits[0].attribute("glyph_height_px"))


# Labels the measurement got wrong before (2026-12-02): the thin Kai strokes' outline class was
# measured (+4/+5 px), or the red text shared a colour class with a purple background block.
@pytest.mark.parametrize(
    ("text", "kind", "seed", "corner", "colours", "size"),
    [
        ("AI生成", "flat", 16, "top_left", WHITE_ON_BLACK, (640, 480)),
        ("由AI生成", "photo", 17, "bottom_edge", YELLOW_ON_DARK, (640, 480)),
        ("本图由AI生成", "photo", 158, "bottom_edge", YELLOW_ON_DARK, (800, 600)),
        ("AI辅助生成", "photo", 18, "bottom_right", RED, (640, 480)),
    ],
    ids=["outlined-white", "outlined-yellow", "outlined-yellow-long", "red-on-four-colours"],
)
def test_kai_labels_are_measured_on_their_glyph_fill(
    detector: OcrNoticeDetector,
    text: str,
    kind: str,
    seed: int,
    corner: str,
    colours: tuple[tuple[int, int, int], tuple[int, int, int] | None],
    size: tuple[int, int],
) -> None:
    """An outline's strokes enclose the fill (the class they enclose is the glyph); a crop whose
    colours take every class is clustered again, finer."""
    fill, stroke = colours
    drawn = draw_label(
        background(kind, size, seed=seed), text, UKAI, corner=corner, height_ratio=0.055, fill=fill, stroke=stroke
    )
    measured = _measured(detector, drawn)
    assert abs(measured - drawn.glyph_height_px) <= 0.1 * drawn.glyph_height_px, (measured, drawn.glyph_height_px)


def test_a_plain_label_is_not_measured_on_the_ground_its_counters_enclose(detector: OcrNoticeDetector) -> None:
    """Dark text on a light ground: the ground inside 口-shaped counters is enclosed by strokes but is no fill."""
    drawn = draw_label(
        background("flat", (640, 480)), "本图由AI生成", UKAI, corner="top_left", height_ratio=0.055,
        fill=(20, 20, 20), stroke=None,
    )  # fmt: skip
    measured = _measured(detector, drawn)
    assert abs(measured - drawn.glyph_height_px) <= 1, (measured, drawn.glyph_height_px)


def _members_mean_kmeans(crop: np.ndarray, clusters: int) -> tuple[np.ndarray, np.ndarray]:
    """The clustering as first written: each round's centres as numpy's mean of the members."""
    from clearmark.detectors.text_ink import KMEANS_ROUNDS, KMEANS_SAMPLE, _channel_rows, _nearest

    flat = crop.reshape(-1, 3).astype(np.float32)
    sample = flat[:: max(1, len(flat) // KMEANS_SAMPLE)]
    luma = sample.astype(np.float64) @ np.array([0.299, 0.587, 0.114], dtype=np.float32).astype(np.float64)
    order = np.argsort(luma, kind="stable")
    centres = sample[[order[int(q * (len(order) - 1))] for q in np.linspace(0.03, 0.97, clusters)]].copy()
    for _ in range(KMEANS_ROUNDS):
        labels = _nearest(_channel_rows(sample.astype(np.uint8)), centres)
        for k in range(clusters):
            members = sample[labels == k]
            if len(members):
                centres[k] = members.mean(axis=0)
    return _nearest(_channel_rows(crop.reshape(-1, 3)), centres).reshape(crop.shape[:2]), centres


@pytest.mark.parametrize("clusters", [3, 5])
def test_the_class_means_are_numpys_member_means_to_the_bit(clusters: int) -> None:
    # The rounds take each class's mean from per-class sums (bincount): exact for whole levels, so
    # the classes, and every height measured from them, are those of the member-mean rounds.
    from clearmark.detectors.text_ink import _cluster_colours

    rng = np.random.default_rng(3)
    for height, width in [(40, 90), (166, 337), (300, 700), (9, 2000)]:
        crop = background("photo", (width, height), seed=int(rng.integers(1000)))
        pixels = np.asarray(crop, dtype=np.uint8)[..., :3].copy()
        pixels[height // 3 : height // 2, width // 4 : width // 2] = rng.integers(0, 256, 3, dtype=np.uint8)
        labels, centres = _cluster_colours(pixels, clusters)
        expected_labels, expected_centres = _members_mean_kmeans(pixels, clusters)
        assert np.array_equal(centres, expected_centres)
        assert np.array_equal(labels, expected_labels)


def test_the_flat_fill_distance_lookup_is_the_float32_difference() -> None:
    # One OpenCV lookup per channel gives the squared differences that converting and subtracting gives.
    from clearmark.detectors.text_ink import _squared_differences

    rng = np.random.default_rng(4)
    rgb = rng.integers(0, 256, (50, 70, 3), dtype=np.uint8)
    mode = np.array([12.5, 200.25, 99.0], dtype=np.float32)
    assert np.array_equal(_squared_differences(rgb, mode), (rgb.astype(np.float32) - mode) ** 2)


def test_the_nearest_centre_is_the_exact_nearest() -> None:
    # Distances in exact rational arithmetic: the classes are the true nearest centres (so the same
    # on every machine), the first one winning a tie.
    from fractions import Fraction

    from clearmark.detectors.text_ink import _channel_rows, _nearest

    rng = np.random.default_rng(6)
    for index in range(40):
        points = rng.integers(0, 256, (int(rng.integers(1, 300)), 3), dtype=np.uint8)
        count = int(rng.integers(2, 6))
        centres = (rng.integers(0, 256, (count, 3)) + rng.random((count, 3)) * (index % 2)).astype(np.float32)
        if index % 4 == 0:
            centres[1] = centres[0]  # an exact tie: the first centre wins
        exact = [[Fraction(float(v)) for v in centre] for centre in centres]

        def squared(point: np.ndarray, centre: list[Fraction]) -> Fraction:
            return sum(((int(p) - c) ** 2 for p, c in zip(point, centre, strict=True)), Fraction(0))

        expected = [min(range(count), key=lambda k, p=point: (squared(p, exact[k]), k)) for point in points]
        assert _nearest(_channel_rows(points), centres).tolist() == expected


def test_the_components_are_opencvs_default_components() -> None:
    # BBDT labelling may number components differently from the default algorithm; the sets of
    # pixels and their statistics are the same, and the label image agrees with the statistics.
    import cv2

    from clearmark.detectors.text_ink import _components

    rng = np.random.default_rng(7)
    for index in range(60):
        shape = (int(rng.integers(1, 200)), int(rng.integers(1, 400)))
        mask = (rng.random(shape) < (0.2 + 0.01 * index)).astype(np.uint8)
        count, labels, stats = _components(mask)
        expected_count, _, expected_stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        assert count == expected_count
        assert sorted(map(tuple, stats[1:].tolist())) == sorted(map(tuple, expected_stats[1:].tolist()))
        areas = np.bincount(labels.ravel(), minlength=count)
        assert np.array_equal(areas, stats[:, cv2.CC_STAT_AREA])
