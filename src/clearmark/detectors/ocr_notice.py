"""Detector of anyone's visible AI label in an image's pixels, by OCR: wording, glyph height, position.

Reports every recognised line that holds an AI element and a generation element (Chinese or
English, OCR look-alikes such as "Al" or "A1" for "AI" accepted) as ``explicit.notice_seen``, with
the attributes Verify's notice checks read (``present``, ``height_ok``, ``on_edge_or_corner``,
``wording_ok``), and all recognised text as one ``ocr.text`` signal for the campaign checks.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from clearmark.core.enums import Category, MediaKind
from clearmark.core.kinds import SignalKind
from clearmark.core.signals import BoundingBox, Location, Signal
from clearmark.detectors.ocr import OcrEngine, OcrLine, OcrSettings, ocr_frame, shared_ocr_engine
from clearmark.detectors.registry import DetectorContext, register_detector
from clearmark.detectors.visible_notice import EDGE_TOLERANCE
from clearmark.media.asset import Asset
from clearmark.media.views import GREY
from clearmark.notice.glyphs import MIN_HEIGHT_RATIO, has_required_elements

RULE_VERSION = "ocr-notice/1"
NOTICE_KIND = SignalKind.NOTICE_SEEN
TEXT_KIND = SignalKind.OCR_TEXT
MAX_TEXT_CHARS = 20_000

# What OCR reads for "AI": the letter I is often read as l, 1, | or i.
_AI_LOOKALIKE = r"A[Il1|i]"
_LOST_I = r"(?<![A-Za-z])A(?=(?:辅助)?(?:生成|合成))"
_GENERATION_EN = r"(?:generat(?:ed|ion|ive)|synthe(?:si[sz]ed|tic)|[Il1]magined|created|made)"
# Rules as data: element name -> patterns. A line is a notice when it has one of each.
AI_ELEMENTS: tuple[tuple[str, str], ...] = (
    ("zh.人工智能", r"人工智能"),
    ("en.artificial_intelligence", r"(?i:artificial\s*intelligence)"),
    ("ai", rf"(?<![A-Za-z]){_AI_LOOKALIKE}(?![a-z])"),
    ("ai.glued", rf"(?<![A-Za-z]){_AI_LOOKALIKE}(?=[-\s]?(?i:{_GENERATION_EN}))"),
    ("ai.lower", r"(?<![A-Za-z])ai(?![A-Za-z])"),
    # A thin I set tight against the A (WenQuanYi Zen Hei's "AI生成") is read as a lone "A" before
    # the Chinese generation element: taken for "AI" only right there.
    ("ai.lost_i", _LOST_I),
)
GENERATION_ELEMENTS: tuple[tuple[str, str], ...] = (
    ("zh.生成", r"生成"),
    ("zh.合成", r"合成"),
    ("en.generated", r"(?i:generat(?:ed|ion|ive))"),
    ("en.synthesized", r"(?i:synthe(?:si[sz]ed|tic))"),
    ("en.imagined", r"(?i:(?<![a-z])[il1]magined\s+(?:with|by)\b)"),
    ("en.made_with", r"(?i:\b(?:made|created)\s+(?:with|by|using)\b)"),
)
# Lines that hold both elements but are not a label (regulation titles, "generative AI" products).
NOT_A_NOTICE = re.compile(r"生成式|标识办法|合成内容标识")
_AI_RULES = [(name, re.compile(pattern)) for name, pattern in AI_ELEMENTS]
_GENERATION_RULES = [(name, re.compile(pattern)) for name, pattern in GENERATION_ELEMENTS]
_LOOKALIKE = re.compile(
    rf"(?<![A-Za-z]){_AI_LOOKALIKE}(?![a-z])|(?<![A-Za-z]){_AI_LOOKALIKE}(?=[-\s]?(?i:generat|synthe|creat))|{_LOST_I}"
)
_ENGLISH_GENERATION = re.compile(r"(?i)generat|synthe")
_ENGLISH_AI = re.compile(
    r"(?<![A-Za-z])AI(?![A-Za-z])|(?<![A-Za-z])AI(?=(?i:generat|synthe))|(?i:artificial\s*intelligence)"
)


@dataclass(frozen=True)
class NoticeWording:
    """Why a line reads as an AI notice: its elements, and the text with OCR look-alikes of "AI" corrected."""

    ai_element: str
    generation_element: str
    corrected_text: str
    language: str


def read_notice_wording(text: str) -> NoticeWording | None:
    """The notice elements of one OCR line, or None when it lacks either element."""
    folded = unicodedata.normalize("NFKC", text)
    if NOT_A_NOTICE.search(folded):
        return None
    ai = next((name for name, rule in _AI_RULES if rule.search(folded)), None)
    generation = next((name for name, rule in _GENERATION_RULES if rule.search(folded)), None)
    if ai is None or generation is None:
        return None
    corrected = _LOOKALIKE.sub("AI", folded)
    language = "zh" if generation.startswith("zh.") or ai.startswith("zh.") else "en"
    return NoticeWording(ai, generation, corrected, language)


def _is_notice(text: str) -> bool:
    return read_notice_wording(text) is not None


def wording_ok(corrected_text: str) -> bool:
    """Both elements as the project reads them: the Chinese rule, or AI with "generated"/"synthesized"."""
    english = _ENGLISH_GENERATION.search(corrected_text) and _ENGLISH_AI.search(corrected_text)
    return has_required_elements(corrected_text) or bool(english)


def on_edge_or_corner(box: BoundingBox, width: int, height: int) -> bool:
    """True when the box lies within EDGE_TOLERANCE × shortest side of at least one image edge."""
    tolerance = EDGE_TOLERANCE * min(width, height)
    gaps = (box.x, box.y, width - (box.x + box.width), height - (box.y + box.height))
    return min(gaps) <= tolerance


class OcrNoticeDetector:
    """Reads an image's text and reports AI labels and all text seen.

    It reads where the text-region gate fires (the default), the edge bands, or everywhere; one pass
    serves the notice checks and the campaign's text rules.
    """

    name = "explicit.ocr_notice"
    version = RULE_VERSION
    kinds = frozenset({MediaKind.IMAGE})
    runs_beside = True  # most of its time is the OCR models', outside the GIL

    def __init__(self, engine: OcrEngine, settings: OcrSettings) -> None:
        self._engine = engine
        self._settings = settings

    @property
    def _scope(self) -> str:
        if not self._settings.whole_image:
            return "bands"
        return "gated" if self._settings.gated else "whole"

    def detect(self, asset: Asset) -> list[Signal]:
        return self.signals_for_frame(asset.pixels, grey=asset.view(GREY))

    def signals_for_frame(self, pixels: np.ndarray, grey: np.ndarray | None = None) -> list[Signal]:
        """The signals of one RGB(A) frame (``grey`` its grey plane, if at hand): its notices, then all
        its text as one ``ocr.text`` signal."""
        notices, lines = self.read_frame(pixels, grey)
        return notices + [self.text_signal(lines)] if lines else notices

    def read_frame(self, pixels: np.ndarray, grey: np.ndarray | None = None) -> tuple[list[Signal], list[OcrLine]]:
        """The notice signals of one RGB(A) frame and every line read in it (video frames share them)."""
        lines = ocr_frame(pixels, self._engine, self._settings, measure=_is_notice, grey=grey)
        height, width = pixels.shape[:2]
        return [s for line in lines if (s := self._notice_signal(line, width, height)) is not None], lines

    def _notice_signal(self, line: OcrLine, width: int, height: int) -> Signal | None:
        wording = read_notice_wording(line.text)
        if wording is None:
            return None
        shortest = min(width, height)
        measured = line.glyph_height_px > 0
        ratio = line.glyph_height_px / shortest
        flags = {
            "present": True,
            "height_ok": measured and ratio >= MIN_HEIGHT_RATIO,
            "on_edge_or_corner": on_edge_or_corner(line.ink_box, width, height),
            "wording_ok": wording_ok(wording.corrected_text),
            "height_measured": measured,
        }
        size = (
            f"glyph height {line.glyph_height_px} px = {ratio:.1%} of the {shortest} px shortest side"
            if measured
            else "glyph height could not be measured (ink not separable from the background)"
        )
        box = line.bbox
        return Signal(
            source=self.name,
            kind=NOTICE_KIND,
            confidence=line.score,
            rule_id="gb45438.explicit.image.ocr",
            rule_version=self.version,
            category_hint=Category.AI_SUSPECTED,
            location=Location(carrier="pixels", bbox=box),
            message=f"visible label {line.text!r} at ({box.x},{box.y},{box.width}x{box.height}): {size}",
            attributes=tuple((k, str(v).lower()) for k, v in flags.items())
            + (
                ("text", line.text),
                ("corrected_text", wording.corrected_text),
                ("language", wording.language),
                ("ai_element", wording.ai_element),
                ("generation_element", wording.generation_element),
                ("glyph_height_px", str(line.glyph_height_px)),
                ("height_ratio", f"{ratio:.4f}"),
                ("shortest_side", str(shortest)),
                ("ink_box", f"{line.ink_box.x},{line.ink_box.y},{line.ink_box.width},{line.ink_box.height}"),
                ("ocr_score", f"{line.score:.4f}"),
                ("region", line.region),
            ),
        )

    def text_signal(self, lines: list[OcrLine], timed: list[tuple[float, float]] | None = None) -> Signal:
        """All text read as one ``ocr.text`` signal; ``timed`` (a video's lines) gives each line the
        first and last sampled frame time it was seen at, in seconds."""
        text = "\n".join(line.text for line in lines)[:MAX_TEXT_CHARS]
        scope = self._scope
        described = {"gated": "text regions of the whole image", "whole": "whole image", "bands": "edge bands"}[scope]
        boxes: list[dict] = [
            {"text": x.text, "bbox": [x.bbox.x, x.bbox.y, x.bbox.width, x.bbox.height], "score": x.score} for x in lines
        ]
        for box, (first_s, last_s) in zip(boxes, timed or (), strict=False):
            box.update(start_ms=round(first_s * 1000), end_ms=round(last_s * 1000))
        where = "frames" if timed else "pixels"
        return Signal(
            source=self.name,
            kind=TEXT_KIND,
            confidence=round(float(np.mean([line.score for line in lines])), 4),
            rule_id="ocr.text",
            rule_version=self.version,
            category_hint=Category.NO_SIGNAL,
            location=Location(carrier=where),
            message=f"{len(lines)} {'distinct ' if timed else ''}line(s) of text read in the {described}",
            attributes=(
                ("ocr_text", text),
                ("line_count", str(len(lines))),
                ("lines_json", json.dumps(boxes, ensure_ascii=False, separators=(",", ":"))[:MAX_TEXT_CHARS]),
                ("scope", scope),
            ),
        )


@register_detector(OcrNoticeDetector.name)
def _build(context: DetectorContext) -> OcrNoticeDetector:
    mode = "whole" if context.ocr_whole_image else context.ocr_mode
    settings = OcrSettings(
        band_ratio=context.ocr_band_ratio,
        whole_image=mode != "bands",
        gated=mode == "gated",
        gated_text_px=context.ocr_gated_text_px,
    )
    return OcrNoticeDetector(shared_ocr_engine(), settings)
