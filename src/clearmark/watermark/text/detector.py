"""The detection half of the text watermark: tokenizer (from a local path) + key -> z-score and verdict."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from clearmark.core.errors import InvalidRequest
from clearmark.watermark.text.greenlist import TextWatermarkKey, WatermarkScore, score_token_ids

Tokenize = Callable[[str], Sequence[int]]


def load_tokenizer(path: Path) -> Tokenize:
    """A tokenize function from a local ``tokenizer.json`` (or a directory holding one); never a hub.

    Only the ``tokenizers`` library is needed (no torch). Special tokens are not added.

    Raises:
        InvalidRequest: no tokenizer file at ``path`` or it cannot be read.
        ImportError: ``tokenizers`` is not installed (install the ``ml`` extra).
    """
    from tokenizers import Tokenizer

    file = path / "tokenizer.json" if path.is_dir() else path
    if not file.is_file():
        raise InvalidRequest(f"no tokenizer.json at {path}", reason="TOKENIZER_NOT_FOUND")
    try:
        tokenizer = Tokenizer.from_file(str(file))
    except Exception as exc:  # noqa: BLE001 - the Rust library raises plain Exception
        raise InvalidRequest(f"tokenizer at {file} cannot be read: {exc}", reason="TOKENIZER_INVALID") from None

    def tokenize(text: str) -> Sequence[int]:
        return tokenizer.encode(text, add_special_tokens=False).ids

    return tokenize


class TextWatermarkDetector:
    """Scores texts for the keyed green-list watermark; claims detection only above the key's threshold."""

    def __init__(self, tokenize: Tokenize, key: TextWatermarkKey) -> None:
        self._tokenize = tokenize
        self.key = key

    @classmethod
    def from_path(cls, tokenizer_path: Path, key: TextWatermarkKey) -> TextWatermarkDetector:
        """A detector with the tokenizer loaded from a local path."""
        return cls(load_tokenizer(tokenizer_path), key)

    def score(self, text: str) -> WatermarkScore:
        """The z-score test on ``text`` (repeated token pairs count once)."""
        return score_token_ids(list(self._tokenize(text)), self.key)
