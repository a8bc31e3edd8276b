"""The keyed green list of the text watermark (Kirchenbauer et al. 2023, "lefthash", context width 1).

Whether token ``v`` is green after token ``p`` is a keyed 32-bit integer hash of ``(p, v)`` compared
with ``gamma * 2**32``. Unlike transformers' built-in ``WatermarkLogitsProcessor`` (a
``torch.randperm`` of the vocabulary seeded per step), it depends neither on the vocabulary size nor
on the torch version or device the text was generated on, and detecting it needs numpy only.
Every product stays below 2**63, so numpy and torch int64 arithmetic give identical bits.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass, field

import numpy as np

_DOMAIN = b"clearmark.watermark.text.v1/"
_MASK = 0xFFFFFFFF
_MULTIPLIER = 0x45D9F3B  # < 2**27: x * multiplier < 2**59 for any 32-bit x
SCHEME = "clearmark-greenlist-v1"


def mix32(values: np.ndarray) -> np.ndarray:
    """A 32-bit avalanche hash of int64 values in [0, 2**32) (works unchanged on torch int64 tensors)."""
    values = (((values >> 16) ^ values) * _MULTIPLIER) & _MASK
    values = (((values >> 16) ^ values) * _MULTIPLIER) & _MASK
    return (values >> 16) ^ values


@dataclass(frozen=True)
class TextWatermarkKey:
    """The secret and parameters of the text watermark; the detector needs exactly this plus the tokenizer.

    Attributes:
        secret: the deployment secret (from configuration; never logged).
        gamma: fraction of the vocabulary that is green at each step.
        delta: logit bias added to green tokens while generating.
        z_threshold: detection is claimed only at or above this z-score.
        min_tokens: and only when at least this many tokens were scored.
    """

    secret: bytes = field(repr=False)
    gamma: float = 0.25
    delta: float = 2.0
    z_threshold: float = 4.0
    min_tokens: int = 50

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("the text watermark secret must not be empty")
        if not 0.0 < self.gamma < 1.0:
            raise ValueError(f"gamma must lie in (0, 1), got {self.gamma}")

    @classmethod
    def from_config(cls, secret: str | bytes, **params: float | int) -> TextWatermarkKey:
        """A key from a configured secret (text is UTF-8 encoded) and optional parameters."""
        return cls(secret.encode("utf-8") if isinstance(secret, str) else secret, **params)  # type: ignore[arg-type]

    @property
    def key_id(self) -> str:
        """A short public fingerprint of the key (safe to log and report)."""
        return hashlib.sha256(_DOMAIN + b"id/" + self.secret).hexdigest()[:12]

    @property
    def seeds(self) -> tuple[int, int]:
        """Two 32-bit seeds derived from the secret: one for tokens, one for contexts."""
        digest = hmac.new(self.secret, _DOMAIN + b"seeds", hashlib.sha256).digest()
        return int.from_bytes(digest[:4], "big"), int.from_bytes(digest[4:8], "big")

    @property
    def green_limit(self) -> int:
        """Hash values below this are green."""
        return int(self.gamma * 2**32)

    @property
    def false_positive_rate(self) -> float:
        """The one-sided normal tail above ``z_threshold``: the rate of unwatermarked text claimed."""
        return 0.5 * math.erfc(self.z_threshold / math.sqrt(2))


def green_flags(key: TextWatermarkKey, previous: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """Boolean array: is ``tokens[i]`` green after ``previous[i]``?"""
    token_seed, context_seed = key.seeds
    token_hash = mix32((tokens.astype(np.int64) ^ token_seed) & _MASK)
    context_hash = mix32((previous.astype(np.int64) ^ context_seed) & _MASK)
    return mix32(token_hash ^ context_hash) < key.green_limit


@dataclass(frozen=True)
class WatermarkScore:
    """The statistical test on one text: tokens scored, green among them, z-score, p-value, verdict."""

    tokens_scored: int
    green_tokens: int
    z_score: float
    p_value: float
    detected: bool
    z_threshold: float
    false_positive_rate: float
    key_id: str
    scheme: str = SCHEME


def score_token_ids(
    ids: list[int] | np.ndarray, key: TextWatermarkKey, *, ignore_repeated: bool = True
) -> WatermarkScore:
    """Score a token sequence; repeated (previous, token) pairs count once by default (robust to repetition)."""
    array = np.asarray(ids, dtype=np.int64).reshape(-1)
    pairs = np.stack([array[:-1], array[1:]], axis=1) if array.size > 1 else np.zeros((0, 2), dtype=np.int64)
    if ignore_repeated and len(pairs):
        pairs = np.unique(pairs, axis=0)
    scored = int(len(pairs))
    green = int(green_flags(key, pairs[:, 0], pairs[:, 1]).sum()) if scored else 0
    gamma = key.gamma
    z = (green - gamma * scored) / math.sqrt(scored * gamma * (1 - gamma)) if scored else 0.0
    p_value = 0.5 * math.erfc(z / math.sqrt(2))
    detected = scored >= key.min_tokens and z >= key.z_threshold
    return WatermarkScore(scored, green, z, p_value, detected, key.z_threshold, key.false_positive_rate, key.key_id)
