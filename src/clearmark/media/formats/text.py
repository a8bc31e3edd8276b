"""Plain UTF-8 text: no metadata container exists, so only text extraction and the explicit notice line."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia, MediaTooLarge, UnsupportedFormat
from clearmark.media.format import NO_PROPERTIES, FormatSpec, Probe
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, check_media_size
from clearmark.media.metadata import LabelCarrier, Metadata
from clearmark.media.registry import register_format
from clearmark.media.source import Source
from clearmark.media.text import ExtractedText, NoticePosition, TextSegment, check_notice

BOM = "\ufeff"


@dataclass(frozen=True)
class DecodedText:
    """A text file split into its optional BOM, its body and its dominant line ending."""

    bom: str
    body: str
    newline: str

    def encode(self, body: str) -> bytes:
        """``body`` with this file's BOM, as UTF-8."""
        return (self.bom + body).encode("utf-8")


def decode_text(data: bytes, limits: MediaLimits, *, what: str = "text") -> DecodedText:
    """Strict UTF-8 decoding, BOM kept aside, dominant line ending detected.

    Raises:
        MediaTooLarge: more bytes than ``limits.max_bytes``.
        InvalidMedia: not UTF-8, or a NUL character in it.
    """
    check_media_size(data, limits)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidMedia(f"{what} is not valid UTF-8 at byte {exc.start}", reason="INVALID_TEXT_ENCODING") from None
    if "\x00" in text:
        raise InvalidMedia(f"{what} contains a NUL character at {text.index(chr(0))}", reason="INVALID_TEXT_ENCODING")
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom) :]
    crlf = body.count("\r\n")
    newline = "\r\n" if crlf and crlf * 2 >= body.count("\n") else "\n"
    return DecodedText(bom, body, newline)


def add_notice_lines(
    body: str, notice: str, positions: tuple[NoticePosition, ...], newline: str, *, head: int = 0, gap: bool = False
) -> str:
    """``body`` with ``notice`` as its own line at ``head`` (START) and at the end (END).

    ``gap`` puts a blank line between the notice and the text (Markdown paragraphs).
    """
    separator = newline * (2 if gap else 1)
    if NoticePosition.END in positions:
        tail = body.rstrip("\r\n")
        trailing = body[len(tail) :] or newline
        body = tail + (separator if tail[head:].strip() else "") + notice + trailing
    if NoticePosition.START in positions:
        body = body[:head] + notice + separator + body[head:]
    return body


_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D} | {0x7F}


def is_text(probe: Probe) -> bool:
    """UTF-8 without control characters in the first 4 KiB (a multi-byte sequence cut by the probe is fine)."""
    head = probe.head
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3 or probe.source.size <= len(head):
            return False
    return not any(byte in _CONTROL for byte in head)


@dataclass(frozen=True)
class TextWindow:
    """The decoded text a reader keeps: all of it, or its head and tail with the middle left out."""

    decoded: DecodedText
    tail: str = ""


def read_text_window(content: bytes | Source, limits: MediaLimits, *, what: str = "text") -> TextWindow:
    """Decode content whole when it fits ``max_text_chars``, else its head and tail, in bounded memory.

    Raises:
        MediaTooLarge: more bytes than ``max_stream_bytes``.
        InvalidMedia: the bytes read are not UTF-8, or hold a NUL.
    """
    source = Source.of(content)
    budget = limits.max_text_chars
    if source.size <= budget:
        return TextWindow(decode_text(source.read_bytes(budget), limits, what=what))
    check_stream_size(source, limits)
    half = budget // 2
    head = _utf8_prefix(source.head(half))
    tail = _utf8_suffix(source.tail(half))
    decoded = decode_text(head, limits, what=what)
    rest = decode_text(tail, limits, what=what)
    return TextWindow(decoded, rest.body)


