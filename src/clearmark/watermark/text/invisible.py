"""Invisible in-text marks: a short id carried by Unicode variation selectors (fragile by design).

The alphabet and frame follow the C2PA unstructured-text wrapper (C2PA 2.x Appendix A.8, the
``c2pa-text`` libraries): a ``U+FEFF`` marker, then one variation selector per byte (0x00-0x0F ->
U+FE00-U+FE0F, 0x10-0xFF -> U+E0100-U+E01EF) of ``magic(8) version(1) length(4, big-endian) payload``.
ClearMark marks use the magic ``CLRMARK\\0`` and append a 4-byte SHA-256 check, so C2PA validators
skip them; readers here also report C2PA wrappers (magic ``C2PATXT\\0``) they come across.

Fragile: ``strip_marks`` (one regular expression) removes every mark, and so does any pipeline
that normalises or filters "invisible" characters. Report such a mark as a hint, never as proof.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

MARKER = "\ufeff"
MAGIC_CLEARMARK = b"CLRMARK\x00"
MAGIC_C2PA = b"C2PATXT\x00"
VERSION = 1
MAX_ID_BYTES = 255
_CHECK_LEN = 4
_HEADER_LEN = 13
_SELECTORS = "\ufe00-\ufe0f\U000e0100-\U000e01ef"
_RUN = re.compile(f"{MARKER}([{_SELECTORS}]+)")
_ANY_MARK = re.compile(f"{MARKER}?[{_SELECTORS}]+")


def byte_to_selector(value: int) -> str:
    """The variation selector carrying one byte."""
    return chr(0xFE00 + value) if value < 0x10 else chr(0xE0100 + value - 0x10)


def selector_to_byte(ch: str) -> int:
    """The byte a variation selector carries (ValueError for anything else)."""
    code = ord(ch)
    if 0xFE00 <= code <= 0xFE0F:
        return code - 0xFE00
    if 0xE0100 <= code <= 0xE01EF:
        return code - 0xE0100 + 0x10
    raise ValueError(f"U+{code:04X} is not a variation selector")


@dataclass(frozen=True)
class TextMark:
    """One mark found in a text: its kind, payload and character span."""

    kind: str  # "clearmark" or "c2pa"
    payload: bytes
    start: int
    end: int
    valid: bool  # frame (and, for ClearMark marks, checksum) intact

    @property
    def mark_id(self) -> str:
        """The carried id as text (ClearMark marks carry ASCII ids)."""
        return self.payload.decode("utf-8", errors="replace")


def encode_mark(mark_id: str) -> str:
    """The invisible run carrying ``mark_id`` (e.g. a ProduceID; at most 255 UTF-8 bytes)."""
    payload = mark_id.encode("utf-8")
    if not payload or len(payload) > MAX_ID_BYTES:
        raise ValueError(f"mark id must be 1..{MAX_ID_BYTES} bytes")
    framed = MAGIC_CLEARMARK + bytes([VERSION]) + len(payload).to_bytes(4, "big") + payload
    framed += hashlib.sha256(framed).digest()[:_CHECK_LEN]
    return MARKER + "".join(byte_to_selector(b) for b in framed)


def embed_mark(text: str, mark_id: str) -> str:
    """``text`` with the mark appended at its end (where A.8 places wrappers); visible text unchanged."""
    return text + encode_mark(mark_id)


def find_marks(text: str) -> list[TextMark]:
    """Every ClearMark or C2PA wrapper in ``text``, valid or not, in order."""
    marks = []
    for match in _RUN.finditer(text):
        run = bytes(selector_to_byte(ch) for ch in match.group(1))
        magic = run[:8]
        if magic not in (MAGIC_CLEARMARK, MAGIC_C2PA) or len(run) < _HEADER_LEN:
            continue
        length = int.from_bytes(run[9:13], "big")
        body_end = _HEADER_LEN + length
        payload = run[_HEADER_LEN:body_end]
        if magic == MAGIC_C2PA:
            marks.append(TextMark("c2pa", payload, match.start(), match.end(), run[8] == 1 and len(run) >= body_end))
            continue
        check = run[body_end : body_end + _CHECK_LEN]
        valid = (
            run[8] == VERSION
            and len(check) == _CHECK_LEN
            and hashlib.sha256(run[:body_end]).digest()[:_CHECK_LEN] == check
        )
        marks.append(TextMark("clearmark", payload, match.start(), match.end(), valid))
    return marks


def strip_marks(text: str) -> str:
    """``text`` without any variation-selector run (and its marker): the one regex that defeats these marks."""
    return _ANY_MARK.sub("", text)
