"""Invisible variation-selector marks: round trip, C2PA wrapper recognition, damage detection, one-regex removal."""

from __future__ import annotations

import pytest

from clearmark.watermark.text.invisible import (
    MAGIC_C2PA,
    byte_to_selector,
    embed_mark,
    encode_mark,
    find_marks,
    selector_to_byte,
    strip_marks,
)


def test_alphabet_matches_the_c2pa_text_vectors() -> None:
    assert [byte_to_selector(b) for b in (0x00, 0x0F, 0x10, 0xFF)] == ["\ufe00", "\ufe0f", "\U000e0100", "\U000e01ef"]
    assert all(selector_to_byte(byte_to_selector(b)) == b for b in range(256))
    with pytest.raises(ValueError):
        selector_to_byte("\ufeff")


def test_round_trip_keeps_visible_text_and_is_removed_by_one_regex() -> None:
    text = "本内容由AI生成。Hello."
    marked = embed_mark(text, "gen-0001")
    assert marked.startswith(text)
    [mark] = find_marks(marked)
    assert (mark.kind, mark.mark_id, mark.valid, mark.start, mark.end) == (
        "clearmark",
        "gen-0001",
        True,
        len(text),
        len(marked),
    )
    assert strip_marks(marked) == text and find_marks(strip_marks(marked)) == []


def test_damaged_mark_is_reported_invalid() -> None:
    marked = embed_mark("x", "gen-0001")
    damaged = marked[:-3] + byte_to_selector(0x42) + marked[-2:]
    [mark] = find_marks(damaged)
    assert not mark.valid


def test_c2pa_wrappers_are_recognised() -> None:
    payload = b"c2pa-manifest-01"
    framed = MAGIC_C2PA + bytes([1]) + len(payload).to_bytes(4, "big") + payload
    text = "Hello" + "\ufeff" + "".join(byte_to_selector(b) for b in framed)
    [mark] = find_marks(text)
    assert (mark.kind, mark.payload, mark.valid) == ("c2pa", payload, True)
    assert len(text.encode()) - len(b"Hello") == 114  # the published 16-byte vector: 114 UTF-8 bytes unpadded


def test_ids_are_bounded() -> None:
    with pytest.raises(ValueError):
        encode_mark("")
    with pytest.raises(ValueError):
        encode_mark("x" * 256)
