"""The producer-code table: one row per company, codes parsed by their USCC whatever the product suffix."""

from __future__ import annotations

import pytest

from clearmark.detectors.producer_codes import KNOWN_PRODUCERS, company_code, producer_for


def test_one_row_per_company_and_per_tool() -> None:
    assert len({p.company_code for p in KNOWN_PRODUCERS}) == len(KNOWN_PRODUCERS)
    assert len({p.tool for p in KNOWN_PRODUCERS}) == len(KNOWN_PRODUCERS)
    assert all(len(p.company_code) == 18 for p in KNOWN_PRODUCERS)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("001191110102MACQD9K64010000", "91110102MACQD9K640"),  # Doubao, as its real output writes it
        ("00119144030008867405X220001", "9144030008867405X2"),  # Jimeng's propagator code
        ("91110102MACQD9K640", "91110102MACQD9K640"),  # a bare USCC
        ("doubao", "doubao"),
    ],
)
def test_company_code(code: str, expected: str) -> None:
    assert company_code(code) == expected


def test_any_product_suffix_names_the_same_service() -> None:
    first, second = producer_for("00119144030008867405X210001"), producer_for("00119144030008867405X220001")
    assert first is not None and first is second and first.tool == "jimeng"
    assert producer_for(" Doubao ") is not None
    assert producer_for("0011" + "9" * 18 + "10000") is None
