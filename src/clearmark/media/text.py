"""Text as detectors read it: extracted text with where each piece came from, and notice positions."""

from __future__ import annotations

import bisect
import enum
import json
from collections.abc import Collection
from dataclasses import dataclass, field

from clearmark.core.errors import InvalidRequest
from clearmark.media.metadata import label_forms


class NoticePosition(enum.Enum):
    """Where an explicit text notice sits in a document (writers use START/END; readers also see MIDDLE)."""

    START = "start"
    END = "end"
    MIDDLE = "middle"


@dataclass(frozen=True)
class TextSegment:
    """A stretch of extracted text and where it came from.

    ``start``/``end`` index ``ExtractedText.text``; ``source_start`` is the character offset of
    ``start`` in the decoded source (text and Markdown only); ``page`` is 1-based (PDF page, PPTX
    slide); ``paragraph`` is 0-based in document order (DOCX ``w:p``, PPTX ``a:p``).
    """

    start: int
    end: int
    source_start: int | None = None
    page: int | None = None
    paragraph: int | None = None


@dataclass(frozen=True)
class ExtractedText:
    """The readable text of a document, segments in order, joined by newlines."""

    text: str
    segments: tuple[TextSegment, ...]
    carrier: str
    # True when the middle of content longer than the text budget was left out (head and tail kept).
    truncated: bool = False
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(segment.start for segment in self.segments))

    def segment_at(self, offset: int) -> TextSegment | None:
        """The segment holding ``offset`` of ``text``, or None (separators, out of range)."""
        index = bisect.bisect_right(self._starts, offset) - 1
        if index < 0:
            return None
        segment = self.segments[index]
        return segment if segment.start <= offset < max(segment.end, segment.start + 1) else None

    def source_offset(self, offset: int) -> int | None:
        """The character offset in the decoded source of ``offset`` (text and Markdown only)."""
        segment = self.segment_at(offset)
        if segment is None or segment.source_start is None:
            return None
        return segment.source_start + offset - segment.start


def bare_label_fields(label_json: str) -> dict[str, str]:
    """The bare label object of ``label_json`` (bare or wrapped) as an ordered dict of strings.

    Raises:
        InvalidRequest: not a plain-JSON label, or a value is not a string.
    """
    bare, _wrapped = label_forms(label_json)
    obj = json.loads(bare)
    if not isinstance(obj, dict) or not all(isinstance(v, str) for v in obj.values()):
        raise InvalidRequest("label_json must be one JSON object of string values", reason="INVALID_LABEL")
    return obj


def check_notice(notice: str, positions: Collection[NoticePosition]) -> tuple[NoticePosition, ...]:
    """Validate a notice and its positions; returns the positions in START, END order.

    Raises:
        InvalidRequest: empty notice, a line break or control character in it, or no/MIDDLE position.
    """
    if not notice.strip():
        raise InvalidRequest("notice text is empty", reason="INVALID_NOTICE")
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029" for ch in notice):
        raise InvalidRequest("notice text must be one line without control characters", reason="INVALID_NOTICE")
    chosen = tuple(p for p in (NoticePosition.START, NoticePosition.END) if p in positions)
    if not chosen or NoticePosition.MIDDLE in positions:
        raise InvalidRequest("notice positions must be START and/or END", reason="INVALID_NOTICE")
    return chosen
