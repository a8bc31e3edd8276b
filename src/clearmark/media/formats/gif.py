"""GIF container: blocks walked with bounds checks; XMP in the ``XMP DataXMP`` application extension.

The XMP packet sits raw after the extension's identifier and is closed by the 258-byte "magic
trailer" (0x01, 0xFF … 0x00, then the block terminator), so readers that walk sub-blocks skip it.
GIF has no EXIF, so there is no compat label carrier. Animations are decoded and re-encoded whole,
every frame with its duration and the loop count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia, InvalidRequest, LabelConflict
from clearmark.media.container import ByteBudget, CarrierText, XmpPacketSpan, read_uint
from clearmark.media.format import C2paSupport, DecodedImage, FormatSpec, ImageHeader
from clearmark.media.image_codec import PillowCodec
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, check_media_size, enforce_limit
from clearmark.media.metadata import XmpLabels
from clearmark.media.registry import register_format

XMP_CARRIER = "gif:app-XMP"
XMP_APPLICATION = b"XMP DataXMP"
MAGIC_TRAILER = bytes([1, *range(255, -1, -1)])  # 257 bytes; the block terminator follows
_EXTENSION, _IMAGE, _TRAILER = 0x21, 0x2C, 0x3B
_APPLICATION = 0xFF


@dataclass(frozen=True)
class Block:
    """One top-level block; ``offset``/``length`` cover it whole (introducer to block terminator)."""

    kind: int  # 0x21 extension, 0x2C image, 0x3B trailer
    label: int  # the extension label (0xFF application, 0xF9 graphic control…); 0 for images
    offset: int
    length: int
    application: bytes = b""  # an application extension's 11-byte identifier
    data_offset: int = 0  # where the data after the identifier starts (application extensions)


@dataclass(frozen=True)
class Layout:
    """The logical screen and the blocks up to and including the trailer."""

    width: int
    height: int
    blocks: tuple[Block, ...]
    first_block: int  # the offset just after the header, screen descriptor and global colour table


def _sub_blocks_end(data: bytes, pos: int, what: str) -> int:
    """The offset just after the zero-length terminator of the sub-blocks starting at ``pos``."""
    while True:
        size = read_uint(data, pos, 1, what=f"{what} sub-block size")
        pos += 1 + size
        if size == 0:
            return pos
        if pos > len(data):
            raise InvalidMedia(f"GIF {what} runs past the end of the file")


def parse_layout(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> Layout:
    """Every block from the first after the global colour table to the trailer.

    Raises:
        InvalidMedia: no GIF header, a block past the end, an unknown block, no trailer.
        MediaTooLarge: more than ``max_chunks`` blocks.
    """
    check_media_size(data, limits)
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise InvalidMedia("GIF does not start with a GIF87a/GIF89a header")
    width = read_uint(data, 6, 2, big_endian=False, what="GIF screen width")
    height = read_uint(data, 8, 2, big_endian=False, what="GIF screen height")
    packed = read_uint(data, 10, 1, what="GIF screen descriptor")
    pos = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
    first = pos
    blocks: list[Block] = []
    while True:
        enforce_limit("max_chunks", len(blocks) + 1, limits.max_chunks, what="GIF block count")
        kind = read_uint(data, pos, 1, what="GIF block introducer")
        if kind == _TRAILER:
            blocks.append(Block(kind, 0, pos, 1))
            return Layout(width, height, tuple(blocks), first)
        if kind == _EXTENSION:
            label = read_uint(data, pos + 1, 1, what="GIF extension label")
            application, data_offset = b"", 0
            if label == _APPLICATION:
                if read_uint(data, pos + 2, 1, what="GIF application block size") != 11:
                    raise InvalidMedia(f"GIF application extension at byte {pos} lacks its 11-byte identifier")
                application, data_offset = data[pos + 3 : pos + 14], pos + 14
                end = _sub_blocks_end(data, data_offset, "application extension")
            else:
                end = _sub_blocks_end(data, pos + 2, "extension")
            blocks.append(Block(kind, label, pos, end - pos, application, data_offset))
        elif kind == _IMAGE:
            image_packed = read_uint(data, pos + 9, 1, what="GIF image descriptor")
            table = 3 << ((image_packed & 7) + 1) if image_packed & 0x80 else 0
            lzw = pos + 10 + table
            read_uint(data, lzw, 1, what="GIF LZW code size")
            end = _sub_blocks_end(data, lzw + 1, "image data")
            blocks.append(Block(kind, 0, pos, end - pos))
        else:
            raise InvalidMedia(f"GIF has an unknown block introducer 0x{kind:02X} at byte {pos}")
        pos = end


def _xmp_spans(data: bytes, layout: Layout, limits: MediaLimits) -> list[XmpPacketSpan]:
    budget = ByteBudget("max_metadata_bytes", limits.max_metadata_bytes)
    spans = []
    for block in layout.blocks:
        if block.application != XMP_APPLICATION:
            continue
        region = data[block.data_offset : block.offset + block.length - 1]
        budget.spend(len(region), "GIF XMP extensions")
        if region.endswith(MAGIC_TRAILER):
            spans.append(XmpPacketSpan(XMP_CARRIER, block.offset, block.length, region[: -len(MAGIC_TRAILER)]))
        else:
            spans.append(XmpPacketSpan(XMP_CARRIER, block.offset, block.length, region, notes=("no-magic-trailer",)))
    return spans


def xmp_extension(packet: bytes) -> bytes:
    """A complete ``XMP DataXMP`` application extension holding ``packet``."""
    if b"\x00" in packet:
        raise InvalidRequest("an XMP packet with a NUL byte cannot be written into a GIF")
    return bytes((_EXTENSION, _APPLICATION, 11)) + XMP_APPLICATION + packet + MAGIC_TRAILER + b"\x00"


class GifContainer:
    """Reads and writes the XMP application extension of a GIF file."""

    name = "gif"

    def read_header(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> ImageHeader:
        """The logical screen size (GIF's LZW coding is lossless; its palette was chosen at creation)."""
        layout = parse_layout(data, limits)
        if not any(block.kind == _IMAGE for block in layout.blocks):
            raise InvalidMedia("GIF holds no image")
        if layout.width == 0 or layout.height == 0:
            raise InvalidMedia(f"GIF screen declares {layout.width}x{layout.height} pixels")
        return ImageHeader(layout.width, layout.height, lossless=True)

    def read_xmp_packets(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[XmpPacketSpan]:
        """Every ``XMP DataXMP`` extension; one without its magic trailer is noted ``no-magic-trailer``."""
        return _xmp_spans(data, parse_layout(data, limits), limits)

    def read_text_carriers(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[CarrierText]:
        """None: GIF has no EXIF, and a comment extension is no label carrier."""
        parse_layout(data, limits)
        return []

    def write_xmp(self, data: bytes, packet: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> bytes:
        """Replace the one XMP extension, or insert one before the first non-application block.

        A GIF87a header becomes GIF89a (extensions are a GIF89a feature).

        Raises:
            LabelConflict: the file holds more than one XMP extension.
        """
        layout = parse_layout(data, limits)
        extension = xmp_extension(packet)
        existing = _xmp_spans(data, layout, limits)
        if len(existing) > 1:
            raise LabelConflict(f"GIF holds {len(existing)} XMP extensions; which to update is ambiguous")
        if existing:
            span = existing[0]
            return data[: span.offset] + extension + data[span.offset + span.length :]
        at = next(
            block.offset for block in layout.blocks if not (block.kind == _EXTENSION and block.label == _APPLICATION)
        )
        return b"GIF89a" + data[6:at] + extension + data[at:]

    def write_text_carrier(
        self, data: bytes, carrier: CarrierText, new_text: str, *, limits: MediaLimits = DEFAULT_LIMITS
    ) -> bytes:
        """Never called: GIF has no compat carrier."""
        raise InvalidRequest(f"no {carrier.carrier} carrier in a GIF")


GIF = GifContainer()


def _encode_options(like: DecodedImage, jpeg_quality: int, webp_quality: int) -> dict[str, Any]:
    return {"optimize": False, "loop": like.loop} if like.loop is not None else {"optimize": False}


SPEC = register_format(
    FormatSpec(
        name="gif",
        kind=MediaKind.IMAGE,
        mime_types=("image/gif",),
        description="GIF image",
        matches=lambda probe: probe.starts_with(b"GIF87a", b"GIF89a"),
        container=XmpLabels(GIF),
        label_carrier=XMP_CARRIER,
        pixels=PillowCodec("gif", "GIF", GIF.read_header, _encode_options, frames=True),
        c2pa=C2paSupport("gif:app-C2PA_GIF"),
    )
)
