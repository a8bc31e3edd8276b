"""Plain UTF-8 text: no metadata container exists, so only text extraction and the explicit notice line."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from clearmark.core.errors import InvalidMedia, UnsupportedFormat
from clearmark.media.documents.container import (
    DocumentLabelCarrier,
    ExtractedText,
    NoticePosition,
    TextSegment,
    check_notice,
)
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, check_media_size

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


class PlainTextContainer:
    """UTF-8 plain text: GB 45438 standardises no metadata place for it, so labels rest on the notice."""

    name = "text"
    label_carrier: str | None = None
    notice_supported = True

    def read_labels(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[DocumentLabelCarrier]:
        decode_text(data, limits)
        return []

    def write_label(self, data: bytes, label_json: str, *, limits: MediaLimits = DEFAULT_LIMITS) -> bytes:
        raise UnsupportedFormat(
            "plain text has no standard metadata container for the GB 45438 label; rely on the explicit notice",
            reason="NO_METADATA_CONTAINER",
        )

    def extract_text(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> ExtractedText:
        decoded = decode_text(data, limits)
        body = decoded.body
        return ExtractedText(body, (TextSegment(0, len(body), source_start=len(decoded.bom)),), "text:body")

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
