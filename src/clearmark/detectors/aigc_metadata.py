"""Detector of GB 45438 implicit metadata labels in every carrier of a file, with field validation."""

from __future__ import annotations

from clearmark.core.aigc import FIELD_ORDER, label_problems, producer_code_problems
from clearmark.core.enums import Category, MediaKind
from clearmark.core.kinds import Attr, SignalKind
from clearmark.core.signals import Signal
from clearmark.detectors.registry import DetectorContext, register_detector
from clearmark.media.asset import Asset

RULE_VERSION = "GB45438-2025"
CATEGORY_BY_LABEL_VALUE = {"1": Category.AI_GENERATED, "2": Category.AI_POSSIBLE, "3": Category.AI_SUSPECTED}


def _code_problems(label_value: str, code: str, field: str) -> list[str]:
    if not code:
        return []
    return [f"{p.field}:{p.code}" for p in producer_code_problems(code, field=field)]


class AigcMetadataDetector:
    """Finds every implicit label (XMP ``TC260:AIGC`` and the compat forms) and validates each."""

    name = "gb45438.metadata"
    version = "1"
    kinds = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.TEXT, MediaKind.DOCUMENT, MediaKind.AUDIO})

    def detect(self, asset: Asset) -> list[Signal]:
        signals: list[Signal] = []
        metadata = asset.metadata
        for packet in metadata.xmp_packets:
            if packet.error:
                signals.append(
                    Signal(
                        source=self.name,
                        kind=SignalKind.XMP_MALFORMED,
                        confidence=1.0,
                        rule_id="xmp.parse",
                        rule_version=self.version,
                        location=packet.location,
                        message=f"XMP packet could not be read: {packet.error}",
                    )
                )
        for carrier in metadata.label_carriers:
            parsed = carrier.parsed
            if parsed is None:
                signals.append(
                    Signal(
                        source=self.name,
                        kind=SignalKind.METADATA_LABEL_MALFORMED,
                        confidence=1.0,
                        rule_id="gb45438.appendix_e.json",
                        rule_version=RULE_VERSION,
                        location=carrier.location,
                        message=f"{carrier.carrier} is not a label: {carrier.raw_text[:120]!r}",
                        attributes=((Attr.CARRIER, carrier.carrier),),
                    )
                )
                continue
            label = parsed.label
            problems = [f"{p.field}:{p.code}" for p in label_problems(label)]
            problems += _code_problems(label.label, label.content_producer, "ContentProducer")
            problems += _code_problems(label.label, label.content_propagator, "ContentPropagator")
            missing = [k for k in FIELD_ORDER if k not in parsed.keys_in_order]
            in_order = list(parsed.keys_in_order) == [k for k in FIELD_ORDER if k in parsed.keys_in_order]
            hint = CATEGORY_BY_LABEL_VALUE.get(label.label, Category.NO_SIGNAL)
            signals.append(
                Signal(
                    source=self.name,
                    kind=SignalKind.METADATA_LABEL,
                    confidence=1.0,
                    rule_id="gb45438.appendix_e",
                    rule_version=RULE_VERSION,
                    category_hint=hint,
                    location=carrier.location,
                    message=f"metadata label Label={label.label!r} in {carrier.carrier}",
                    label=label,
                    attributes=(
                        (Attr.CARRIER, carrier.carrier),
                        (Attr.STANDARD_CARRIER, str(carrier.standard).lower()),
                        ("wrapped", str(parsed.wrapped).lower()),
                        ("xml_escaped", str(parsed.xml_escaped).lower()),
                        (Attr.MISSING_KEYS, ",".join(missing)),
                        (Attr.EXTRA_KEYS, ",".join(parsed.extra_keys)),
                        (Attr.NON_STRING_KEYS, ",".join(parsed.non_string_keys)),
                        (Attr.KEYS_IN_ORDER, str(in_order).lower()),
                        (Attr.PROBLEMS, ";".join(problems)),
                        (Attr.NOTES, ";".join(carrier.notes)),
                    ),
                )
            )
        return signals


@register_detector(AigcMetadataDetector.name)
def _build(context: DetectorContext) -> AigcMetadataDetector:
    return AigcMetadataDetector()
