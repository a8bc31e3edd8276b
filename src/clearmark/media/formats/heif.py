"""HEIF/HEIC container: XMP as a ``mime`` item of the ``meta`` box, labels in the Exif item's UserComment.

HEIF keeps metadata as items (``media.bmff``): ``iinf`` names each (XMP: type ``mime``, content
type ``application/rdf+xml``; EXIF: type ``Exif``), ``iloc`` says where its bytes lie, ``iref``
``cdsc`` ties it to the primary image. A write appends the item's bytes in an ``mdat`` at the end
and shifts the ``iloc`` offsets the grown ``meta`` box moved; replaced bytes are zeroed. Image
sequences (``moov`` tracks) are refused: their chunk offsets would move. AVIF shares this container;
the HEVC codec is pillow-heif's (libheif with libde265 and x265).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pillow_heif

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia, InvalidRequest, LabelConflict
from clearmark.media import exif
from clearmark.media.bmff import (
    Box,
    BoxCounter,
    find_box,
    ftyp_brands,
    full_box_header,
    item_data,
    items_of,
    next_item_id,
    parse_boxes,
    parse_meta,
    set_item_data,
)
from clearmark.media.container import ByteBudget, CarrierText, XmpPacketSpan, read_uint
from clearmark.media.fields import TextField, exif_fields
from clearmark.media.format import C2paSupport, DecodedImage, FormatSpec, ImageHeader, Probe
from clearmark.media.image_codec import PillowCodec
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits
from clearmark.media.metadata import XmpLabels
from clearmark.media.registry import register_format

XMP_CONTENT_TYPE = b"application/rdf+xml"
HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevx", b"mif1", b"msf1"})
AVIF_BRANDS = frozenset({b"avif", b"avis"})

pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


class HeifContainer:
    """Reads and writes the XMP and Exif items of a HEIF-family file (HEIC, AVIF).

    Args:
        name: the format's name, the prefix of its carrier names.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.xmp_carrier = f"{name}:item-XMP"
        self.user_comment_carrier = f"{name}:item-Exif:UserComment"

    def read_header(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> ImageHeader:
        """The primary item's ``ispe`` dimensions (HEVC and AV1 stills are taken as lossy)."""
        meta = parse_meta(data, limits)
        iprp = find_box(meta.children, b"iprp")
        if iprp is None:
            raise InvalidMedia("HEIF meta box lacks its iprp box")
        counter = BoxCounter(limits)
        properties = parse_boxes(data, iprp.body_offset, iprp.end, counter)
        ipco, ipma = find_box(properties, b"ipco"), find_box(properties, b"ipma")
        if ipco is None or ipma is None:
            raise InvalidMedia("HEIF iprp box lacks its ipco or ipma box")
        declared = parse_boxes(data, ipco.body_offset, ipco.end, counter)
        for index in _associations(data, ipma, meta.primary):
            if 0 < index <= len(declared) and declared[index - 1].type == b"ispe":
                ispe = declared[index - 1]
                width = read_uint(data, ispe.body_offset + 4, 4, what="ispe width")
                height = read_uint(data, ispe.body_offset + 8, 4, what="ispe height")
                if width == 0 or height == 0 or ispe.size < ispe.header + 12:
                    raise InvalidMedia(f"HEIF ispe declares {width}x{height} pixels")
                return ImageHeader(width, height, lossless=False)
        raise InvalidMedia(f"HEIF primary item {meta.primary} has no ispe (image size) property")

    def read_xmp_packets(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[XmpPacketSpan]:
        """Every ``application/rdf+xml`` item, in item order."""
        meta = parse_meta(data, limits)
        budget = ByteBudget("max_metadata_bytes", limits.max_metadata_bytes)
        spans = []
        for item in items_of(meta, b"mime", XMP_CONTENT_TYPE):
            offset, packet = item_data(data, meta, item.item_id, budget, "HEIF XMP")
            # An empty item (pillow-heif writes one when given no XMP) holds nothing to parse.
            standard = bool(packet.strip(b"\x00 \t\r\n"))
            notes = (f"item-{item.item_id}",) if standard else (f"item-{item.item_id}", "empty")
            spans.append(XmpPacketSpan(self.xmp_carrier, offset, len(packet), packet, standard, notes))
        return spans

    def read_text_carriers(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[CarrierText]:
        """Exif items whose UserComment holds a wrapped label."""
        meta = parse_meta(data, limits)
        budget = ByteBudget("max_metadata_bytes", limits.max_metadata_bytes)
        carriers = []
        for item in meta.items:
            if item.type != b"Exif":
                continue
            offset, payload = item_data(data, meta, item.item_id, budget, "HEIF Exif")
            comment = exif.read_label_comment(_exif_tiff(payload))
            if comment is not None:
                notes = (f"item-{item.item_id}",)
                carriers.append(CarrierText(self.user_comment_carrier, offset, len(payload), comment.text, True, notes))
        return carriers

    def write_xmp(self, data: bytes, packet: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> bytes:
        """Point the one XMP item at ``packet`` (zeroing its old bytes), or add an XMP item for the primary image.

        Raises:
            LabelConflict: more than one XMP item.
            UnsupportedFormat: the file has tracks (an image sequence), whose offsets a write would break.
        """
        meta = parse_meta(data, limits)
        existing = items_of(meta, b"mime", XMP_CONTENT_TYPE)
        if len(existing) > 1:
            raise LabelConflict(f"{self.name.upper()} holds {len(existing)} XMP items; which to update is ambiguous")
        if existing:
            return set_item_data(data, meta, existing[0].item_id, packet)
        return set_item_data(data, meta, next_item_id(meta), packet, new_item=(b"mime", XMP_CONTENT_TYPE))

    def write_text_carrier(
        self, data: bytes, carrier: CarrierText, new_text: str, *, limits: MediaLimits = DEFAULT_LIMITS
    ) -> bytes:
        """Rewrite the UserComment of the Exif item at ``carrier.offset``; other tags are kept."""
        meta = parse_meta(data, limits)
        budget = ByteBudget("max_metadata_bytes", limits.max_metadata_bytes)
        for item in meta.items:
            if item.type != b"Exif" or carrier.carrier != self.user_comment_carrier:
                continue
            offset, payload = item_data(data, meta, item.item_id, budget, "HEIF Exif")
            if offset == carrier.offset:
                tiff = _exif_tiff(payload)
                head = payload[: len(payload) - len(tiff)]
                return set_item_data(data, meta, item.item_id, head + exif.rewrite_user_comment(tiff, new_text))
        raise InvalidRequest(f"no {carrier.carrier} carrier at byte {carrier.offset} of this file")


def _associations(data: bytes, ipma: Box, item_id: int) -> Iterator[int]:
    """The 1-based property indices ``ipma`` associates with ``item_id``."""
    version, flags = full_box_header(data, ipma)
    pos = ipma.body_offset + 4
    count = read_uint(data, pos, 4, what="ipma entry count")
    pos += 4
    id_size = 2 if version < 1 else 4
    index_size = 2 if flags & 1 else 1
    for _ in range(count):
        if pos >= ipma.end:
            raise InvalidMedia("ipma entries run past the ipma box")
        entry_id = read_uint(data, pos, id_size, what="ipma item id")
        associations = read_uint(data, pos + id_size, 1, what="ipma association count")
        pos += id_size + 1
        if pos + associations * index_size > ipma.end:
            raise InvalidMedia("ipma associations run past the ipma box")
        if entry_id == item_id:
            for at in range(pos, pos + associations * index_size, index_size):
                yield read_uint(data, at, index_size) & (0x7FFF if index_size == 2 else 0x7F)
            return
        pos += associations * index_size


def _exif_tiff(payload: bytes) -> bytes:
    """The TIFF block of an Exif item: a 4-byte offset to the TIFF header, then the data."""
    skip = read_uint(payload, 0, 4, what="Exif item header offset")
    if 4 + skip > len(payload):
        raise InvalidMedia(f"Exif item's TIFF header offset {skip} lies past the item")
    return payload[4 + skip :]


def brand_matches(brands: frozenset[bytes], *, unless: frozenset[bytes] = frozenset()) -> Callable[[Probe], bool]:
    """A signature test: an ``ftyp`` whose major or compatible brands meet ``brands`` and none of ``unless``.

    AVIF files commonly name ``mif1`` (a HEIF brand) too, so HEIF matches only files naming no AVIF brand.
    """

    def matches(probe: Probe) -> bool:
        found = set(ftyp_brands(probe.head))
        return bool(found & brands) and not found & unless

    return matches


def item_fields(data: bytes, limits: MediaLimits) -> Iterator[TextField]:
    """The text fields of every Exif item."""
    meta = parse_meta(data, limits)
    budget = ByteBudget("max_metadata_bytes", limits.max_metadata_bytes)
    blocks = []
    for item in meta.items:
        if item.type == b"Exif":
            offset, payload = item_data(data, meta, item.item_id, budget, "HEIF Exif")
            tiff = _exif_tiff(payload)
            blocks.append(exif.ExifBlock("heif:item-Exif", offset + len(payload) - len(tiff), tiff))
    return exif_fields(blocks)


def encode_options(like: DecodedImage, jpeg_quality: int, webp_quality: int) -> dict[str, Any]:
    """Quality as for WebP (both lossy, same scale), EXIF kept; no XMP (pillow-heif writes an empty item for b"")."""
    return {"quality": webp_quality, "exif": like.exif or None, "xmp": None}


HEIF = HeifContainer("heif")

SPEC = register_format(
    FormatSpec(
        name="heif",
        kind=MediaKind.IMAGE,
        mime_types=("image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"),
        description="HEIF image",
        matches=brand_matches(HEIF_BRANDS, unless=AVIF_BRANDS),
        container=XmpLabels(HEIF),
        label_carrier=HEIF.xmp_carrier,
        pixels=PillowCodec("heif", "HEIF", HEIF.read_header, encode_options, animatable=True),
        c2pa=C2paSupport("heif:uuid-c2pa"),
        fields=item_fields,
    )
)
