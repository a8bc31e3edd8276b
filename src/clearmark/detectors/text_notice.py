"""Detector of explicit AI notices anywhere in a text or document's readable text (GB 45438 §1, text)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from clearmark.core.enums import Category, MediaKind
from clearmark.core.kinds import Attr, SignalKind
from clearmark.core.signals import Location, Signal
from clearmark.detectors.registry import DetectorContext, register_detector
from clearmark.media.asset import Asset
from clearmark.media.text import ExtractedText, NoticePosition
from clearmark.notice.glyphs import has_required_elements

RULE_VERSION = "GB45438-2025/text-notice-1"
EDGE_CHARS = 200  # a notice with at most this much text before (after) it counts as at the start (end)
MAX_SIGNALS = 64
_AI = r"(?:(?<![A-Za-zＡ-Ｚａ-ｚ])[AaＡａ][IiＩｉ](?:GC)?(?![A-Za-zＡ-Ｚａ-ｚ])|人工智能|artificial intelligence)"
_GENERATION_ZH = r"(?:生成|合成)"
# Rules as data: (rule id, pattern). Chinese: the AI element followed within six characters of the
# same clause by the generation element. English: the common wordings, either order.
NOTICE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("zh.ai_then_generation", rf"{_AI}[^。！？!?\n\r]{{0,6}}?{_GENERATION_ZH}"),
    (
        "en.ai_generated",
        r"(?i:\b(?:AI|artificial[ -]intelligence)[- ](?:generated|synthesi[sz]ed|created|produced|written|assisted))\b",
    ),
    (
        "en.generated_by_ai",
        r"(?i:\b(?:generated|synthesi[sz]ed|created|produced|written|made)\s+(?:by|with|using)\s+"
        r"(?:an?\s+|the\s+)?(?:AI|artificial intelligence|generative AI)\b)",
    ),
)
# Phrases that contain both elements but are not notices (regulation titles, "generative AI").
NOT_A_NOTICE = re.compile(r"^.{0,2}生成式|生成合成内容标识|合成内容标识办法|内容标识办法")
_ENGLISH_GENERATION = re.compile(r"(?i)generat|synthe")
_COMBINED = re.compile("|".join(f"(?P<r{i}>{pattern})" for i, (_rule, pattern) in enumerate(NOTICE_PATTERNS)))


@dataclass(frozen=True)
class NoticeMatch:
    """One explicit notice found in extracted text."""

    start: int
    end: int
    text: str
    rule: str
    position: NoticePosition
    wording_ok: bool


def wording_ok(text: str) -> bool:
    """Both elements present: the Chinese rule of ``has_required_elements``, or "generated"/"synthesized" with AI."""
    return has_required_elements(text) or bool(_ENGLISH_GENERATION.search(text))


def position_of(text: str, start: int, end: int) -> NoticePosition:
    """START when at most EDGE_CHARS of non-blank text precede the match, END when at most that follows."""
    before = len(text[:start].strip()) if start <= 4 * EDGE_CHARS else EDGE_CHARS + 1
    after = len(text[end:].strip()) if len(text) - end <= 4 * EDGE_CHARS else EDGE_CHARS + 1
    if before <= EDGE_CHARS and (before <= after or after > EDGE_CHARS):
        return NoticePosition.START
    if after <= EDGE_CHARS:
        return NoticePosition.END
    return NoticePosition.MIDDLE


# Every notice contains the AI element: cheap literal scans find those anchors, and the full patterns
# run only in a window around each one (the combined pattern alone costs ~75 ms per MB of text).
_ANCHORS = (re.compile("[AaＡａ][IiＩｉ]"), re.compile("人工智能"), re.compile("[Aa]rtificial"))
_LETTER = re.compile("[A-Za-zＡ-Ｚａ-ｚ]")
_WINDOW_BEFORE, _WINDOW_AFTER = 64, 64


def _anchor_positions(text: str) -> list[int]:
    positions = set()
    for pattern in _ANCHORS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if pattern is _ANCHORS[0] and (
                (start and _LETTER.match(text, start - 1)) or (_LETTER.match(text, end) and text[end : end + 2] != "GC")
            ):
                continue  # "ai" inside a word (main, said)
            positions.add(start)
    return sorted(positions)


def find_notices(text: str, limit: int = MAX_SIGNALS) -> tuple[list[NoticeMatch], int]:
    """Every notice in ``text`` (overlaps merged), at most ``limit`` of them, and how many there were."""
    spans: dict[int, re.Match[str]] = {}
    covered = -1
    for anchor in _anchor_positions(text):
        start = max(anchor - _WINDOW_BEFORE, covered, 0)
        end = min(anchor + _WINDOW_AFTER, len(text))
        for match in _COMBINED.finditer(text, start, end):
            spans.setdefault(match.start(), match)
        covered = max(covered, anchor - 2)
    matches: list[NoticeMatch] = []
    total = 0
    last_end = -1
    for start in sorted(spans):
        match = spans[start]
        end = match.end()
        window = text[max(0, end - 2) : end + 1] + "|" + text[max(0, start - 2) : end + 8]
        if start < last_end or NOT_A_NOTICE.search(window):
            continue
        last_end = end
        total += 1
        if len(matches) < limit:
            rule = NOTICE_PATTERNS[int(match.lastgroup[1:])][0] if match.lastgroup else ""
            found = match.group()
            matches.append(NoticeMatch(start, end, found, rule, position_of(text, start, end), wording_ok(found)))
    return matches, total


_POSSIBLE = ("可能", "possibly", "may be")
_SUSPECTED = ("疑似", "suspected")


def notice_category(text: str) -> Category:
    """What a notice's wording asserts: generated, possibly generated (user declared) or suspected."""
    folded = text.casefold()
    if any(word in folded for word in _SUSPECTED):
        return Category.AI_SUSPECTED
    if any(word in folded for word in _POSSIBLE):
        return Category.AI_POSSIBLE
    return Category.AI_GENERATED


