"""The green list itself: keyed, stable, torch/numpy identical, and null scores that look standard normal."""

from __future__ import annotations

import numpy as np
import pytest

from clearmark.watermark.text.greenlist import TextWatermarkKey, green_flags, mix32, score_token_ids

KEY = TextWatermarkKey.from_config("test-secret")


def test_green_fraction_is_gamma_and_keyed() -> None:
    rng = np.random.default_rng(0)
    previous, tokens = rng.integers(0, 50_000, 200_000), rng.integers(0, 50_000, 200_000)
    fraction = green_flags(KEY, previous, tokens).mean()
    assert abs(fraction - KEY.gamma) < 0.005
    other = TextWatermarkKey.from_config("another-secret")
    agreement = (green_flags(KEY, previous, tokens) == green_flags(other, previous, tokens)).mean()
    assert abs(agreement - (KEY.gamma**2 + (1 - KEY.gamma) ** 2)) < 0.01  # independent lists


def test_known_vector_pins_the_scheme() -> None:
    # Changing the hash or the key derivation would orphan every watermark already issued.
    flags = green_flags(KEY, np.arange(16), np.arange(100, 116))
    assert "".join("1" if f else "0" for f in flags) == "0100001001100010"
    assert KEY.key_id == "11260122c360"


def test_torch_and_numpy_agree() -> None:
    torch = pytest.importorskip("torch")
    values = np.random.default_rng(1).integers(0, 2**32, 10_000)
    assert np.array_equal(mix32(values), mix32(torch.tensor(values)).numpy())


def test_random_tokens_score_like_a_standard_normal() -> None:
    rng = np.random.default_rng(2)
    zs = np.array([score_token_ids(rng.integers(0, 30_000, 260), KEY).z_score for _ in range(2_000)])
    assert abs(zs.mean()) < 0.1 and 0.9 < zs.std() < 1.1
    assert (zs >= KEY.z_threshold).sum() == 0
    assert KEY.false_positive_rate == pytest.approx(3.17e-5, rel=0.01)


def test_short_texts_are_never_claimed() -> None:
    green = [0]
    candidates = np.arange(1000)
    for _ in range(30):  # all-green, no pair repeated, but too short
        options = candidates[green_flags(KEY, np.full(1000, green[-1]), candidates)]
        green.append(int(next(v for v in options if v not in green)))
    score = score_token_ids(green, KEY)
    assert score.z_score > 4 and not score.detected and score.tokens_scored < KEY.min_tokens


def test_repeated_pairs_count_once() -> None:
    assert score_token_ids([5, 6] * 200, KEY).tokens_scored == 2
    assert score_token_ids([5, 6] * 200, KEY, ignore_repeated=False).tokens_scored == 399
