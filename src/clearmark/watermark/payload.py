"""Payload framing: 64 data bits, enciphered under the key, BCH-protected and whitened for the channel.

``payload (8 bytes) -> 4-round Feistel cipher under the key -> BCH(255,131,t=18) shortened to
(188, 64) -> XOR with a keyed whitening sequence -> 188 channel bits``. A random word decodes as a
valid codeword with probability ~3e-13 (``2^64 * V(188, 18) / 2^188``); the cipher means a payload
of one's choosing cannot be written without the key, even by someone who learnt the pattern.
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np

from clearmark.watermark.bch import BchCode
from clearmark.watermark.keys import keyed_bits, subkey

PAYLOAD_BYTES = 8
PAYLOAD_BITS = 8 * PAYLOAD_BYTES
CODE = BchCode(m=8, t=18, k=PAYLOAD_BITS)
CODED_BITS = CODE.n  # 188
_FEISTEL_ROUNDS = 4
_PRODUCE_ID_DOMAIN = b"clearmark.watermark.produce-id.v1\x00"


def payload_for_produce_id(produce_id: str) -> bytes:
    """The 8-byte registry key a mark carries for a ProduceID: ``SHA-256(domain || id)[:8]``.

    Deterministic and key-independent, so the registry can compute and index it once per record.
    """
    if not produce_id:
        raise ValueError("produce_id must not be empty")
    return hashlib.sha256(_PRODUCE_ID_DOMAIN + produce_id.encode("utf-8")).digest()[:PAYLOAD_BYTES]


def payload_hex(payload: bytes) -> str:
    """The registry's lookup form of a payload: 16 lowercase hex digits."""
    return payload.hex()


def _round_value(round_key: bytes, index: int, half: int) -> int:
    digest = hmac.new(round_key, bytes([index]) + half.to_bytes(4, "big"), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big")


def encipher(payload: bytes, key: bytes) -> bytes:
    """A keyed 64-bit permutation (Feistel network with HMAC-SHA256 rounds)."""
    round_key = subkey(key, "payload-cipher")
    left, right = int.from_bytes(payload[:4], "big"), int.from_bytes(payload[4:], "big")
    for index in range(_FEISTEL_ROUNDS):
        left, right = right, left ^ _round_value(round_key, index, right)
    return left.to_bytes(4, "big") + right.to_bytes(4, "big")


def decipher(block: bytes, key: bytes) -> bytes:
    """The inverse of ``encipher``."""
    round_key = subkey(key, "payload-cipher")
    left, right = int.from_bytes(block[:4], "big"), int.from_bytes(block[4:], "big")
    for index in reversed(range(_FEISTEL_ROUNDS)):
        left, right = right ^ _round_value(round_key, index, left), left
    return left.to_bytes(4, "big") + right.to_bytes(4, "big")


def _whitening(key: bytes) -> np.ndarray:
    return keyed_bits(key, "payload-whitening", CODED_BITS)


def frame_payload(payload: bytes, key: bytes) -> np.ndarray:
    """The 188 channel bits (uint8 0/1) carrying ``payload`` under ``key``."""
    if len(payload) != PAYLOAD_BYTES:
        raise ValueError(f"the payload is {PAYLOAD_BYTES} bytes, got {len(payload)}")
    data = np.unpackbits(np.frombuffer(encipher(payload, key), dtype=np.uint8))
    return CODE.encode(data) ^ _whitening(key)


def unframe_payload(
    soft: np.ndarray,
    key: bytes,
    chase_flips: int = 0,
    osd_max_errors: int | None = None,
    osd_min_score: float | None = None,
) -> tuple[bytes, int] | None:
    """Decode soft channel values (positive: bit 0) to (payload, bit errors corrected), or None.

    By default the BCH decoder (Chase-II with ``chase_flips``); with ``osd_max_errors``, ordered-statistics
    decoding accepting a codeword within that many bit errors, or further away when its soft score
    reaches ``osd_min_score`` (``BchCode.decode_osd``).
    """
    signs = 1.0 - 2.0 * _whitening(key).astype(np.float64)
    channel = np.asarray(soft, dtype=np.float64) * signs
    if osd_max_errors is not None:
        decoded = CODE.decode_osd(channel, osd_max_errors, min_score=osd_min_score)
    else:
        decoded = CODE.decode_soft(channel, flips=chase_flips)
    if decoded is None:
        return None
    data, errors = decoded
    return decipher(np.packbits(data).tobytes(), key), errors
