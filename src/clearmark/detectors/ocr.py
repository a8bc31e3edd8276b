"""Frame-based OCR (rapidocr, PP-OCR Chinese+English models inside its wheel): edge bands first, lines out.

``ocr_frame`` takes one RGB frame (an image, or a video's start-screen frame) and returns the text
lines found in it with their boxes and measured glyph heights. Detection runs on a downscaled copy
of the frame's edge and corner bands (where GB 45438 puts an image notice), or of the whole frame
when asked; recognition and glyph measurement run on full-resolution crops. Nothing downloads:
the models ship inside ``rapidocr_onnxruntime``, which is imported only when an engine is opened.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from clearmark.core.errors import ClearMarkError
from clearmark.core.signals import BoundingBox
from clearmark.detectors.ocr_gate import text_regions
from clearmark.detectors.text_ink import measure_text_ink
from clearmark.notice.glyphs import is_ideograph, measured_characters

EDGE_BANDS = ("top", "bottom", "left", "right")


class OcrUnavailable(ClearMarkError):
    """The OCR engine cannot be opened (rapidocr-onnxruntime missing or its models unreadable)."""

    default_reason = "OCR_UNAVAILABLE"


@dataclass(frozen=True)
class OcrSettings:
    """Where and how finely to look.

    Attributes:
        band_ratio: depth of the top/bottom bands as a share of the shortest side; left/right bands
            are twice as deep because a horizontal notice there runs inwards.
        whole_image: detect over the whole frame instead of the bands.
        gated: with ``whole_image``, detect only where the cheap text-region gate (``ocr_gate``)
            fires; one pass then serves the notice reading and the campaign's text checks.
        det_short_side: detection works on a copy whose shortest side is this many pixels (never
            upscaled); 360 keeps a 5 % glyph at 18 px, which PP-OCR still finds reliably.
        gated_text_share, gated_text_px: a gated region is detected at the scale that keeps text
            ``gated_text_share`` of the frame's shortest side (1.6 %: 17 px at 1080p) at
            ``gated_text_px`` pixels, when that is smaller than its own ``det_short_side`` scale: a
            large frame's regions are not read at full resolution, since the detector's cost goes
            with their area (a 1080p notice's region: 18 → 7 ms). 0 px: each region at its own scale.
        min_score: recognition confidence below which a line is dropped.
        max_lines: at most this many lines are recognised per frame (largest boxes first).
    """

    band_ratio: float = 0.2
    whole_image: bool = False
    gated: bool = False
    det_short_side: int = 360
    gated_text_share: float = 0.016
    gated_text_px: int = 11
    min_score: float = 0.5
    max_lines: int = 64


DEFAULT_OCR_SETTINGS = OcrSettings()


@dataclass(frozen=True)
class OcrLine:
    """One recognised text line, in frame pixels.

    ``glyph_height_px`` is the smallest ink height of the characters the 5 % rule measures (the
    ideographs of a mixed wording, else letters and digits: ``height_characters``) in the pixels (0 when the
    ink could not be separated from the background); ``ink_box`` the ink's extent (the detector's
    box when unmeasured); ``region`` which band (or ``whole``) found it.
    """

    text: str
    score: float
    bbox: BoundingBox
    quad: tuple[tuple[int, int], ...]
    glyph_height_px: int
    ink_box: BoundingBox
    region: str


@dataclass(frozen=True)
class Region:
    """A rectangle of the frame detection runs over: an edge band, the whole frame, or a re-read strip."""

    name: str
    x0: int
    y0: int
    x1: int
    y1: int


class OcrEngine:
    """The rapidocr detection and recognition sessions; one per process, safe to share between threads.

    Args:
        threads: ONNX Runtime intra-op threads (0: its default, one per core). One is the default:
            the inputs are small, parallelism comes from the service's worker processes, and on a
            shared 2-core machine one thread measured 3x faster than ORT's spinning thread pool.

    Raises:
        OcrUnavailable: rapidocr-onnxruntime is not installed or cannot load its bundled models.
    """

    def __init__(self, threads: int = 1) -> None:
        try:
            from rapidocr_onnxruntime import RapidOCR
            from rapidocr_onnxruntime.main import DEFAULT_CFG_PATH
            from rapidocr_onnxruntime.utils import read_yaml, update_model_path
        except ImportError as exc:
            raise OcrUnavailable(f"OCR needs the rapidocr-onnxruntime package: {exc}") from None
        try:
            engine = RapidOCR(
                det_limit_type="max",  # never upscale: ocr_frame already chose the working size
                det_limit_side_len=4096,
                intra_op_num_threads=threads if threads > 0 else -1,
            )
            engine_config = update_model_path(read_yaml(DEFAULT_CFG_PATH))
        except Exception as exc:  # rapidocr raises bare Exceptions for missing or corrupt models
            raise OcrUnavailable(f"the OCR models could not be loaded: {type(exc).__name__}: {exc}") from None
        self._detector = engine.text_det
        self._recogniser = engine.text_rec
        self._detector.infer.session = _rewritten_session(engine_config, "Det", threads)
        self._recogniser.session.session = _rewritten_session(engine_config, "Rec", threads)
        self._lock = threading.Lock()
        # rapidocr normalises every detector input in float64 (about 2 ms for a notice's region);
        # its own normalisation applied once to the 256 levels gives the same float32 per level.
        levels = np.repeat(np.arange(256, dtype=np.uint8), 3).reshape(256, 1, 3)
        self._det_levels = self._detector.get_preprocess(0).normalize(levels).astype(np.float32)[:, 0, :].T.copy()

    def detect(self, bgr: np.ndarray) -> list[np.ndarray]:
        """Text quads (4×2 float arrays, clockwise from top-left) in a BGR image, at its own scale."""
        with self._lock:
            boxes = self._detect_boxes(np.ascontiguousarray(bgr))
        return [] if boxes is None or len(boxes) == 0 else [np.asarray(b, dtype=np.float32) for b in boxes]

    def _detect_boxes(self, bgr: np.ndarray) -> np.ndarray | None:
        """rapidocr's ``TextDetector.__call__`` (1.4.4) with the normalisation looked up per level."""
        detector = self._detector
        shape = bgr.shape[:2]
        resized = detector.get_preprocess(max(shape)).resize(bgr)
        if resized is None:
            return None
        tensor = np.empty((1, 3, *resized.shape[:2]), dtype=np.float32)
        for channel in range(3):
            np.take(self._det_levels[channel], resized[..., channel], out=tensor[0, channel])
        boxes, _ = detector.postprocess_op(detector.infer(tensor)[0], shape)
        return detector.filter_tag_det_res(boxes, shape)

    def recognise(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """The text and confidence of each BGR line crop."""
        if not crops:
            return []
        with self._lock:
            results, _ = self._recogniser(crops)
        return [(str(text), float(score)) for text, score, *_ in results]


def _rewritten_session(config: dict, part: str, threads: int):
    """An ONNX Runtime session of rapidocr's ``part`` ("Det" or "Rec") model after ``rewrite_ocr_model``,
    with the session options rapidocr gives its own (no memory arena, every graph optimisation).

    Raises:
        OcrUnavailable: the model cannot be read, rewritten or loaded.
    """
    import onnxruntime

    from clearmark.detectors.ocr_graph import rewrite_ocr_model

    try:
        with open(config[part]["model_path"], "rb") as model:
            rewritten, _ = rewrite_ocr_model(model.read())
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 4
        options.enable_cpu_mem_arena = False
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads > 0:
            options.intra_op_num_threads = threads
        return onnxruntime.InferenceSession(rewritten, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # protobuf and onnxruntime raise their own error types for unreadable models
        raise OcrUnavailable(f"the {part} OCR model could not be rewritten: {type(exc).__name__}: {exc}") from None


@functools.cache
def shared_ocr_engine(threads: int = 1) -> OcrEngine:
    """The process-wide engine (models load and are rewritten once, ~0.5 s).

    Raises:
        OcrUnavailable: see ``OcrEngine``.
    """
    return OcrEngine(threads)


def frame_regions(width: int, height: int, settings: OcrSettings) -> list[Region]:
    """The regions detection runs over: four edge bands (overlapping at the corners) or the whole frame."""
    if settings.whole_image:
        return [Region("whole", 0, 0, width, height)]
    depth = max(1, round(settings.band_ratio * min(width, height)))
    side = min(width, 2 * depth)
    top, bottom = min(height, depth), max(0, height - depth)
    regions = [
        Region("top", 0, 0, width, top),
        Region("bottom", 0, bottom, width, height),
        Region("left", 0, top, side, bottom),
        Region("right", max(0, width - side), top, width, bottom),
    ]
    return [r for r in regions if r.x1 > r.x0 and r.y1 > r.y0]


def ocr_frame(
    pixels: np.ndarray,
    engine: OcrEngine,
    settings: OcrSettings = DEFAULT_OCR_SETTINGS,
    *,
    measure: Callable[[str], bool] | None = None,
    grey: np.ndarray | None = None,
) -> list[OcrLine]:
    """Every text line found in one frame, top to bottom, left to right.

    Args:
        pixels: an RGB (or RGBA, alpha ignored) uint8 array of shape (height, width, 3|4).
        engine: the shared OCR engine.
        settings: bands or whole frame, working resolution, thresholds.
        measure: which recognised lines to measure the glyph height of (default all); the others
            report ``glyph_height_px=0``.
        grey: the frame's grey plane when the caller already has it (an asset's ``GREY`` view);
            the gate reads it instead of converting the frame again.

    Raises:
        ValueError: ``pixels`` is not an RGB(A) uint8 frame.
    """
    if pixels.ndim != 3 or pixels.shape[2] not in (3, 4) or pixels.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 frame, got shape {pixels.shape} dtype {pixels.dtype}")
    rgb = pixels[..., :3]
    height, width = rgb.shape[:2]
    scale = min(1.0, settings.det_short_side / max(1, min(width, height)))
    gated = settings.whole_image and settings.gated
    if gated:
        regions = [Region("gate", *box) for box in text_regions(rgb if grey is None else grey)]
    else:
        regions = frame_regions(width, height, settings)

    def scale_for(region: Region) -> float:
        # A gated region is scaled for its own size: shrinking it by the whole frame's factor left a
        # 2048 px image's 67 px label 12 px tall, below what detection finds.
        if not gated:
            return scale
        short = min(region.x1 - region.x0, region.y1 - region.y0)
        own = min(1.0, settings.det_short_side / max(1, short))
        if settings.gated_text_px <= 0:
            return own
        return min(own, settings.gated_text_px / (settings.gated_text_share * max(1, min(width, height))))

    quads = [(q, r) for r in regions for q in _detect_in(engine, rgb, r, scale_for(r))]
    whole = [q for q, r in quads if not _truncated(q, r, width, height)]
    for quad, region in list(quads):
        # A line a band cut off is detected again in a full-width strip around it, unless a
        # neighbouring band already holds it whole.
        held_whole = any(_overlap_share(_box(quad), _box(w)) >= 0.5 for w in whole)
        if _truncated(quad, region, width, height) and not held_whole:
            strip = _line_strip(quad, width, height)
            quads.extend((q, strip) for q in _detect_in(engine, rgb, strip, scale) if _overlaps(q, quad))
    kept = _deduplicate(quads)[: settings.max_lines]
    crops = [_crop_line(rgb, quad) for quad, _ in kept]
    texts = engine.recognise([np.ascontiguousarray(c[..., ::-1]) for c in crops])
    lines = []
    for (quad, region), (text, score) in zip(kept, texts, strict=True):
        if score < settings.min_score or not text.strip():
            continue
        if measure is None or measure(text):
            lines.append(_measure(rgb, quad, text, score, region.name))
        else:
            lines.append(_unmeasured(quad, text, score, region.name))
    lines.sort(key=lambda line: (line.bbox.y, line.bbox.x))
    return lines


def _detect_in(engine: OcrEngine, rgb: np.ndarray, region: Region, scale: float) -> list[np.ndarray]:
    """Quads found in one region, in frame coordinates."""
    patch = rgb[region.y0 : region.y1, region.x0 : region.x1]
    if scale < 1.0:
        size = (max(1, round(patch.shape[1] * scale)), max(1, round(patch.shape[0] * scale)))
        patch = cv2.resize(patch, size, interpolation=cv2.INTER_AREA)
    if min(patch.shape[:2]) < 8:
        return []
    sx = (region.x1 - region.x0) / patch.shape[1]
    sy = (region.y1 - region.y0) / patch.shape[0]
    quads = engine.detect(np.ascontiguousarray(patch[..., ::-1]))
    factor, offset = np.array([sx, sy], dtype=np.float32), np.array([region.x0, region.y0], dtype=np.float32)
    return [q * factor + offset for q in quads]


def _truncated(quad: np.ndarray, region: Region, width: int, height: int) -> bool:
    """True when the quad touches a side of its region that is not a side of the frame."""
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    slack = max(2.0, 0.2 * (y1 - y0))
    return (
        (region.x0 > 0 and x0 - region.x0 <= slack)
        or (region.y0 > 0 and y0 - region.y0 <= slack)
        or (region.x1 < width and region.x1 - x1 <= slack)
        or (region.y1 < height and region.y1 - y1 <= slack)
    )


def _line_strip(quad: np.ndarray, width: int, height: int) -> Region:
    """The full-width strip around a line, deep enough to hold it if a band cut it."""
    y0, y1 = float(quad[:, 1].min()), float(quad[:, 1].max())
    pad = 1.5 * (y1 - y0 + 1)
    return Region("strip", 0, max(0, int(y0 - pad)), width, min(height, int(y1 + pad) + 1))


def _box(quad: np.ndarray) -> tuple[float, float, float, float]:
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def _overlaps(a: np.ndarray, b: np.ndarray) -> bool:
    ax0, ay0, ax1, ay1 = _box(a)
    bx0, by0, bx1, by1 = _box(b)
    return min(ax1, bx1) > max(ax0, bx0) and min(ay1, by1) > max(ay0, by0)


def _deduplicate(quads: list[tuple[np.ndarray, Region]]) -> list[tuple[np.ndarray, Region]]:
    """One quad per line: of boxes covering mostly the same pixels, the largest (least cut) is kept."""
    ordered = sorted(quads, key=lambda item: -_area(_box(item[0])))
    kept: list[tuple[np.ndarray, Region]] = []
    for quad, region in ordered:
        box = _box(quad)
        if all(_overlap_share(box, _box(other)) < 0.5 for other, _ in kept):
            kept.append((quad, region))
    return kept


def _area(box: tuple[float, float, float, float]) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _overlap_share(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over the smaller box's area."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    return w * h / max(1.0, min(_area(a), _area(b)))


def _crop_line(rgb: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The quad's pixels warped upright (rapidocr's crop), at full resolution."""
    width = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    height = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    width, height = max(width, 1), max(height, 1)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    return cv2.warpPerspective(rgb, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)


def _unmeasured(quad: np.ndarray, text: str, score: float, region: str) -> OcrLine:
    x0, y0, x1, y1 = _box(quad)
    bbox = BoundingBox(int(x0), int(y0), max(1, round(x1 - x0)), max(1, round(y1 - y0)))
    points = tuple((int(round(x)), int(round(y))) for x, y in quad)
    return OcrLine(text, round(score, 4), bbox, points, 0, bbox, region)


def _measure(rgb: np.ndarray, quad: np.ndarray, text: str, score: float, region: str) -> OcrLine:
    """The line with its glyph ink measured in a margin-padded full-resolution crop around its box."""
    frame_h, frame_w = rgb.shape[:2]
    x0, y0, x1, y1 = _box(quad)
    bbox = BoundingBox(int(x0), int(y0), max(1, round(x1 - x0)), max(1, round(y1 - y0)))
    margin = max(2, round(0.35 * bbox.height))
    cx0, cy0 = max(0, bbox.x - margin), max(0, bbox.y - margin)
    cx1, cy1 = min(frame_w, bbox.x + bbox.width + margin), min(frame_h, bbox.y + bbox.height + margin)
    characters = len(measured_characters(text))
    # A wording mixing ideographs with Latin letters or digits is measured on the ideographs, not on
    # the Latin capitals; otherwise every letter and digit counts.
    measured = tuple(is_ideograph(ch) for ch in measured_characters(text))
    line_box = BoundingBox(bbox.x - cx0, bbox.y - cy0, bbox.width, bbox.height)
    ink = measure_text_ink(rgb[cy0:cy1, cx0:cx1], line_box, characters, measured)
    quad_points = tuple((int(round(x)), int(round(y))) for x, y in quad)
    if ink is None:
        return OcrLine(text, round(score, 4), bbox, quad_points, 0, bbox, region)
    box = ink.ink_box
    ink_box = BoundingBox(box.x + cx0, box.y + cy0, box.width, box.height)
    return OcrLine(text, round(score, 4), bbox, quad_points, ink.glyph_height_px, ink_box, region)
