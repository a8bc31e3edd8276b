"""Text watermarks: a keyed generation-time green list (statistical) and fragile invisible in-text marks.

``generation`` needs torch + transformers (the ``ml`` extra) and is imported only on use; detection
needs numpy, plus ``tokenizers`` to load a tokenizer from a local path.
"""

from clearmark.watermark.text.detector import TextWatermarkDetector, load_tokenizer
from clearmark.watermark.text.greenlist import TextWatermarkKey, WatermarkScore, score_token_ids
from clearmark.watermark.text.invisible import TextMark, embed_mark, find_marks, strip_marks

__all__ = [
    "TextMark",
    "TextWatermarkDetector",
    "TextWatermarkKey",
    "WatermarkScore",
    "embed_mark",
    "find_marks",
    "load_tokenizer",
    "score_token_ids",
    "strip_marks",
]


def watermark_logits_processor(key: TextWatermarkKey):  # type: ignore[no-untyped-def]
    """See ``clearmark.watermark.text.generation.watermark_logits_processor`` (imports torch lazily)."""
    from clearmark.watermark.text.generation import watermark_logits_processor as build

    return build(key)
