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


def _noisy_codewords(mean: float, count: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(data, soft word): codewords sent as +-mean through unit Gaussian noise."""
    rng = np.random.default_rng(seed)
    words = []
    for _ in range(count):
        data = rng.integers(0, 2, 64).astype(np.uint8)
        words.append((data, (1.0 - 2.0 * CODE.encode(data).astype(float)) * mean + rng.normal(0, 1, CODE.n)))
    return words


def test_osd_soft_score_accepts_noisy_codewords_beyond_the_hard_limit() -> None:
    # mean 1.1: 13.6 % raw bit errors (median 25 of 188 here), about ihc's and grass's heavy crops.
    words = _noisy_codewords(1.1, 50, 45438)
    errors = [int(np.sum((soft < 0) != CODE.encode(data).astype(bool))) for data, soft in words]
    assert 22 <= np.median(errors) <= 28
    hard = [CODE.decode_osd(soft, max_errors=24) for _, soft in words]
    soft = [CODE.decode_osd(soft, max_errors=24, min_score=7.0) for _, soft in words]
    def reads(results: list) -> int:
        pairs = zip(results, words, strict=True)
        return sum(found is not None and np.array_equal(found[0], data) for found, (data, _) in pairs)

    hard_reads, soft_reads = reads(hard), reads(soft)
    assert soft_reads >= hard_reads + 10  # 37 against 21 of 50 with this seed
    assert all(found is None or np.array_equal(found[0], data) for found, (data, _) in zip(soft, words, strict=True))
    beyond = [found for found in soft if found is not None and found[1] > 24]
    assert beyond and all(found[1] > 24 for found in beyond)  # read with more errors than the hard limit allows


def test_osd_soft_score_refuses_random_words() -> None:
    rng = np.random.default_rng(11)
    scores = [CODE.osd_search(rng.normal(0, 1, CODE.n)).score for _ in range(300)]
    # The best of 2081 candidates on a random word: about 3.3 (max of ~2081 near-normal scores),
    # far under the decoder's 7 (at most 8.5e-9 by the bound in ``osd_search``).
    assert 2.5 < float(np.median(scores)) < 4.0 and max(scores) < 5.5
    assert all(CODE.decode_osd(rng.normal(0, 1, CODE.n), max_errors=24, min_score=7.0) is None for _ in range(100))


def test_osd_soft_score_is_the_correlation_outside_the_information_set() -> None:
    data, soft = _noisy_codewords(1.0, 1, 7)[0]
    found = CODE.osd_search(soft)
    again = CODE.osd_search(soft.copy())
    assert np.array_equal(found.data, again.data) and (found.errors, found.score) == (again.errors, again.score)
    assert found.candidates == 1 + 64 + 64 * 63 // 2
    _, order, outside = CODE.osd_candidates(soft)
    assert outside.sum() == CODE.n - CODE.k
    signs = 1.0 - 2.0 * CODE.encode(found.data).astype(float)
    evidence = soft[order][outside]
    assert found.score == pytest.approx(float(signs[order][outside] @ evidence / np.linalg.norm(evidence)))
    # the same score scale-free: soft values scaled by any positive factor give the same codeword and score
    scaled = CODE.osd_search(soft * 37.5)
    assert np.array_equal(scaled.data, found.data) and scaled.score == pytest.approx(found.score)