def notice_signals(
    extracted: ExtractedText, source: str, limit: int = MAX_SIGNALS, *, notice_is_label: bool = False
) -> list[Signal]:
    """Signals for every notice in ``extracted``, located by text span and page or paragraph.

    Where the format has no metadata place (plain text), the explicit notice is the label itself:
    its wording sets the category (``AI生成`` generated, ``可能…`` possible, ``疑似…`` suspected).
    Elsewhere a notice is a trace beside the metadata label: AI_SUSPECTED.
    """
    matches, total = find_notices(extracted.text, limit)
    signals = []
    for match in matches:
        segment = extracted.segment_at(match.start)
        page = segment.page if segment is not None else None
        paragraph = segment.paragraph if segment is not None else None
        source_start = extracted.source_offset(match.start)
        text_start = source_start if source_start is not None else match.start
        carrier = extracted.carrier + (f":page={page}" if page is not None else "")
        attributes = [
            (Attr.POSITION, match.position.value),
            (Attr.WORDING_OK, str(match.wording_ok).lower()),
            ("text", match.text),
            ("rule", match.rule),
            ("offsets", "source" if source_start is not None else "extracted"),
        ]
        if page is not None:
            attributes.append(("page", str(page)))
        if paragraph is not None:
            attributes.append(("paragraph", str(paragraph)))
        if total > len(matches):
            attributes.append(("total_found", str(total)))
        hint = Category.AI_SUSPECTED
        if notice_is_label and match.wording_ok:
            attributes.append((Attr.NOTICE_IS_LABEL, "true"))
            hint = notice_category(extracted.text[max(0, match.start - 6) : match.end])
        signals.append(
            Signal(
                source=source,
                kind=SignalKind.TEXT_NOTICE,
                confidence=0.9 if match.wording_ok else 0.5,
                rule_id="gb45438.explicit.text",
                rule_version=RULE_VERSION,
                category_hint=hint,
                location=Location(
                    carrier=carrier, text_start=text_start, text_end=text_start + match.end - match.start
                ),
                message=f"explicit notice {match.text!r} at the {match.position.value}"
                + (f" of page {page}" if page is not None else ""),
                attributes=tuple(attributes),
            )
        )
    return signals


class TextNoticeDetector:
    """Finds explicit notices ("AI生成", "人工智能合成", "AI-generated", "Generated by AI", …) in the text."""

    name = "text.notice"
    version = "1"
    kinds = frozenset({MediaKind.TEXT, MediaKind.DOCUMENT})

    def detect(self, asset: Asset) -> list[Signal]:
        return notice_signals(asset.text, self.name, notice_is_label=asset.spec.label_carrier is None)


@register_detector(TextNoticeDetector.name)
def _build(context: DetectorContext) -> TextNoticeDetector:
    return TextNoticeDetector()
