"""Binary BCH codes over GF(2^m), shortened, with hard-decision, Chase and ordered-statistics soft decoding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

# Primitive polynomials by field degree (x^m + ... + 1), as integers.
_PRIMITIVE = {5: 0x25, 6: 0x43, 7: 0x89, 8: 0x11D, 9: 0x211, 10: 0x409}


class _GaloisField:
    """GF(2^m) by exp/log tables; elements are ints in [0, 2^m)."""

    def __init__(self, m: int) -> None:
        self.m = m
        self.order = (1 << m) - 1
        exp = np.zeros(2 * self.order, dtype=np.int64)
        log = np.zeros(self.order + 1, dtype=np.int64)
        value = 1
        for i in range(self.order):
            exp[i] = value
            log[value] = i
            value <<= 1
            if value & (1 << m):
                value ^= _PRIMITIVE[m]
        exp[self.order :] = exp[: self.order]
        self.exp = exp
        self.log = log
        # The same tables as lists, for the decoder's scalar arithmetic: indexing a numpy array with a
        # Python int and converting the result back costs several times a list's lookup.
        self._exp, self._log = exp.tolist(), log.tolist()

    def mul(self, a: int, b: int) -> int:
        if a == 0 or b == 0:
            return 0
        return self._exp[self._log[a] + self._log[b]]

    def inverse(self, a: int) -> int:
        return self._exp[self.order - self._log[a]]


@dataclass(frozen=True)
class OsdCandidate:
    """The ordered-statistics decoder's best codeword for a word.

    Attributes:
        data: its ``k`` data bits.
        errors: bits where it differs from the word's hard decision.
        score: its normalised soft correlation outside the information set (``BchCode.osd_search``).
        candidates: how many codewords the search compared.
    """

    data: np.ndarray
    errors: int
    score: float
    candidates: int


def _poly_mul_gf2(a: int, b: int) -> int:
    """Product of two GF(2) polynomials held as ints (bit i = coefficient of x^i)."""
    out = 0
    while b:
        if b & 1:
            out ^= a
        a <<= 1
        b >>= 1
    return out


@dataclass(frozen=True)
class BchCode:
    """A binary BCH code of length ``2^m - 1`` correcting ``t`` errors, shortened to ``k`` data bits.

    Codewords are systematic: ``k`` data bits followed by ``n - k`` parity bits.
    """

    m: int
    t: int
    k: int

    @cached_property
    def _field(self) -> _GaloisField:
        return _GaloisField(self.m)

    @cached_property
    def generator(self) -> int:
        """The generator polynomial: the product of the minimal polynomials of alpha^1..alpha^2t."""
        field = self._field
        done: set[int] = set()
        generator = 1
        for i in range(1, 2 * self.t + 1):
            if i in done:
                continue
            coset = []
            j = i
            while j not in coset:
                coset.append(j)
                j = (2 * j) % field.order
            done.update(coset)
            minimal = [1]  # coefficients in GF(2^m), lowest degree first
            for c in coset:
                root = int(field.exp[c])
                shifted = [0] + minimal
                for d in range(len(minimal)):
                    shifted[d] ^= field.mul(minimal[d], root)
                minimal = shifted
            generator = _poly_mul_gf2(generator, sum(bit << d for d, bit in enumerate(minimal)))
        return generator

    @property
    def parity_bits(self) -> int:
        return self.generator.bit_length() - 1

    @property
    def n(self) -> int:
        """The shortened code length: data plus parity bits."""
        return self.k + self.parity_bits

    def __post_init__(self) -> None:
        if self.n > (1 << self.m) - 1:
            raise ValueError(f"BCH(m={self.m}, t={self.t}) cannot carry {self.k} data bits")

    def encode(self, data: Sequence[int] | np.ndarray) -> np.ndarray:
        """The codeword (uint8 0/1 array of length ``n``) of ``k`` data bits."""
        bits = np.asarray(data, dtype=np.uint8)
        if bits.shape != (self.k,):
            raise ValueError(f"expected {self.k} data bits, got {bits.shape}")
        parity_len = self.parity_bits
        # Polynomial view: codeword bit i is the coefficient of x^(n-1-i) (data first, highest degree).
        remainder = int("".join("1" if b else "0" for b in bits), 2) << parity_len if self.k else 0
        generator = self.generator
        for shift in range(remainder.bit_length() - 1, parity_len - 1, -1):
            if remainder >> shift & 1:
                remainder ^= generator << (shift - parity_len)
        parity = [(remainder >> (parity_len - 1 - i)) & 1 for i in range(parity_len)]
        return np.concatenate([bits, np.array(parity, dtype=np.uint8)])

    @cached_property
    def _syndrome_exponents(self) -> np.ndarray:
        # exponent of alpha^(j * degree) for j = 1..2t and each codeword position's degree.
        degrees = np.arange(self.n - 1, -1, -1, dtype=np.int64)
        powers = np.arange(1, 2 * self.t + 1, dtype=np.int64)
        return np.outer(powers, degrees) % self._field.order

    def decode(self, received: Sequence[int] | np.ndarray) -> tuple[np.ndarray, int] | None:
        """Correct up to ``t`` bit errors: (data bits, errors corrected), or None when uncorrectable."""
        word = np.asarray(received, dtype=np.uint8).copy()
        if word.shape != (self.n,):
            raise ValueError(f"expected {self.n} bits, got {word.shape}")
        field = self._field
        ones = np.flatnonzero(word)
        if ones.size == 0:
            return word[: self.k], 0
        values = field.exp[self._syndrome_exponents[:, ones]]
        syndromes = np.bitwise_xor.reduce(values, axis=1)
        if not syndromes.any():
            return word[: self.k], 0
        locator = self._berlekamp_massey([int(s) for s in syndromes])
        degree = len(locator) - 1
        if degree > self.t:
            return None
        positions = self._chien_search(locator)
        if len(positions) != degree:
            return None
        word[positions] ^= 1
        return word[: self.k], degree

    def _berlekamp_massey(self, syndromes: list[int]) -> list[int]:
        field = self._field
        locator = [1]
        previous = [1]
        length = 0
        shift = 1
        last_discrepancy = 1
        for step, _ in enumerate(syndromes):
            discrepancy = syndromes[step]
            for i in range(1, length + 1):
                if i < len(locator):
                    discrepancy ^= field.mul(locator[i], syndromes[step - i])
            if discrepancy == 0:
                shift += 1
                continue
            factor = field.mul(discrepancy, field.inverse(last_discrepancy))
            updated = locator + [0] * max(0, len(previous) + shift - len(locator))
            for i, coefficient in enumerate(previous):
                updated[i + shift] ^= field.mul(factor, coefficient)
            if 2 * length <= step:
                previous, locator = locator, updated
                length = step + 1 - length
                last_discrepancy = discrepancy
                shift = 1
            else:
                locator = updated
                shift += 1
        while len(locator) > 1 and locator[-1] == 0:
            locator.pop()
        return locator

    def _chien_search(self, locator: list[int]) -> np.ndarray:
        field = self._field
        degrees = np.arange(self.n - 1, -1, -1, dtype=np.int64)  # degree of each codeword position
        total = np.zeros(self.n, dtype=np.int64)
        for power, coefficient in enumerate(locator):
            if coefficient == 0:
                continue
            # Lambda(alpha^-degree): coefficient * alpha^(-degree * power)
            exponent = (field.log[coefficient] - degrees * power) % field.order
            total ^= field.exp[exponent]
        return np.flatnonzero(total == 0)

    def decode_soft(self, soft: np.ndarray, flips: int = 0) -> tuple[np.ndarray, int] | None:
        """Chase-II decoding: hard decision, then up to ``2^flips`` retries flipping the least reliable bits.

        ``soft`` holds one value per codeword bit, positive for 0 and negative for 1. Among the codewords
        found, the one agreeing best with ``soft`` wins; errors counts the bits it differs from hard.
        """
        soft = np.asarray(soft, dtype=np.float64)
        hard = (soft < 0).astype(np.uint8)
        first = self.decode(hard)
        if first is not None or flips <= 0:
            return first
        weakest = np.argsort(np.abs(soft), kind="stable")[:flips]
        best: tuple[float, np.ndarray, int] | None = None
        for pattern in range(1, 1 << flips):
            trial = hard.copy()
            for bit in range(flips):
                if pattern >> bit & 1:
                    trial[weakest[bit]] ^= 1
            decoded = self.decode(trial)
            if decoded is None:
                continue
            codeword = self.encode(decoded[0])
            metric = float(np.sum(soft * (1.0 - 2.0 * codeword)))
            if best is None or metric > best[0]:
                best = (metric, decoded[0], int(np.count_nonzero(codeword != hard)))
        return None if best is None else (best[1], best[2])

    @cached_property
    def generator_matrix(self) -> np.ndarray:
        """The systematic generator matrix (``k`` x ``n``, uint8): row i is the codeword of data bit i."""
        rows = np.zeros((self.k, self.n), dtype=np.uint8)
        for i in range(self.k):
            data = np.zeros(self.k, dtype=np.uint8)
            data[i] = 1
            rows[i] = self.encode(data)
        return rows

    def decode_osd(
        self, soft: np.ndarray, max_errors: int, order: int = 2, min_score: float | None = None
    ) -> tuple[np.ndarray, int] | None:
        """Ordered-statistics decoding (Fossorier-Lin) of order 1 or 2, for words beyond ``t`` errors.

        The ``k`` most reliable independent positions are taken as the information set, their hard
        decisions (and every pattern of up to ``order`` flips among them) re-encoded, and the codeword
        with the least discrepancy (sum of ``|soft|`` where it disagrees with the hard decision) kept.
        OSD always returns some codeword, so it is accepted only within ``max_errors`` bit differences
        of the hard decision: a random word lies within ``d`` of one of the ``2^k`` codewords with
        probability ``2^k * V(n, d) / 2^n`` (for this project's (188, 64) code: 1.4e-9 at d = 22,
        7e-8 at d = 24). With ``min_score``, a codeword further away is accepted when its soft score
        (``osd_search``) reaches it.

        Returns:
            (data bits, bits differing from the hard decision), or None when no codeword is close enough.
        """
        found = self.osd_search(soft, order)
        if found is None:
            return None
        if found.errors > max_errors and (min_score is None or found.score < min_score):
            return None
        return found.data, found.errors

    def osd_search(self, soft: np.ndarray, order: int = 2) -> OsdCandidate | None:
        """The ordered-statistics decoder's best codeword for ``soft`` (see ``decode_osd``), with its soft score.

        The score is the codeword's normalised correlation with ``soft`` on the ``n - k`` positions
        outside the information set, ``sum(soft_i * x_i) / sqrt(sum(soft_i^2))`` with ``x_i = +-1``:
        the information set agrees with every candidate by construction and carries no evidence,
        while on the other positions a word that holds no codeword gives each candidate a sum of
        signs independent of the magnitudes. Where those signs are fair and independent (a channel
        whitened under a key, an unmarked picture), each candidate's score exceeds ``s`` with
        probability at most ``3.18 * Q(s)`` (Bentkus-Dzindzalieta's bound for Rademacher sums; Q the
        normal tail), so the best of the ``N`` candidates (2081 at order 2) with at most ``N * 3.18 * Q(s)``.
        None only when the reliabilities leave no information set (a degenerate word).
        """
        listing = self.osd_candidates(soft, order)
        if listing is None:
            return None
        candidates, order_by_reliability, outside = listing
        soft = np.asarray(soft, dtype=np.float64)
        ordered = soft[order_by_reliability]
        disagree = candidates != (ordered < 0)[None, :]
        best = int(np.argmin(disagree @ np.abs(ordered)))
        evidence = ordered[outside]
        signs = 1.0 - 2.0 * candidates[best, outside].astype(np.float64)
        score = float(signs @ evidence / (np.sqrt(evidence @ evidence) + 1e-300))
        codeword = np.empty(self.n, dtype=np.uint8)
        codeword[order_by_reliability] = candidates[best]
        return OsdCandidate(
            data=codeword[: self.k], errors=int(disagree[best].sum()), score=score, candidates=len(candidates)
        )

    def osd_candidates(self, soft: np.ndarray, order: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Every codeword ordered-statistics decoding of ``order`` compares for ``soft``.

        Returns (codewords, one per row, uint8, their positions in decreasing reliability; that order
        as indices into ``soft``; a mask over it of the positions outside the information set), or
        None when the reliabilities leave no information set.
        """
        soft = np.asarray(soft, dtype=np.float64)
        if soft.shape != (self.n,):
            raise ValueError(f"expected {self.n} soft values, got {soft.shape}")
        order_by_reliability = np.argsort(-np.abs(soft), kind="stable")
        matrix = self.generator_matrix[:, order_by_reliability].copy()
        pivots: list[int] = []
        row = 0
        for column in range(self.n):
            if row == self.k:
                break
            candidates = np.flatnonzero(matrix[row:, column]) + row
            if candidates.size == 0:
                continue
            pivot = int(candidates[0])
            if pivot != row:
                matrix[[row, pivot]] = matrix[[pivot, row]]
            others = np.flatnonzero(matrix[:, column])
            others = others[others != row]
            matrix[others] ^= matrix[row]
            pivots.append(column)
            row += 1
        if row < self.k:
            return None
        received = (soft[order_by_reliability] < 0).astype(np.uint8)
        base = (received[pivots].astype(np.int64) @ matrix.astype(np.int64) % 2).astype(np.uint8)
        patterns = [base[None, :]]
        if order >= 1:
            patterns.append(base[None, :] ^ matrix)
        if order >= 2:
            first, second = np.triu_indices(self.k, 1)
            patterns.append(base[None, :] ^ matrix[first] ^ matrix[second])
        outside = np.ones(self.n, dtype=bool)
        outside[pivots] = False
        return np.concatenate(patterns), order_by_reliability, outside
