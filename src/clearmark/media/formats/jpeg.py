"""JPEG container: marker segments walked with bounds checks; XMP in APP1, labels in EXIF UserComment."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia, InvalidRequest, LabelConflict, MediaTooLarge
from clearmark.media import exif
from clearmark.media.container import ByteBudget, CarrierText, XmpPacketSpan, read_uint
from clearmark.media.fields import TextField, exif_fields
from clearmark.media.format import C2paSupport, DecodedImage, FormatSpec, ImageHeader
from clearmark.media.image_codec import PillowCodec
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, check_media_size, enforce_limit
from clearmark.media.metadata import XmpLabels
from clearmark.media.registry import register_format

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXTENSION_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
MAX_SEGMENT_PAYLOAD = 65533  # the 16-bit length field counts itself
MAX_XMP_PACKET = MAX_SEGMENT_PAYLOAD - len(XMP_HEADER)

_SOI, _EOI, _SOS, _APP0, _APP1 = 0xD8, 0xD9, 0xDA, 0xE0, 0xE1
_STANDALONE = frozenset({0x01, _SOI, *range(0xD0, 0xD8)})
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_LOSSLESS_SOF = frozenset({0xC3, 0xC7, 0xCB, 0xCF})
XMP_CARRIER = "jpeg:app1-xmp"
# A header some producers write instead of Adobe's namespace identifier; read, flagged non-conforming.
NONSTANDARD_XMP_HEADERS = (b"XMP\x00XMP\x00", b"XMP\x00")
NONSTANDARD_XMP_CARRIER = "jpeg:app1-xmp-nonstandard-header"
# A bare ``AIGC{…}`` blob in an APPn segment, as one producer writes its label.
BLOB_PREFIX = b"AIGC"
XMP_EXTENSION_CARRIER = "jpeg:app1-xmp-extension"
USER_COMMENT_CARRIER = "jpeg:exif:UserComment"


@dataclass(frozen=True)
class Segment:
    """One marker segment; for SOS, ``length`` also covers the entropy-coded data after it."""

    marker: int
    offset: int
    length: int
    payload_offset: int
    payload_length: int

    def payload(self, data: bytes) -> bytes:
        """The bytes after the length field (for SOS: the scan header only)."""
        return data[self.payload_offset : self.payload_offset + self.payload_length]


def parse_segments(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> list[Segment]:
    """Every segment from SOI to EOI, in order.

    Raises:
        InvalidMedia: no SOI, a length past the end, no EOI.
        MediaTooLarge: more than ``max_chunks`` segments or too much metadata.
    """
    check_media_size(data, limits)
    if not data.startswith(b"\xff\xd8"):
        raise InvalidMedia("JPEG does not start with SOI (FF D8)")
    segments = [Segment(_SOI, 0, 2, 2, 0)]
    budget = ByteBudget("max_metadata_bytes", limits.max_metadata_bytes)
    pos = 2
    while True:
        enforce_limit("max_chunks", len(segments), limits.max_chunks, what="JPEG segment count")
        if pos >= len(data):
            raise InvalidMedia("JPEG ends before its EOI marker")
        if data[pos] != 0xFF:
            raise InvalidMedia(f"JPEG has no marker where one must start, at byte {pos}")
        start = pos
        while pos < len(data) and data[pos] == 0xFF:
            pos += 1  # fill bytes
        marker = read_uint(data, pos, 1, what="JPEG marker")
        pos += 1
        if marker in _STANDALONE or marker == _EOI:
            segments.append(Segment(marker, start, pos - start, pos, 0))
            if marker == _EOI:
                return segments
            continue
        if marker == 0x00:
            raise InvalidMedia(f"JPEG has a stuffed zero byte outside a scan, at byte {start}")
        length = read_uint(data, pos, 2, what="JPEG segment length")
        end = pos + length
        if length < 2 or end > len(data):
            raise InvalidMedia(f"JPEG segment FF{marker:02X} at byte {start} declares {length} bytes past the end")
        if marker == _APP1:
            budget.spend(length, "JPEG APP1 segments")
        stop = _scan_end(data, end) if marker == _SOS else end
        segments.append(Segment(marker, start, stop - start, pos + 2, length - 2))
        pos = stop


_MARKER_IN_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7]")


def _scan_end(data: bytes, pos: int) -> int:
    """Offset of the first marker after entropy-coded data (skipping stuffed zeros and RSTn)."""
    found = _MARKER_IN_SCAN.search(data, pos)
    if found is None:
        raise InvalidMedia("JPEG ends inside entropy-coded scan data")
    return found.start()


def _is_exif(segment: Segment, data: bytes) -> bool:
    return segment.marker == _APP1 and segment.payload(data).startswith(exif.EXIF_PREFIX)


def _xmp_spans(data: bytes, segments: list[Segment]) -> list[XmpPacketSpan]:
    spans = []
    for segment in segments:
        if segment.marker != _APP1:
            continue
        payload = segment.payload(data)
        for header, carrier, standard in (
            (XMP_HEADER, XMP_CARRIER, True),
            (XMP_EXTENSION_HEADER, XMP_EXTENSION_CARRIER, False),
        ):
            if payload.startswith(header):
                spans.append(
                    XmpPacketSpan(carrier, segment.offset, segment.length, payload[len(header) :], standard=standard)
                )
        for header in NONSTANDARD_XMP_HEADERS:
            if payload.startswith(header) and b"xmpmeta" in payload[:512]:
                packet = payload[len(header) :]
                spans.append(
                    XmpPacketSpan(
                        NONSTANDARD_XMP_CARRIER,
                        segment.offset,
                        segment.length,
                        packet,
                        notes=("nonstandard-xmp-header",),
                        conforming=False,
                    )
                )
                break
    return spans


def _blob_carriers(data: bytes, segments: list[Segment]) -> list[CarrierText]:
    """``AIGC{…}`` blobs in APP2–APP15 segments (APP11 also carries C2PA JUMBF, which never starts so)."""
    found = []
    for segment in segments:
        if not 0xE2 <= segment.marker <= 0xEF:
            continue
        payload = segment.payload(data)
        if payload.startswith(BLOB_PREFIX) and payload[len(BLOB_PREFIX) : len(BLOB_PREFIX) + 1] == b"{":
            text = payload[len(BLOB_PREFIX) :].decode("utf-8", errors="replace").rstrip("\x00")
            carrier = f"jpeg:app{segment.marker - 0xE0}-AIGC-blob"
            found.append(
                CarrierText(
                    carrier,
                    segment.offset,
                    segment.length,
                    text,
                    wrapped_form=exif.label_is_wrapped(text),
                    notes=("bare-appn-blob",),
                )
            )
    return found


def _segment(marker: int, payload: bytes) -> bytes:
    if len(payload) > MAX_SEGMENT_PAYLOAD:
        raise MediaTooLarge(f"JPEG segment payload of {len(payload)} bytes exceeds {MAX_SEGMENT_PAYLOAD}")
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def read_exif_blocks(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> list[exif.ExifBlock]:
    """The TIFF data of every APP1 ``Exif`` segment, with the file offset of its TIFF header."""
    blocks = []
    for segment in parse_segments(data, limits):
        if _is_exif(segment, data):
            start = segment.payload_offset + len(exif.EXIF_PREFIX)
            end = segment.payload_offset + segment.payload_length
            blocks.append(exif.ExifBlock("jpeg:app1-exif", start, data[start:end]))
    return blocks


class JpegContainer:
    """Reads and writes the metadata segments of a JPEG (JFIF/EXIF) file."""

    name = "jpeg"

    def read_header(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> ImageHeader:
        """Dimensions from the first SOFn segment."""
        for segment in parse_segments(data, limits):
            if segment.marker in _SOF:
                payload = segment.payload(data)
                height = read_uint(payload, 1, 2, what="JPEG SOF height")
                width = read_uint(payload, 3, 2, what="JPEG SOF width")
                if width == 0 or height == 0:
                    raise InvalidMedia(f"JPEG frame declares {width}x{height} pixels (DNL is not supported)")
                return ImageHeader(width, height, segment.marker in _LOSSLESS_SOF)
            if segment.marker == _SOS:
                break
        raise InvalidMedia("JPEG has no frame header (SOFn) before its first scan")

    def read_xmp_packets(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[XmpPacketSpan]:
        """APP1 XMP packets; ExtendedXMP fragments are listed as non-standard, not reassembled."""
        return _xmp_spans(data, parse_segments(data, limits))

    def read_text_carriers(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[CarrierText]:
        """EXIF UserComments that hold a label, and bare ``AIGC{…}`` blobs in APPn segments."""
        segments = parse_segments(data, limits)
        carriers = _blob_carriers(data, segments)
        for segment in segments:
            if _is_exif(segment, data):
                comment = exif.read_label_comment(segment.payload(data)[len(exif.EXIF_PREFIX) :])
                if comment is not None:
                    carriers.append(
                        CarrierText(
                            USER_COMMENT_CARRIER,
                            segment.offset,
                            segment.length,
                            comment.text,
                            wrapped_form=exif.label_is_wrapped(comment.text),
                        )
                    )
        return sorted(carriers, key=lambda carrier: carrier.offset)

    def write_xmp(self, data: bytes, packet: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> bytes:
        """Replace the one APP1 XMP segment, or insert one after SOI/APP0/APP1-Exif.

        Raises:
            MediaTooLarge: the packet does not fit one APP1 segment (``MAX_XMP_PACKET`` bytes).
            LabelConflict: the file holds more than one standard XMP packet.
        """
        if len(packet) > MAX_XMP_PACKET:
            raise MediaTooLarge(
                f"XMP packet of {len(packet)} bytes exceeds the JPEG APP1 limit of "
                f"{MAX_XMP_PACKET} bytes (ExtendedXMP is not written)"
            )
        segment = _segment(_APP1, XMP_HEADER + packet)
        segments = parse_segments(data, limits)
        existing = [span for span in _xmp_spans(data, segments) if span.standard]
        if len(existing) > 1:
            raise LabelConflict(f"JPEG holds {len(existing)} standard XMP packets; which to update is ambiguous")
        if existing:
            span = existing[0]
            return data[: span.offset] + segment + data[span.offset + span.length :]
        index = 1
        while index < len(segments) and (segments[index].marker == _APP0 or _is_exif(segments[index], data)):
            index += 1
        at = segments[index].offset
        return data[:at] + segment + data[at:]

    def write_text_carrier(
        self, data: bytes, carrier: CarrierText, new_text: str, *, limits: MediaLimits = DEFAULT_LIMITS
    ) -> bytes:
        """Rewrite the UserComment of the EXIF segment (or the APPn blob) at ``carrier.offset``; other tags are kept."""
        segment = next((s for s in parse_segments(data, limits) if s.offset == carrier.offset), None)
        if segment is not None and "bare-appn-blob" in carrier.notes:
            replacement = _segment(segment.marker, BLOB_PREFIX + new_text.encode())
            return data[: segment.offset] + replacement + data[segment.offset + segment.length :]
        if carrier.carrier != USER_COMMENT_CARRIER or segment is None or not _is_exif(segment, data):
            raise InvalidRequest(f"no {carrier.carrier} carrier at byte {carrier.offset} of this JPEG")
        tiff = segment.payload(data)[len(exif.EXIF_PREFIX) :]
        replacement = _segment(_APP1, exif.EXIF_PREFIX + exif.rewrite_user_comment(tiff, new_text))
        return data[: segment.offset] + replacement + data[segment.offset + segment.length :]


JPEG = JpegContainer()


def _encode_options(like: DecodedImage, jpeg_quality: int, webp_quality: int) -> dict[str, Any]:
    return {
        "quality": jpeg_quality,
        "optimize": False,
        "progressive": False,
        "exif": exif.EXIF_PREFIX + like.exif if like.exif else b"",
    }


def _exif_fields(data: bytes, limits: MediaLimits) -> Iterator[TextField]:
    return exif_fields(read_exif_blocks(data, limits))


SPEC = register_format(
    FormatSpec(
        name="jpeg",
        kind=MediaKind.IMAGE,
        mime_types=("image/jpeg", "image/jpg", "image/pjpeg"),
        description="JPEG image",
        matches=lambda probe: probe.starts_with(b"\xff\xd8\xff"),
        container=XmpLabels(JPEG),
        label_carrier=XMP_CARRIER,
        pixels=PillowCodec("jpeg", "JPEG", JPEG.read_header, _encode_options, rgb_only=True),
        c2pa=C2paSupport("jpeg:app11-jumbf"),
        fields=_exif_fields,
    )
)
