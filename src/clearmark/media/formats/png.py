"""PNG container: chunks walked with bounds checks; XMP in iTXt, labels in AIGC text chunks and eXIf."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia, InvalidRequest, LabelConflict
from clearmark.core.signals import Location
from clearmark.media import exif
from clearmark.media.container import (
    ByteBudget,
    CarrierText,
    XmpPacketSpan,
    inflate_capped,
    read_uint,
    split_nul,
)
from clearmark.media.fields import TextField, exif_fields
from clearmark.media.format import C2paSupport, DecodedImage, FormatSpec, ImageHeader
from clearmark.media.image_codec import PillowCodec
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, check_media_size, enforce_limit
from clearmark.media.metadata import XmpLabels
from clearmark.media.registry import register_format

SIGNATURE = b"\x89PNG\r\n\x1a\n"
XMP_KEYWORD = b"XML:com.adobe.xmp"
LABEL_KEYWORD = b"AIGC"
XMP_CARRIER = "png:iTXt:XML:com.adobe.xmp"
_TEXT_TYPES = frozenset({b"tEXt", b"zTXt", b"iTXt"})
_METADATA_TYPES = _TEXT_TYPES | {b"eXIf"}
_MAX_CHUNK_LENGTH = 2**31 - 1


@dataclass(frozen=True)
class Chunk:
    """One chunk: ``offset``/``length`` cover length field, type, data and CRC."""

    type: bytes
    offset: int
    length: int
    crc_ok: bool

    def body(self, data: bytes) -> bytes:
        """The chunk data, without length, type or CRC."""
        return data[self.offset + 8 : self.offset + self.length - 4]

    @property
    def notes(self) -> tuple[str, ...]:
        """Defects a reader tolerates but reports."""
        return () if self.crc_ok else ("crc-mismatch",)


@dataclass(frozen=True)
class TextChunk:
    """A decoded tEXt/zTXt/iTXt chunk."""

    keyword: bytes
    text: bytes
    compressed: bool
    language: bytes = b""
    translated: bytes = b""


def parse_chunks(data: bytes, limits: MediaLimits = DEFAULT_LIMITS, *, check_image_crc: bool = True) -> list[Chunk]:
    """Every chunk from IHDR to IEND; CRC mismatches are noted, not fatal.

    With ``check_image_crc=False`` only metadata chunks (text, eXIf) and IHDR have their CRC
    computed; the others report ``crc_ok=True`` unchecked (a scan for metadata need not hash IDAT).

    Raises:
        InvalidMedia: bad signature, IHDR not first, a length past the end, no IEND.
        MediaTooLarge: more than ``max_chunks`` chunks or too much metadata.
    """
    check_media_size(data, limits)
    if not data.startswith(SIGNATURE):
        raise InvalidMedia("PNG does not start with the PNG signature")
    chunks: list[Chunk] = []
    budget = ByteBudget("max_metadata_bytes", limits.max_metadata_bytes)
    pos = len(SIGNATURE)
    while not chunks or chunks[-1].type != b"IEND":
        enforce_limit("max_chunks", len(chunks) + 1, limits.max_chunks, what="PNG chunk count")
        if pos + 8 > len(data):
            raise InvalidMedia("PNG ends before its IEND chunk")
        length = read_uint(data, pos, 4, what="PNG chunk length")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if length > _MAX_CHUNK_LENGTH or end > len(data):
            raise InvalidMedia(f"PNG chunk {kind!r} at byte {pos} declares {length} bytes past the end")
        if not kind.isalpha():
            raise InvalidMedia(f"PNG chunk at byte {pos} has an invalid type {kind!r}")
        if not chunks and kind != b"IHDR":
            raise InvalidMedia("PNG does not start with an IHDR chunk")
        if kind in _METADATA_TYPES:
            budget.spend(length, "PNG text and eXIf chunks")
        if check_image_crc or kind in _METADATA_TYPES or kind == b"IHDR":
            crc_ok = zlib.crc32(data[pos + 4 : end - 4]) == int.from_bytes(data[end - 4 : end], "big")
        else:
            crc_ok = True
        chunks.append(Chunk(kind, pos, end - pos, crc_ok))
        pos = end
    return chunks


def decode_text_chunk(chunk: Chunk, data: bytes, limits: MediaLimits, budget: ByteBudget) -> TextChunk:
    """Split a text chunk into keyword and text, inflating (with the cap) when compressed."""
    body = chunk.body(data)
    what = f"PNG {chunk.type.decode()} chunk at byte {chunk.offset}"
    keyword, pos = split_nul(body, 0, what=what)
    if chunk.type == b"tEXt":
        return TextChunk(keyword, body[pos:], compressed=False)
    if chunk.type == b"zTXt":
        return TextChunk(keyword, inflate_capped(body[pos + 1 :], limits, budget, what), compressed=True)
    flag = read_uint(body, pos, 1, what=what)
    language, pos = split_nul(body, pos + 2, what=what)
    translated, pos = split_nul(body, pos, what=what)
    text = inflate_capped(body[pos:], limits, budget, what) if flag else body[pos:]
    return TextChunk(keyword, text, bool(flag), language, translated)


def encode_text_chunk(kind: bytes, text_chunk: TextChunk) -> bytes:
    """A complete chunk (length, type, data, CRC) for a text chunk."""
    text = zlib.compress(text_chunk.text, 9) if text_chunk.compressed else text_chunk.text
    if kind == b"tEXt":
        body = text_chunk.keyword + b"\x00" + text
    elif kind == b"zTXt":
        body = text_chunk.keyword + b"\x00\x00" + text
    else:
        body = (
            text_chunk.keyword
            + b"\x00"
            + bytes((int(text_chunk.compressed), 0))
            + text_chunk.language
            + b"\x00"
            + text_chunk.translated
            + b"\x00"
            + text
        )
    return make_chunk(kind, body)


def make_chunk(kind: bytes, body: bytes) -> bytes:
    """Length + type + body + CRC."""
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def _text_chunks(
    data: bytes, chunks: list[Chunk], limits: MediaLimits, keyword: bytes
) -> list[tuple[Chunk, TextChunk, tuple[str, ...]]]:
    """Text chunks named ``keyword``, with notes; a malformed one is kept with empty text and a note."""
    budget = ByteBudget("max_metadata_bytes", limits.max_metadata_bytes)
    found = []
    for chunk in chunks:
        if chunk.type in _TEXT_TYPES and chunk.body(data).startswith(keyword + b"\x00"):
            try:
                found.append((chunk, decode_text_chunk(chunk, data, limits, budget), chunk.notes))
            except InvalidMedia as exc:
                found.append((chunk, TextChunk(keyword, b"", False), (*chunk.notes, f"malformed: {exc.message}")))
    return found


def _xmp_spans(data: bytes, chunks: list[Chunk], limits: MediaLimits) -> list[XmpPacketSpan]:
    return [
        XmpPacketSpan(XMP_CARRIER, chunk.offset, chunk.length, text.text, notes=notes)
        for chunk, text, notes in _text_chunks(data, chunks, limits, XMP_KEYWORD)
        if chunk.type == b"iTXt"
    ]


@dataclass(frozen=True)
class PngText:
    """One tEXt/zTXt/iTXt chunk, decoded: keyword and text as strings, where it lies, what was odd.

    ``offset``/``length`` cover the whole chunk; ``after_idat`` is True for chunks written after the
    image data (readers that stop at IDAT miss them). tEXt/zTXt are Latin-1, iTXt UTF-8.
    """

    chunk_type: str
    keyword: str
    text: str
    offset: int
    length: int
    after_idat: bool
    notes: tuple[str, ...] = ()

    @property
    def carrier(self) -> str:
        """``png:<type>:<keyword>``, the carrier name signals use."""
        return f"png:{self.chunk_type}:{self.keyword}"


def read_text_chunks(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> list[PngText]:
    """Every text chunk of the file in order, wherever it lies (before or after IDAT).

    A chunk that cannot be decoded is kept with empty text and a ``malformed: …`` note.

    Raises:
        InvalidMedia: the chunk structure itself is broken.
        MediaTooLarge: too many chunks, too much metadata, or a text that inflates past the cap.
    """
    chunks = parse_chunks(data, limits, check_image_crc=False)
    budget = ByteBudget("max_metadata_bytes", limits.max_metadata_bytes)
    found: list[PngText] = []
    seen_idat = False
    for chunk in chunks:
        seen_idat = seen_idat or chunk.type == b"IDAT"
        if chunk.type not in _TEXT_TYPES:
            continue
        kind = chunk.type.decode()
        try:
            decoded = decode_text_chunk(chunk, data, limits, budget)
        except InvalidMedia as exc:
            keyword = chunk.body(data).split(b"\x00", 1)[0][:79].decode("latin-1")
            notes = (*chunk.notes, f"malformed: {exc.message}")
            found.append(PngText(kind, keyword, "", chunk.offset, chunk.length, seen_idat, notes))
            continue
        text, text_notes = decode_chunk_text(chunk.type, decoded.text)
        found.append(
            PngText(
                kind,
                decoded.keyword.decode("latin-1"),
                text,
                chunk.offset,
                chunk.length,
                seen_idat,
                (*chunk.notes, *text_notes),
            )
        )
    return found


def decode_chunk_text(kind: bytes, raw: bytes) -> tuple[str, tuple[str, ...]]:
    """The text of a tEXt/zTXt/iTXt chunk: UTF-8 first, since most writers put UTF-8 into tEXt/zTXt too.

    The PNG specification says Latin-1 for tEXt and zTXt, but decoding Chinese UTF-8 bytes as
    Latin-1 garbles every character; UTF-8 that decodes cleanly is taken as UTF-8 and noted.
    """
    if kind == b"iTXt":
        return raw.decode("utf-8", errors="replace"), ()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1"), ()
    return text, (() if text.isascii() else ("utf8-in-latin1-chunk",))


def read_exif_blocks(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> list[exif.ExifBlock]:
    """The TIFF data of every eXIf chunk (an ``Exif\\0\\0`` prefix, which some writers add, is skipped)."""
    blocks = []
    for chunk in parse_chunks(data, limits, check_image_crc=False):
        if chunk.type == b"eXIf":
            prefix, tiff = exif.split_exif_prefix(chunk.body(data))
            blocks.append(exif.ExifBlock("png:eXIf", chunk.offset + 8 + len(prefix), tiff))
    return blocks


class PngContainer:
    """Reads and writes the metadata chunks of a PNG file."""

    name = "png"

    def read_header(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> ImageHeader:
        """Dimensions from IHDR (PNG is always lossless)."""
        ihdr = parse_chunks(data, limits, check_image_crc=False)[0]
        body = ihdr.body(data)
        if len(body) != 13:
            raise InvalidMedia(f"PNG IHDR has {len(body)} bytes instead of 13")
        width, height = read_uint(body, 0, 4), read_uint(body, 4, 4)
        if width == 0 or height == 0:
            raise InvalidMedia(f"PNG IHDR declares {width}x{height} pixels")
        return ImageHeader(width, height, lossless=True)

    def read_xmp_packets(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[XmpPacketSpan]:
        """iTXt ``XML:com.adobe.xmp`` packets (compressed ones inflated with the cap)."""
        return _xmp_spans(data, parse_chunks(data, limits, check_image_crc=False), limits)

    def read_text_carriers(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[CarrierText]:
        """tEXt/zTXt/iTXt chunks with keyword ``AIGC`` and an eXIf UserComment holding a label."""
        chunks = parse_chunks(data, limits, check_image_crc=False)
        carriers = []
        for chunk, text, notes in _text_chunks(data, chunks, limits, LABEL_KEYWORD):
            decoded, text_notes = decode_chunk_text(chunk.type, text.text)
            carriers.append(
                CarrierText(
                    f"png:{chunk.type.decode()}:AIGC",
                    chunk.offset,
                    chunk.length,
                    decoded,
                    wrapped_form=exif.label_is_wrapped(decoded),
                    notes=(*notes, *text_notes),
                )
            )
        for chunk in chunks:
            if chunk.type == b"eXIf" and (comment := exif.read_label_comment(chunk.body(data))):
                carriers.append(
                    CarrierText(
                        "png:eXIf:UserComment",
                        chunk.offset,
                        chunk.length,
                        comment.text,
                        wrapped_form=exif.label_is_wrapped(comment.text),
                        notes=chunk.notes,
                    )
                )
        return sorted(carriers, key=lambda carrier: carrier.offset)

    def write_xmp(self, data: bytes, packet: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> bytes:
        """Replace the one XMP iTXt chunk, or insert an uncompressed one right after IHDR.

        Raises:
            LabelConflict: the file holds more than one XMP iTXt chunk.
        """
        chunk = make_chunk(b"iTXt", XMP_KEYWORD + b"\x00\x00\x00\x00\x00" + packet)
        chunks = parse_chunks(data, limits)
        existing = _xmp_spans(data, chunks, limits)
        if len(existing) > 1:
            raise LabelConflict(f"PNG holds {len(existing)} XMP iTXt chunks; which to update is ambiguous")
        if existing:
            span = existing[0]
            return data[: span.offset] + chunk + data[span.offset + span.length :]
        ihdr = chunks[0]
        at = ihdr.offset + ihdr.length
        return data[:at] + chunk + data[at:]

    def write_text_carrier(
        self, data: bytes, carrier: CarrierText, new_text: str, *, limits: MediaLimits = DEFAULT_LIMITS
    ) -> bytes:
        """Rewrite the carrier chunk at ``carrier.offset`` with a fresh CRC, keeping its type and flags."""
        chunk = next((c for c in parse_chunks(data, limits) if c.offset == carrier.offset), None)
        kind = carrier.carrier.split(":")[1].encode() if carrier.carrier.count(":") == 2 else b""
        if chunk is None or chunk.type != kind:
            raise InvalidRequest(f"no {carrier.carrier} carrier at byte {carrier.offset} of this PNG")
        if kind == b"eXIf":
            replacement = make_chunk(kind, exif.rewrite_user_comment(chunk.body(data), new_text))
        else:
            budget = ByteBudget("max_metadata_bytes", limits.max_metadata_bytes)
            old = decode_text_chunk(chunk, data, limits, budget)
            if old.keyword != LABEL_KEYWORD:
                raise InvalidRequest(f"PNG chunk at byte {carrier.offset} is not an AIGC text chunk")
            _, text_notes = decode_chunk_text(kind, old.text)
            try:
                # Keep the producer's encoding: UTF-8 where it wrote UTF-8 into tEXt/zTXt.
                text = new_text.encode("utf-8" if kind == b"iTXt" or text_notes else "latin-1")
            except UnicodeEncodeError:
                raise InvalidRequest(f"label text cannot be written to a PNG {kind.decode()} chunk") from None
            replacement = encode_text_chunk(
                kind, TextChunk(old.keyword, text, old.compressed, old.language, old.translated)
            )
        return data[: chunk.offset] + replacement + data[chunk.offset + chunk.length :]


PNG = PngContainer()


def png_fields(data: bytes, limits: MediaLimits) -> Iterator[TextField]:
    """Every PNG text chunk (keyword as the field name) and the eXIf chunk's text fields."""
    for chunk in read_text_chunks(data, limits):
        yield TextField(
            f"png:{chunk.keyword}",
            chunk.text,
            Location(carrier=chunk.carrier, byte_offset=chunk.offset, byte_length=chunk.length),
            (
                ("keyword", chunk.keyword),
                ("chunk_type", chunk.chunk_type),
                ("after_idat", str(chunk.after_idat).lower()),
                *((("notes", ";".join(chunk.notes)),) if chunk.notes else ()),
            ),
        )
    yield from exif_fields(read_exif_blocks(data, limits))


def _encode_options(like: DecodedImage, jpeg_quality: int, webp_quality: int) -> dict[str, Any]:
    return {"optimize": False, "compress_level": 6, "exif": like.exif or b""}


SPEC = register_format(
    FormatSpec(
        name="png",
        kind=MediaKind.IMAGE,
        mime_types=("image/png", "image/apng"),
        description="PNG image",
        matches=lambda probe: probe.starts_with(SIGNATURE),
        container=XmpLabels(PNG),
        label_carrier=XMP_CARRIER,
        pixels=PillowCodec("png", "PNG", PNG.read_header, _encode_options, animatable=True),
        c2pa=C2paSupport("png:caBX"),
        fields=png_fields,
    )
)
