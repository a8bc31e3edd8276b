"""Detector of the generation-time green-list text watermark, when a tokenizer and key are configured."""

from __future__ import annotations

from clearmark.core.enums import Category, MediaKind
from clearmark.core.kinds import SignalKind
from clearmark.core.signals import Signal
from clearmark.detectors.registry import DetectorContext, register_detector
from clearmark.media.asset import Asset
from clearmark.watermark.text.detector import TextWatermarkDetector
from clearmark.watermark.text.greenlist import TextWatermarkKey


class StatisticalTextWatermarkDetector:
    """Scores the text's tokens against the keyed green list; claims detection only above the threshold."""

    name = "text.statistical_watermark"
    version = "1"
    kinds = frozenset({MediaKind.TEXT, MediaKind.DOCUMENT})

    def __init__(self, scorer: TextWatermarkDetector | None) -> None:
        self._scorer = scorer

    def detect(self, asset: Asset) -> list[Signal]:
        if self._scorer is None:
            return []
        score = self._scorer.score(asset.text.text)
        return [
            Signal(
                source=self.name,
                kind=SignalKind.WATERMARK_TEXT_STATISTICAL,
                confidence=1.0 - score.p_value if score.detected else 0.0,
                rule_id=f"watermark.text.{score.scheme}",
                rule_version=self.version,
                category_hint=Category.AI_SUSPECTED if score.detected else Category.NO_SIGNAL,
                message=(
                    f"green-list watermark {'detected' if score.detected else 'not detected'}: z={score.z_score:.2f} "
                    f"over {score.tokens_scored} tokens (threshold z≥{score.z_threshold:g}, "
                    f"false-positive rate {score.false_positive_rate:.1e})"
                ),
                attributes=(
                    ("detected", str(score.detected).lower()),
                    ("z_score", f"{score.z_score:.3f}"),
                    ("tokens_scored", str(score.tokens_scored)),
                    ("green_tokens", str(score.green_tokens)),
                    ("p_value", f"{score.p_value:.3e}"),
                    ("false_positive_rate", f"{score.false_positive_rate:.1e}"),
                    ("key_id", score.key_id),
                ),
            )
        ]


@register_detector(StatisticalTextWatermarkDetector.name)
def _build(context: DetectorContext) -> StatisticalTextWatermarkDetector:
    if context.text_watermark_tokenizer is None or not context.watermark_key:
        return StatisticalTextWatermarkDetector(None)
    key = TextWatermarkKey.from_config(context.watermark_key)
    return StatisticalTextWatermarkDetector(TextWatermarkDetector.from_path(context.text_watermark_tokenizer, key))
