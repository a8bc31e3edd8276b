"""TIFF container: the IFD chain walked with loop and bounds checks; XMP in IFD0 tag 700, labels in EXIF UserComment.

Writing never moves existing data: a new or longer XMP packet is appended at the end of the file
(TIFF offsets are absolute) and, when IFD0 has no XMP entry yet, a copy of IFD0 with the entry added
is appended and the header pointed at it. Pages (further IFDs) are decoded and re-encoded whole.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from PIL import Image

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia, InvalidRequest, MediaTooLarge
from clearmark.media import exif
from clearmark.media.container import ByteBudget, CarrierText, XmpPacketSpan, read_uint
from clearmark.media.fields import TextField, exif_fields
from clearmark.media.format import C2paSupport, DecodedImage, FormatSpec, ImageHeader
from clearmark.media.image_codec import PillowCodec
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, check_media_size, enforce_limit
from clearmark.media.metadata import XmpLabels
from clearmark.media.registry import register_format

XMP_TAG = 700
XMP_CARRIER = "tiff:ifd0:XMP"
USER_COMMENT_CARRIER = "tiff:exif:UserComment"
_WIDTH, _HEIGHT, _COMPRESSION = 256, 257, 259
_LOSSY_COMPRESSIONS = frozenset({6, 7, 34712, 34892, 50001})  # old/new JPEG, JPEG 2000, lossy JPEG, WebP
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_UNDEFINED = 7
_MAX_OFFSET = 0xFFFFFFFF
# IFD0 tags that describe the content (ImageDescription, Make, Model, Software, DateTime, Artist,
# HostComputer, Copyright): a re-encode keeps them. The Exif sub-IFD is not kept.
DESCRIPTIVE_TAGS = frozenset({0x010E, 0x010F, 0x0110, 0x0131, 0x0132, 0x013B, 0x013C, 0x8298})
_PILLOW_EXIF_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, struct.error)


@dataclass(frozen=True)
class Entry:
    """One IFD entry; ``offset`` is where its 12 bytes start, ``value_offset`` where its value lies."""

    tag: int
    type: int
    count: int
    offset: int
    value_offset: int

    @property
    def size(self) -> int:
        """The byte size of the value."""
        return self.count * _TYPE_SIZES.get(self.type, 1)


@dataclass(frozen=True)
class Ifd:
    """One image file directory: where it lies, its entries and the offset of the next one (0: none)."""

    offset: int
    entries: tuple[Entry, ...]
    next_offset: int

    def get(self, tag: int) -> Entry | None:
        """The entry of ``tag``, or None."""
        return next((entry for entry in self.entries if entry.tag == tag), None)


@dataclass(frozen=True)
class Layout:
    """A classic TIFF's byte order and its IFD chain (one IFD per page)."""

    big_endian: bool
    ifds: tuple[Ifd, ...]


def _byte_order(data: bytes) -> bool:
    if data[:4] == b"MM\x00*":
        return True
    if data[:4] == b"II*\x00":
        return False
    raise InvalidMedia("TIFF does not start with a classic II*/MM* header (BigTIFF is not supported)")


def _read_ifd(data: bytes, offset: int, big: bool) -> Ifd:
    if offset < 8 or offset % 2:
        raise InvalidMedia(f"TIFF IFD offset {offset} is not a valid word-aligned position after the header")
    count = read_uint(data, offset, 2, big_endian=big, what="TIFF IFD entry count")
    end = offset + 2 + 12 * count
    if count == 0 or end + 4 > len(data):
        raise InvalidMedia(f"TIFF IFD at byte {offset} declares {count} entries past the end of the file")
    entries = []
    for index in range(count):
        at = offset + 2 + 12 * index
        tag = read_uint(data, at, 2, big_endian=big)
        kind = read_uint(data, at + 2, 2, big_endian=big)
        value_count = read_uint(data, at + 4, 4, big_endian=big)
        size = value_count * _TYPE_SIZES.get(kind, 1)
        value_offset = at + 8 if size <= 4 else read_uint(data, at + 8, 4, big_endian=big)
        entries.append(Entry(tag, kind, value_count, at, value_offset))
    return Ifd(offset, tuple(entries), read_uint(data, end, 4, big_endian=big, what="TIFF next-IFD offset"))