def check_stream_size(source: Source, limits: MediaLimits) -> None:
    """Raise MediaTooLarge when content read in pieces is over ``max_stream_bytes``."""
    if source.size > limits.max_stream_bytes:
        raise MediaTooLarge(f"content of {source.size} bytes exceeds max_stream_bytes={limits.max_stream_bytes}")


def _utf8_prefix(data: bytes) -> bytes:
    """``data`` without a multi-byte sequence cut at its end."""
    for cut in range(min(3, len(data)), -1, -1):
        try:
            (data[: len(data) - cut] if cut else data).decode("utf-8")
            return data[: len(data) - cut] if cut else data
        except UnicodeDecodeError:
            continue
    return data


def _utf8_suffix(data: bytes) -> bytes:
    """``data`` from its first character start (continuation bytes of a cut sequence dropped)."""
    start = 0
    while start < min(4, len(data)) and data[start] & 0xC0 == 0x80:
        start += 1
    return data[start:]


def windowed_text(window: TextWindow, body: str, body_start: int, carrier: str) -> ExtractedText:
    """The extracted text of a window: ``body`` (from ``body_start`` of the source), then the tail if any."""
    if not window.tail:
        return ExtractedText(body, (TextSegment(0, len(body), source_start=body_start),), carrier)
    joined = body + "\n" + window.tail
    segments = (TextSegment(0, len(body), source_start=body_start), TextSegment(len(body) + 1, len(joined)))
    return ExtractedText(joined, segments, carrier, truncated=True)


class PlainTextContainer:
    """UTF-8 plain text: GB 45438 standardises no metadata place for it, so labels rest on the notice."""

    notice_supported = True

    def read_metadata(self, source: Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> Metadata:
        """Nothing: plain text has no metadata place (the head is still checked to be UTF-8)."""
        head = source.head(min(limits.max_metadata_bytes, limits.max_bytes))
        return Metadata(tuple(self.read_labels(_utf8_prefix(head), limits=limits)))

    def read_labels(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[LabelCarrier]:
        """No carriers; raises InvalidMedia when the bytes are not UTF-8 text."""
        decode_text(data, limits)
        return []

    def write_label(
        self,
        data: bytes,
        label_json: str,
        *,
        extra_properties: Mapping[tuple[str, str], str] = NO_PROPERTIES,
        target: LabelCarrier | None = None,
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> bytes:
        raise UnsupportedFormat(
            "plain text has no standard metadata container for the GB 45438 label; rely on the explicit notice",
            reason="NO_METADATA_CONTAINER",
        )

    def extract_text(self, source: bytes | Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> ExtractedText:
        window = read_text_window(source, limits)
        decoded = window.decoded
        return windowed_text(window, decoded.body, len(decoded.bom), "text:body")

    def insert_notice(
        self,
        data: bytes,
        notice: str,
        *,
        positions: Collection[NoticePosition] = (NoticePosition.START,),
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> bytes:
        chosen = check_notice(notice, positions)
        decoded = decode_text(data, limits)
        return decoded.encode(add_notice_lines(decoded.body, notice, chosen, decoded.newline))


PLAIN_TEXT = PlainTextContainer()

SPEC = register_format(
    FormatSpec(
        name="text",
        kind=MediaKind.TEXT,
        mime_types=("text/plain",),
        description="plain UTF-8 text",
        matches=is_text,
        precedence=0,  # the fallback: anything more specific is tried first
        container=PLAIN_TEXT,
        text=PLAIN_TEXT,
        streamable=True,
    )
)

UTF16_SPEC = register_format(
    FormatSpec(
        name="text-utf16",
        kind=MediaKind.TEXT,
        mime_types=("text/plain; charset=utf-16",),
        description="UTF-16 text (convert it to UTF-8)",
        matches=lambda probe: probe.starts_with(b"\xff\xfe", b"\xfe\xff"),
        precedence=95,  # before MP3, whose frame sync a UTF-16 BOM resembles
    )
)
