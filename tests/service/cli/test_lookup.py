"""Which registry key a bare id on the command line names."""

from __future__ import annotations

import pytest

from clearmark.service.cli.lookup import lookup_key


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("a" * 64, "sha256"),
        ("CMP" + "A" * 26, "propagate_id"),
        ("CM" + "B" * 26, "produce_id"),
        ("CMP" + "Z" * 25, "produce_id"),  # a ProduceID that happens to begin with P (1 in 32 do)
        ("VENDOR-123", "produce_id"),
    ],
)
def test_lookup_key_guess(value: str, key: str) -> None:
    assert lookup_key(value) == key
