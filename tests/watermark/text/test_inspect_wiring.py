"""The registered text-watermark detector: configured tokenizer + deployment secret → Inspect scores the text.

It lives beside the generation tests to share their locally built tokenizer and tiny model.
"""

from __future__ import annotations

import pytest

from clearmark.detectors.registry import DetectorContext, build_detectors
from clearmark.media.asset import Asset, open_asset
from clearmark.media.limits import DEFAULT_LIMITS
from clearmark.media.registry import format_named
from clearmark.media.source import Source
from clearmark.watermark.text import TextWatermarkKey, watermark_logits_processor

pytest.importorskip("torch")
pytest.importorskip("transformers")

SECRET = b"deployment-secret-0123456789abcdef"


def _text_asset(text: str) -> Asset:
    # Text a random-weight model generates may hold control characters sniffing rejects; the
    # detector is what is tested here, so the asset is built as plain text directly.
    return Asset(source=Source(data=text.encode()), spec=format_named("text"), limits=DEFAULT_LIMITS)


def _detector(tokenizer_path):
    context = DetectorContext(watermark_key=SECRET, text_watermark_tokenizer=tokenizer_path)
    return build_detectors(context, ["text.statistical_watermark"])[0]


def test_watermarked_text_is_reported_and_plain_text_is_not(tiny_model_path, tokenizer_path, one_thread) -> None:
    from tests.watermark.text.test_generation import _generate

    key = TextWatermarkKey.from_config(SECRET)
    marked = _generate(tiny_model_path, tokenizer_path, batch=1, seed=5, processor=watermark_logits_processor(key))[0]
    plain = _generate(tiny_model_path, tokenizer_path, batch=1, seed=6)[0]
    detector = _detector(tokenizer_path)
    hit = detector.detect(_text_asset(marked))[0]
    assert hit.kind == "watermark.text_statistical" and hit.attribute("detected") == "true"
    assert float(hit.attribute("z_score")) > 4
    miss = detector.detect(_text_asset(plain))[0]
    assert miss.attribute("detected") == "false" and miss.category_hint.name == "NO_SIGNAL"


def test_off_without_a_tokenizer() -> None:
    detector = build_detectors(DetectorContext(watermark_key=SECRET), ["text.statistical_watermark"])[0]
    assert detector.detect(open_asset("AI生成的文字。".encode(), DEFAULT_LIMITS)) == []
