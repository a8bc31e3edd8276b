"""BCH(255,131,t=18) shortened to 64 data bits: corrects up to t errors, Chase and OSD go further."""

from __future__ import annotations

import numpy as np
import pytest

from clearmark.watermark.bch import BchCode

CODE = BchCode(m=8, t=18, k=64)


def test_shape_of_the_code() -> None:
    assert (CODE.n, CODE.parity_bits) == (188, 124)


@pytest.mark.parametrize("errors", [0, 1, 9, 18])
def test_corrects_up_to_t_errors(errors: int) -> None:
    rng = np.random.default_rng(errors)
    data = rng.integers(0, 2, 64).astype(np.uint8)
    word = CODE.encode(data)
    word[rng.choice(CODE.n, errors, replace=False)] ^= 1
    decoded = CODE.decode(word)
    assert decoded is not None
    assert np.array_equal(decoded[0], data) and decoded[1] == errors


def test_random_words_do_not_decode() -> None:
    rng = np.random.default_rng(3)
    assert all(CODE.decode(rng.integers(0, 2, CODE.n)) is None for _ in range(300))


def test_chase_uses_reliabilities_beyond_t() -> None:
    rng = np.random.default_rng(5)
    data = rng.integers(0, 2, 64).astype(np.uint8)
    soft = 1.0 - 2.0 * CODE.encode(data).astype(float)
    wrong = rng.choice(CODE.n, 21, replace=False)
    soft[wrong] *= -0.05  # 21 errors, three of them among the weakest bits
    soft[wrong[3:]] *= 20
    assert CODE.decode((soft < 0).astype(np.uint8)) is None
    decoded = CODE.decode_soft(soft, flips=6)
    assert decoded is not None and np.array_equal(decoded[0], data)


@pytest.mark.parametrize("errors", [20, 23])
def test_osd_corrects_beyond_t_with_reliabilities(errors: int) -> None:
    rng = np.random.default_rng(100 + errors)
    data = rng.integers(0, 2, 64).astype(np.uint8)
    soft = (1.0 - 2.0 * CODE.encode(data).astype(float)) * rng.uniform(0.5, 1.5, CODE.n)
    wrong = np.argsort(np.abs(soft))[:60][rng.choice(60, errors, replace=False)]  # errors hit weak bits
    soft[wrong] *= -1
    assert CODE.decode((soft < 0).astype(np.uint8)) is None
    decoded = CODE.decode_osd(soft, max_errors=24)
    assert decoded is not None and np.array_equal(decoded[0], data) and decoded[1] == errors


def test_osd_refuses_random_words_and_far_codewords() -> None:
    rng = np.random.default_rng(9)
    assert all(CODE.decode_osd(rng.normal(0, 1, CODE.n), max_errors=24) is None for _ in range(200))
    data = rng.integers(0, 2, 64).astype(np.uint8)
    soft = 1.0 - 2.0 * CODE.encode(data).astype(float)
    soft[rng.choice(CODE.n, 26, replace=False)] *= -0.1
    found = CODE.decode_osd(soft, max_errors=40)
    assert found is not None and found[1] == 26  # OSD finds it, but 26 errors are beyond a 24 limit
    assert CODE.decode_osd(soft, max_errors=24) is None
