"""The contract every text/document container implements (plain text, Markdown, PDF, OOXML) and its records."""

from __future__ import annotations

import bisect
import enum
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Protocol

from clearmark.core.aigc import ParsedLabel
from clearmark.core.errors import InvalidRequest
from clearmark.core.signals import Location
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits
from clearmark.media.metadata import label_forms


class NoticePosition(enum.Enum):
    """Where an explicit text notice sits in a document (writers use START/END; readers also see MIDDLE)."""

    START = "start"
    END = "end"
    MIDDLE = "middle"


@dataclass(frozen=True)
class DocumentLabelCarrier:
    """One place a GB 45438 label was found in a document; duck-compatible with ``media.LabelCarrier``.

    ``standard`` is True for the format's standard carrier (front matter ``AIGC:``, Info ``/AIGC``,
    custom property ``AIGC``); compat places (XMP in a PDF, a JSON string in front matter, a
    differently cased key) are read and reported, never written. ``notes`` are short codes of the
    producer mistakes seen, e.g. ``front-matter-json-string``, ``duplicate-key``, ``not-lpwstr``.
    """

    carrier: str
    location: Location
    raw_text: str
    parsed: ParsedLabel | None
    standard: bool = True
    notes: tuple[str, ...] = ()
    # Always None for documents; present so code written for image carriers keeps working.
    packet: None = None
    text_carrier: None = None


@dataclass(frozen=True)
class DocumentMetadata:
    """What a document's metadata says; the same attribute names as ``media.ImageMetadata``."""

    label_carriers: tuple[DocumentLabelCarrier, ...]
    xmp_packets: tuple[()] = ()
    digital_source_types: tuple[str, ...] = ()
    clearmark_notice: str | None = None


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


class DocumentContainer(Protocol):
    """Reader/writer of one text or document format; every method is pure ``bytes -> value``.

    Every method raises only ``ClearMarkError`` subclasses on hostile input: ``InvalidMedia``
    (malformed, hostile XML as reason ``HOSTILE_XML``), ``MediaTooLarge`` (a limit or a
    decompression bomb) or ``UnsupportedFormat`` (encrypted, or an operation the format lacks).
    """

    name: str
    label_carrier: str | None  # the standard carrier's name; None: the format has no metadata place
    notice_supported: bool

    def read_labels(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[DocumentLabelCarrier]:
        """Every label carrier (standard and compat) in document order; empty when there is none."""
        ...

    def write_label(self, data: bytes, label_json: str, *, limits: MediaLimits = DEFAULT_LIMITS) -> bytes:
        """The document with its one standard carrier set to ``label_json`` (added, or updated in place).

        Raises:
            InvalidRequest: ``label_json`` is not a label.
            LabelConflict: the document already holds 2+ standard carriers.
            UnsupportedFormat: the format has no metadata place (plain text).
        """
        ...

    def extract_text(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> ExtractedText:
        """The readable text, with where each segment came from."""
        ...

    def insert_notice(
        self,
        data: bytes,
        notice: str,
        *,
        positions: Collection[NoticePosition] = (NoticePosition.START,),
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> bytes:
        """The document with a visible notice line added at each of ``positions`` (START and/or END)."""
        ...


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
