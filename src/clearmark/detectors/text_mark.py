"""Detector of invisible in-text marks (variation-selector runs): ClearMark ids and C2PA text wrappers."""

from __future__ import annotations

from clearmark.core.enums import Category, MediaKind
from clearmark.core.kinds import SignalKind
from clearmark.core.signals import Location, Signal
from clearmark.detectors.registry import DetectorContext, register_detector
from clearmark.media.asset import Asset
from clearmark.watermark.text.invisible import find_marks

MAX_SIGNALS = 16


class TextMarkDetector:
    """Reports invisible marks; they are fragile (one regex strips them), so confidence stays modest."""

    name = "text.invisible_mark"
    version = "1"
    kinds = frozenset({MediaKind.TEXT, MediaKind.DOCUMENT})

    def detect(self, asset: Asset) -> list[Signal]:
        extracted = asset.text
        signals = []
        for mark in find_marks(extracted.text)[:MAX_SIGNALS]:
            source_start = extracted.source_offset(mark.start)
            start = source_start if source_start is not None else mark.start
            signals.append(
                Signal(
                    source=self.name,
                    kind=SignalKind.WATERMARK_TEXT_INVISIBLE
                    if mark.kind == "clearmark"
                    else SignalKind.C2PA_TEXT_WRAPPER,
                    confidence=0.6 if mark.valid else 0.2,
                    rule_id=f"text.invisible_mark.{mark.kind}",
                    rule_version=self.version,
                    category_hint=Category.AI_SUSPECTED
                    if mark.kind == "clearmark" and mark.valid
                    else Category.NO_SIGNAL,
                    location=Location(
                        carrier=extracted.carrier, text_start=start, text_end=start + mark.end - mark.start
                    ),
                    message=f"invisible {mark.kind} mark ({'intact' if mark.valid else 'damaged'}); fragile: "
                    "one regular expression removes it",
                    attributes=(
                        ("mark_kind", mark.kind),
                        ("valid", str(mark.valid).lower()),
                        ("mark_id", mark.mark_id if mark.kind == "clearmark" else ""),
                        ("payload_bytes", str(len(mark.payload))),
                        ("fragile", "true"),
                    ),
                )
            )
        return signals


@register_detector(TextMarkDetector.name)
def _build(context: DetectorContext) -> TextMarkDetector:
    return TextMarkDetector()
