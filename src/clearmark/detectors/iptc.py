"""Detector of the IPTC DigitalSourceType property, the vocabulary C2PA and Google read as AI provenance."""

from __future__ import annotations

from clearmark.core.enums import Category, MediaKind
from clearmark.core.kinds import Attr, SignalKind
from clearmark.core.signals import Signal
from clearmark.detectors.registry import DetectorContext, register_detector
from clearmark.media.asset import Asset

IPTC_VOCABULARY = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED_ALGORITHMIC_MEDIA = IPTC_VOCABULARY + "trainedAlgorithmicMedia"
COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA = IPTC_VOCABULARY + "compositeWithTrainedAlgorithmicMedia"
AI_SOURCE_TYPES = frozenset(
    {"trainedAlgorithmicMedia", "compositeSynthetic", "algorithmicMedia", "compositeWithTrainedAlgorithmicMedia"}
)
CAPTURE_SOURCE_TYPES = frozenset({"digitalCapture", "negativeFilm", "positiveFilm", "print", "minorHumanEdits"})


def source_type_term(value: str) -> str:
    """The vocabulary term of a DigitalSourceType value, written as a full URI or a bare term."""
    return value.strip().rsplit("/", 1)[-1]


class IptcSourceTypeDetector:
    """Reports ``Iptc4xmpExt:DigitalSourceType``; AI terms are traces, not a GB 45438 label."""

    name = "iptc.digital_source_type"
    version = "1"
    kinds = frozenset({MediaKind.IMAGE})

    def detect(self, asset: Asset) -> list[Signal]:
        signals = []
        for value in asset.metadata.digital_source_types:
            term = source_type_term(value)
            is_ai = term in AI_SOURCE_TYPES
            signals.append(
                Signal(
                    source=self.name,
                    kind=SignalKind.IPTC_SOURCE_TYPE,
                    confidence=0.9 if is_ai else 1.0,
                    rule_id="iptc.digitalsourcetype",
                    rule_version=self.version,
                    category_hint=Category.AI_SUSPECTED if is_ai else Category.NO_SIGNAL,
                    message=f"IPTC DigitalSourceType {term}",
                    attributes=(
                        ("value", value),
                        (Attr.TERM, term),
                        ("ai", str(is_ai).lower()),
                        (Attr.CAPTURE, str(term in CAPTURE_SOURCE_TYPES).lower()),
                    ),
                )
            )
        return signals


@register_detector(IptcSourceTypeDetector.name)
def _build(context: DetectorContext) -> IptcSourceTypeDetector:
    return IptcSourceTypeDetector()
