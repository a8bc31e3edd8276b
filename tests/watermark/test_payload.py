"""Payload framing: registry key from a ProduceID, keyed cipher, BCH and whitening."""

from __future__ import annotations

import numpy as np

from clearmark.watermark.payload import (
    CODED_BITS,
    decipher,
    encipher,
    frame_payload,
    payload_for_produce_id,
    payload_hex,
    unframe_payload,
)


def test_registry_key_is_eight_stable_bytes() -> None:
    payload = payload_for_produce_id("CM-20250901-0001")
    assert len(payload) == 8
    assert payload == payload_for_produce_id("CM-20250901-0001")
    assert payload != payload_for_produce_id("CM-20250901-0002")
    assert payload_hex(payload) == payload.hex() and len(payload_hex(payload)) == 16


def test_cipher_is_a_keyed_permutation(key: bytes) -> None:
    block = bytes(range(8))
    assert decipher(encipher(block, key), key) == block
    assert encipher(block, key) != encipher(block, key + b"x")


def test_frame_round_trip_with_errors(key: bytes) -> None:
    payload = payload_for_produce_id("abc")
    bits = frame_payload(payload, key)
    assert bits.shape == (CODED_BITS,)
    soft = 1.0 - 2.0 * bits.astype(float)
    soft[:15] *= -1
    assert unframe_payload(soft, key) == (payload, 15)


def test_wrong_key_reads_nothing(key: bytes) -> None:
    soft = 1.0 - 2.0 * frame_payload(payload_for_produce_id("abc"), key).astype(float)
    assert unframe_payload(soft, b"another deployment") is None
    assert not np.array_equal(frame_payload(b"\0" * 8, key), frame_payload(b"\0" * 8, b"another deployment"))


def test_soft_score_reads_beyond_the_hard_limit_under_the_right_key_only(key: bytes) -> None:
    payload = payload_for_produce_id("abc")
    signs = 1.0 - 2.0 * frame_payload(payload, key).astype(float)
    soft = signs * 1.1 + np.random.default_rng(14).normal(0, 1, CODED_BITS)
    assert int(np.sum(np.sign(soft) != signs)) == 31  # beyond OSD's 24
    assert unframe_payload(soft, key, osd_max_errors=24) is None
    assert unframe_payload(soft, key, osd_max_errors=24, osd_min_score=7.0) == (payload, 31)
    assert unframe_payload(soft, b"another deployment", osd_max_errors=24, osd_min_score=7.0) is None
