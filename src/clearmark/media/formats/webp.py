"""WebP container: RIFF chunks walked with bounds checks; XMP in the ``XMP `` chunk, labels in EXIF."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia, InvalidRequest, LabelConflict
from clearmark.media import exif
from clearmark.media.container import ByteBudget, CarrierText, XmpPacketSpan, read_uint
from clearmark.media.fields import TextField, exif_fields
from clearmark.media.format import C2paSupport, DecodedImage, FormatSpec, ImageHeader
from clearmark.media.image_codec import PillowCodec
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, check_media_size, enforce_limit
from clearmark.media.metadata import XmpLabels
from clearmark.media.registry import register_format

XMP_CARRIER = "webp:XMP"
USER_COMMENT_CARRIER = "webp:EXIF:UserComment"
FLAG_ICC, FLAG_ALPHA, FLAG_EXIF, FLAG_XMP, FLAG_ANIMATION = 0x20, 0x10, 0x08, 0x04, 0x02
# Chunks that precede XMP in the extended layout (spec order: VP8X, ICCP, ANIM, image, EXIF, XMP, unknown).
_BEFORE_XMP = frozenset({b"VP8X", b"ICCP", b"ANIM", b"ANMF", b"ALPH", b"VP8 ", b"VP8L", b"EXIF"})
_IMAGE_CHUNKS = frozenset({b"VP8 ", b"VP8L", b"VP8X"})
_FLAG_OF_CHUNK = {
    b"ICCP": FLAG_ICC,
    b"EXIF": FLAG_EXIF,
    b"XMP ": FLAG_XMP,
    b"ALPH": FLAG_ALPHA,
    b"ANIM": FLAG_ANIMATION,
}


@dataclass(frozen=True)
class Chunk:
    """One RIFF chunk; ``offset``/``length`` cover header, data and the pad byte if present."""

    fourcc: bytes
    offset: int
    length: int
    size: int

    def body(self, data: bytes) -> bytes:
        """The chunk data without header or padding."""
        return data[self.offset + 8 : self.offset + 8 + self.size]

    def padded(self, data: bytes) -> bytes:
        """The whole chunk, with its pad byte added when the writer left it out."""
        raw = data[self.offset : self.offset + self.length]
        return raw + b"\x00" if len(raw) % 2 else raw


@dataclass(frozen=True)
class Layout:
    """The chunks inside the RIFF payload and where the RIFF payload ends."""

    chunks: list[Chunk]
    riff_end: int


def make_chunk(fourcc: bytes, body: bytes) -> bytes:
    """Header + body + pad byte to an even length."""
    return fourcc + len(body).to_bytes(4, "little") + body + bytes(len(body) % 2)


def parse_layout(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> Layout:
    """The RIFF chunk list; the first chunk must be VP8, VP8L or VP8X.

    Raises:
        InvalidMedia: no RIFF/WEBP header, a RIFF or chunk size past the end, no image chunk.
        MediaTooLarge: more than ``max_chunks`` chunks or too much metadata.
    """
    check_media_size(data, limits)
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise InvalidMedia("WebP does not start with a RIFF/WEBP header")
    riff_end = 8 + read_uint(data, 4, 4, big_endian=False, what="RIFF size")
    if riff_end > len(data) or riff_end < 12:
        raise InvalidMedia(f"RIFF size declares {riff_end} bytes but the file has {len(data)}")
    budget = ByteBudget("max_metadata_bytes", limits.max_metadata_bytes)
    chunks: list[Chunk] = []
    pos = 12
    while pos < riff_end:
        enforce_limit("max_chunks", len(chunks) + 1, limits.max_chunks, what="WebP chunk count")
        if pos + 8 > riff_end:
            raise InvalidMedia(f"WebP chunk header at byte {pos} runs past the RIFF payload")
        fourcc = data[pos : pos + 4]
        size = read_uint(data, pos + 4, 4, big_endian=False, what="WebP chunk size")
        end = pos + 8 + size
        if end > riff_end:
            raise InvalidMedia(f"WebP chunk {fourcc!r} at byte {pos} declares {size} bytes past the RIFF end")
        if fourcc in (b"XMP ", b"EXIF"):
            budget.spend(size, "WebP XMP and EXIF chunks")
        end = min(end + size % 2, riff_end)
        chunks.append(Chunk(fourcc, pos, end - pos, size))
        pos = end
    if not chunks or chunks[0].fourcc not in _IMAGE_CHUNKS:
        raise InvalidMedia("WebP does not start with a VP8, VP8L or VP8X chunk")
    if chunks[0].fourcc == b"VP8X" and chunks[0].size < 10:
        raise InvalidMedia(f"WebP VP8X chunk has {chunks[0].size} bytes instead of 10")
    return Layout(chunks, riff_end)


def _bitstream_header(chunk: Chunk, data: bytes) -> tuple[int, int, bool]:
    """Width, height and alpha bit of a VP8 or VP8L bitstream."""
    body = chunk.body(data)
    if chunk.fourcc == b"VP8L":
        if read_uint(body, 0, 1, what="VP8L signature") != 0x2F:
            raise InvalidMedia("VP8L chunk lacks its 0x2F signature")
        bits = read_uint(body, 1, 4, big_endian=False, what="VP8L header")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool(bits >> 28 & 1)
    if read_uint(body, 0, 1, what="VP8 frame tag") & 1 or body[3:6] != b"\x9d\x01\x2a":
        raise InvalidMedia("VP8 chunk is not a key frame with a valid start code")
    width = read_uint(body, 6, 2, big_endian=False, what="VP8 width") & 0x3FFF
    height = read_uint(body, 8, 2, big_endian=False, what="VP8 height") & 0x3FFF
    return width, height, False


def _header(layout: Layout, data: bytes) -> ImageHeader:
    first = layout.chunks[0]
    lossless = any(c.fourcc == b"VP8L" for c in layout.chunks) and not any(c.fourcc == b"VP8 " for c in layout.chunks)
    if first.fourcc == b"VP8X":
        body = first.body(data)
        width = read_uint(body, 4, 3, big_endian=False, what="VP8X canvas width") + 1
        height = read_uint(body, 7, 3, big_endian=False, what="VP8X canvas height") + 1
    else:
        width, height, _ = _bitstream_header(first, data)
    if width == 0 or height == 0:
        raise InvalidMedia(f"WebP declares {width}x{height} pixels")
    return ImageHeader(width, height, lossless)


def _assemble(data: bytes, layout: Layout, chunks: list[bytes]) -> bytes:
    body = b"".join(chunks)
    return b"RIFF" + (len(body) + 4).to_bytes(4, "little") + b"WEBP" + body + data[layout.riff_end :]


def _extended_header(layout: Layout, data: bytes) -> bytes:
    """The VP8X chunk for the layout, flags set for the chunks present plus XMP."""
    first = layout.chunks[0]
    if first.fourcc == b"VP8X":
        body = bytearray(first.body(data))
        body[0] |= FLAG_XMP
        return make_chunk(b"VP8X", bytes(body))
    width, height, alpha = _bitstream_header(first, data)
    if width == 0 or height == 0:  # found by fuzz/: a VP8 frame of width 0 made the canvas size negative
        raise InvalidMedia(f"WebP declares {width}x{height} pixels")
    flags = FLAG_XMP | (FLAG_ALPHA if alpha else 0)
    for chunk in layout.chunks:
        flags |= _FLAG_OF_CHUNK.get(chunk.fourcc, 0)
    return make_chunk(
        b"VP8X", bytes((flags, 0, 0, 0)) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    )


def read_exif_blocks(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> list[exif.ExifBlock]:
    """The TIFF data of every ``EXIF`` chunk (an ``Exif\\0\\0`` prefix, which some writers add, is skipped)."""
    blocks = []
    for chunk in parse_layout(data, limits).chunks:
        if chunk.fourcc == b"EXIF":
            prefix, tiff = exif.split_exif_prefix(chunk.body(data))
            blocks.append(exif.ExifBlock("webp:EXIF", chunk.offset + 8 + len(prefix), tiff))
    return blocks


class WebpContainer:
    """Reads and writes the metadata chunks of a still (or animated) WebP file."""

    name = "webp"

    def read_header(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> ImageHeader:
        """Canvas size from VP8X, or the bitstream size of a simple file; lossless when VP8L."""
        return _header(parse_layout(data, limits), data)

    def read_xmp_packets(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[XmpPacketSpan]:
        """``XMP `` chunks; a missing VP8X XMP flag is noted."""
        layout = parse_layout(data, limits)
        first = layout.chunks[0]
        flagged = first.fourcc == b"VP8X" and bool(first.body(data)[0] & FLAG_XMP)
        notes = () if flagged else ("vp8x-xmp-flag-unset",)
        return [
            XmpPacketSpan(XMP_CARRIER, c.offset, c.length, c.body(data), notes=notes)
            for c in layout.chunks
            if c.fourcc == b"XMP "
        ]

    def read_text_carriers(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[CarrierText]:
        """EXIF chunks whose UserComment holds a wrapped label."""
        carriers = []
        for chunk in parse_layout(data, limits).chunks:
            if chunk.fourcc == b"EXIF" and (
                comment := exif.read_label_comment(exif.split_exif_prefix(chunk.body(data))[1])
            ):
                carriers.append(
                    CarrierText(
                        USER_COMMENT_CARRIER,
                        chunk.offset,
                        chunk.length,
                        comment.text,
                        wrapped_form=exif.label_is_wrapped(comment.text),
                    )
                )
        return carriers

    def write_xmp(self, data: bytes, packet: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> bytes:
        """Replace the one ``XMP `` chunk or add one, converting a simple file to VP8X when needed.

        Raises:
            LabelConflict: the file holds more than one ``XMP `` chunk.
        """
        layout = parse_layout(data, limits)
        existing = [i for i, c in enumerate(layout.chunks) if c.fourcc == b"XMP "]
        if len(existing) > 1:
            raise LabelConflict(f"WebP holds {len(existing)} XMP chunks; which to update is ambiguous")
        chunks = [c.padded(data) for c in layout.chunks]
        xmp = make_chunk(b"XMP ", packet)
        if existing:
            chunks[existing[0]] = xmp
        else:
            last_known = max(i for i, c in enumerate(layout.chunks) if c.fourcc in _BEFORE_XMP)
            chunks.insert(last_known + 1, xmp)
        header = _extended_header(layout, data)
        if layout.chunks[0].fourcc == b"VP8X":
            chunks[0] = header
        else:
            chunks.insert(0, header)
        return _assemble(data, layout, chunks)

    def write_text_carrier(
        self, data: bytes, carrier: CarrierText, new_text: str, *, limits: MediaLimits = DEFAULT_LIMITS
    ) -> bytes:
        """Rewrite the UserComment in the EXIF chunk at ``carrier.offset``; other tags are kept."""
        layout = parse_layout(data, limits)
        index = next((i for i, c in enumerate(layout.chunks) if c.offset == carrier.offset), None)
        if carrier.carrier != USER_COMMENT_CARRIER or index is None or layout.chunks[index].fourcc != b"EXIF":
            raise InvalidRequest(f"no {carrier.carrier} carrier at byte {carrier.offset} of this WebP")
        body = layout.chunks[index].body(data)
        prefix, tiff = exif.split_exif_prefix(body)
        chunks = [c.padded(data) for c in layout.chunks]
        chunks[index] = make_chunk(b"EXIF", prefix + exif.rewrite_user_comment(tiff, new_text))
        return _assemble(data, layout, chunks)


WEBP = WebpContainer()


def _encode_options(like: DecodedImage, jpeg_quality: int, webp_quality: int) -> dict[str, Any]:
    return {"lossless": like.lossless, "quality": webp_quality, "method": 4, "exif": like.exif or b""}


def _exif_fields(data: bytes, limits: MediaLimits) -> Iterator[TextField]:
    return exif_fields(read_exif_blocks(data, limits))


SPEC = register_format(
    FormatSpec(
        name="webp",
        kind=MediaKind.IMAGE,
        mime_types=("image/webp",),
        description="WebP image",
        matches=lambda probe: probe.head[:4] == b"RIFF" and probe.head[8:12] == b"WEBP",
        container=XmpLabels(WEBP),
        label_carrier=XMP_CARRIER,
        pixels=PillowCodec("webp", "WEBP", WEBP.read_header, _encode_options, animatable=True),
        c2pa=C2paSupport("webp:C2PA"),
        fields=_exif_fields,
    )
)