def parse_layout(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> Layout:
    """The byte order and every IFD of the chain, in order.

    Raises:
        InvalidMedia: no classic TIFF header, an IFD past the end, an IFD chain that loops.
        MediaTooLarge: more than ``max_chunks`` IFDs.
    """
    check_media_size(data, limits)
    if len(data) < 8:
        raise InvalidMedia("TIFF is shorter than its 8-byte header")
    big = _byte_order(data)
    offset = read_uint(data, 4, 4, big_endian=big, what="TIFF IFD0 offset")
    ifds: list[Ifd] = []
    seen: set[int] = set()
    while offset:
        if offset in seen:
            raise InvalidMedia(f"TIFF IFD chain loops back to byte {offset}")
        seen.add(offset)
        enforce_limit("max_chunks", len(ifds) + 1, limits.max_chunks, what="TIFF IFD count")
        ifd = _read_ifd(data, offset, big)
        ifds.append(ifd)
        offset = ifd.next_offset
    if not ifds:
        raise InvalidMedia("TIFF has no IFD")
    return Layout(big, tuple(ifds))


def _value(data: bytes, entry: Entry, what: str) -> bytes:
    if entry.value_offset + entry.size > len(data):
        raise InvalidMedia(f"TIFF {what} of {entry.size} bytes at byte {entry.value_offset} runs past the end")
    return data[entry.value_offset : entry.value_offset + entry.size]


def _number(data: bytes, entry: Entry | None, big: bool, what: str) -> int:
    if entry is None or entry.type not in (3, 4) or entry.count != 1:
        raise InvalidMedia(f"TIFF IFD0 lacks a single SHORT or LONG {what}")
    return int.from_bytes(_value(data, entry, what)[: _TYPE_SIZES[entry.type]], "big" if big else "little")


def _xmp_spans(data: bytes, layout: Layout, limits: MediaLimits) -> list[XmpPacketSpan]:
    entry = layout.ifds[0].get(XMP_TAG)
    if entry is None:
        return []
    ByteBudget("max_metadata_bytes", limits.max_metadata_bytes).spend(entry.size, "TIFF XMP tag")
    packet = _value(data, entry, "XMP tag")
    return [XmpPacketSpan(XMP_CARRIER, entry.value_offset, entry.size, packet)]


def _pad(data: bytes) -> bytes:
    return data + b"\x00" if len(data) % 2 else data


class TiffContainer:
    """Reads and writes the XMP and EXIF label carriers of a classic TIFF file."""

    name = "tiff"

    def read_header(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> ImageHeader:
        """Dimensions and compression of the first page (IFD0)."""
        layout = parse_layout(data, limits)
        ifd0, big = layout.ifds[0], layout.big_endian
        width = _number(data, ifd0.get(_WIDTH), big, "ImageWidth")
        height = _number(data, ifd0.get(_HEIGHT), big, "ImageLength")
        if width == 0 or height == 0:
            raise InvalidMedia(f"TIFF IFD0 declares {width}x{height} pixels")
        compression_entry = ifd0.get(_COMPRESSION)
        compression = 1 if compression_entry is None else _number(data, compression_entry, big, "Compression")
        return ImageHeader(width, height, lossless=compression not in _LOSSY_COMPRESSIONS)

    def read_xmp_packets(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[XmpPacketSpan]:
        """The XMP packet of IFD0's tag 700 (the one TIFF defines; other pages' XMP is not the file's)."""
        return _xmp_spans(data, parse_layout(data, limits), limits)

    def read_text_carriers(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[CarrierText]:
        """The EXIF UserComment of IFD0's Exif sub-IFD when it holds a wrapped label."""
        parse_layout(data, limits)
        comment = exif.read_label_comment(data)
        if comment is None:
            return []
        return [CarrierText(USER_COMMENT_CARRIER, comment.value_offset, comment.count, comment.text, True)]

    def write_xmp(self, data: bytes, packet: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> bytes:
        """IFD0's XMP replaced in place when the packet fits, else appended and its entry re-pointed.

        The bytes of a replaced packet are zeroed, so no stale label survives in the file.

        Raises:
            MediaTooLarge: the file would grow past 4 GiB (classic TIFF offsets are 32-bit).
        """
        layout = parse_layout(data, limits)
        big = layout.big_endian
        order = "big" if big else "little"
        entry = layout.ifds[0].get(XMP_TAG)
        out = bytearray(data)
        if entry is not None:
            _value(data, entry, "XMP tag")
            if entry.size > 4:
                out[entry.value_offset : entry.value_offset + entry.size] = bytes(entry.size)
            if len(packet) <= entry.size and entry.size > 4:
                at = entry.value_offset
                out[at : at + len(packet)] = packet
            else:
                out = bytearray(_pad(bytes(out)))
                at = len(out)
                out += packet
            out[entry.offset + 2 : entry.offset + 12] = (
                _UNDEFINED.to_bytes(2, order) + len(packet).to_bytes(4, order) + at.to_bytes(4, order)
            )
            return self._checked(bytes(out))
        out = bytearray(_pad(bytes(out)))
        packet_at = len(out)
        out += _pad(packet)
        new_entry = XMP_TAG.to_bytes(2, order) + _UNDEFINED.to_bytes(2, order)
        new_entry += len(packet).to_bytes(4, order) + packet_at.to_bytes(4, order)
        ifd0 = layout.ifds[0]
        raw_entries = [bytes(data[e.offset : e.offset + 12]) for e in ifd0.entries]
        position = sum(1 for e in ifd0.entries if e.tag < XMP_TAG)
        raw_entries.insert(position, new_entry)
        ifd_at = len(out)
        out += len(raw_entries).to_bytes(2, order) + b"".join(raw_entries) + ifd0.next_offset.to_bytes(4, order)
        out[4:8] = ifd_at.to_bytes(4, order)
        return self._checked(bytes(out))

    @staticmethod
    def _checked(data: bytes) -> bytes:
        if len(data) > _MAX_OFFSET:
            raise MediaTooLarge("TIFF would grow past the 4 GiB a classic TIFF can address")
        return data

    def write_text_carrier(
        self, data: bytes, carrier: CarrierText, new_text: str, *, limits: MediaLimits = DEFAULT_LIMITS
    ) -> bytes:
        """Rewrite the EXIF UserComment at ``carrier.offset``; every other tag is kept."""
        parse_layout(data, limits)
        comment = exif.read_label_comment(data)
        if carrier.carrier != USER_COMMENT_CARRIER or comment is None or comment.value_offset != carrier.offset:
            raise InvalidRequest(f"no {carrier.carrier} carrier at byte {carrier.offset} of this TIFF")
        return self._checked(exif.rewrite_user_comment(data, new_text))


TIFF = TiffContainer()


def _fields(data: bytes, limits: MediaLimits) -> Iterator[TextField]:
    """IFD0 and Exif sub-IFD text fields: a TIFF file is one EXIF block."""
    parse_layout(data, limits)
    return exif_fields([exif.ExifBlock("tiff", 0, data)])


def page_count(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> int:
    """The leading IFDs that describe an image (c2pa-python appends a manifest-only IFD to multi-page files)."""
    count = 0
    for ifd in parse_layout(data, limits).ifds:
        if ifd.get(_WIDTH) is None or ifd.get(_HEIGHT) is None:
            break
        count += 1
    return count


def descriptive_exif(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> bytes | None:
    """IFD0's descriptive tags (``DESCRIPTIVE_TAGS``) as an EXIF block, for a re-encode to keep; None if none."""
    parse_layout(data, limits)
    tags = Image.Exif()
    try:
        tags.load(data)
    except _PILLOW_EXIF_ERRORS:
        return None
    kept = Image.Exif()
    for tag in DESCRIPTIVE_TAGS & set(tags):
        kept[tag] = tags[tag]
    return exif.split_exif_prefix(kept.tobytes())[1] if len(kept) else None


def _encode_options(like: DecodedImage, jpeg_quality: int, webp_quality: int) -> dict[str, Any]:
    """Deflate (lossless); IFD0's descriptive tags kept. libtiff writes no Exif sub-IFD from Pillow."""
    tags = Image.Exif()
    if like.exif:
        try:
            tags.load(like.exif)
        except _PILLOW_EXIF_ERRORS:
            pass
    return {"compression": "tiff_adobe_deflate", "tiffinfo": {tag: tags[tag] for tag in DESCRIPTIVE_TAGS & set(tags)}}


SPEC = register_format(
    FormatSpec(
        name="tiff",
        kind=MediaKind.IMAGE,
        mime_types=("image/tiff", "image/tif"),
        description="TIFF image",
        matches=lambda probe: probe.starts_with(b"II*\x00", b"MM\x00*"),
        container=XmpLabels(TIFF),
        label_carrier=XMP_CARRIER,
        pixels=PillowCodec(
            "tiff",
            "TIFF",
            TIFF.read_header,
            _encode_options,
            frames=True,
            frame_count=page_count,
            exif_reader=descriptive_exif,
        ),
        c2pa=C2paSupport("tiff:tag-52545"),
        fields=_fields,
    )
)
