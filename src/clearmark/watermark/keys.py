"""Keyed, version-stable randomness for the watermark: every pattern derives from the deployment secret.

Patterns come from SHAKE-256 of an HMAC-SHA256 subkey, never from numpy's generators, whose streams
may change between numpy releases: a mark embedded today must decode with tomorrow's build.
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np

_DOMAIN = b"clearmark.watermark.image.v1/"


def subkey(key: bytes, label: str) -> bytes:
    """A 32-byte key for one purpose (``label``), derived from the deployment secret."""
    if not key:
        raise ValueError("the watermark key must not be empty")
    return hmac.new(key, _DOMAIN + label.encode("ascii"), hashlib.sha256).digest()


def keystream(key: bytes, label: str, size: int) -> bytes:
    """``size`` pseudo-random bytes for ``label`` under ``key``."""
    return hashlib.shake_256(subkey(key, label)).digest(size)


def keyed_bits(key: bytes, label: str, count: int) -> np.ndarray:
    """``count`` pseudo-random bits (uint8 0/1)."""
    stream = np.frombuffer(keystream(key, label, (count + 7) // 8), dtype=np.uint8)
    return np.unpackbits(stream)[:count]


def keyed_permutation(key: bytes, label: str, count: int) -> np.ndarray:
    """A pseudo-random permutation of ``range(count)``."""
    ranks = np.frombuffer(keystream(key, label, 8 * count), dtype=">u8")
    return np.argsort(ranks, kind="stable")
