"""Perceptual hashes of assets by modality, and the record-vs-content binding check."""

from __future__ import annotations

import io

import pytest
from bench.images import photo_like

from clearmark.core.errors import InvalidMedia
from clearmark.media.limits import MediaLimits
from clearmark.service.registry.perceptual import (
    IMAGE,
    TEXT,
    PerceptualHash,
    check_binding,
    perceptual_hash_of_content,
)

LIMITS = MediaLimits()


def _encoded(fmt: str, size: tuple[int, int] = (256, 192)) -> bytes:
    buffer = io.BytesIO()
    photo_like(256, 192, seed=3).convert("RGB").resize(size).save(buffer, fmt, quality=70)
    return buffer.getvalue()


def test_formats_of_one_picture_hash_alike() -> None:
    hashes = [perceptual_hash_of_content(_encoded(fmt), LIMITS) for fmt in ("PNG", "JPEG", "WEBP")]
    assert all(h is not None and h.kind == IMAGE for h in hashes)
    small = perceptual_hash_of_content(_encoded("JPEG", (128, 96)), LIMITS)
    assert all(check_binding("r", hashes[0], h).matches for h in [*hashes, small])


def test_text_gets_a_simhash_and_empty_text_none() -> None:
    found = perceptual_hash_of_content("这是一段由人工智能生成的文字。".encode() * 4, LIMITS)
    assert found is not None and found.kind == TEXT
    assert perceptual_hash_of_content(b"   \n  \n", LIMITS) is None


def test_random_bytes_are_refused() -> None:
    with pytest.raises(InvalidMedia):
        perceptual_hash_of_content(b"\x00\x01garbage\xff" * 10, LIMITS)


@pytest.mark.parametrize(
    ("recorded", "content", "matches"),
    [
        (PerceptualHash(IMAGE, 0), PerceptualHash(IMAGE, 0b1111111111), True),
        (PerceptualHash(IMAGE, 0), PerceptualHash(IMAGE, 0b11111111111), False),
        (PerceptualHash(TEXT, 0), PerceptualHash(TEXT, 0b111111111), False),
        (PerceptualHash(IMAGE, 0), PerceptualHash(TEXT, 0), None),
        (None, PerceptualHash(TEXT, 0), None),
    ],
)
def test_check_binding(recorded: PerceptualHash | None, content: PerceptualHash, matches: bool | None) -> None:
    assert check_binding("rec", recorded, content).matches is matches


@pytest.mark.parametrize(("kind", "value"), [("video", 1), (IMAGE, -1), (IMAGE, 2**64)])
def test_hash_validates(kind: str, value: int) -> None:
    with pytest.raises(ValueError):
        PerceptualHash(kind, value)
    assert PerceptualHash.from_hex(IMAGE, "00000000000000ff").value == 255
