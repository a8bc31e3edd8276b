"""The one metadata model of every format (label carriers, XMP packets), and the XMP label container of images."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from clearmark.core.aigc import ParsedLabel, parse_label_json
from clearmark.core.errors import InvalidMedia, InvalidRequest, LabelConflict
from clearmark.core.signals import Location
from clearmark.media.container import CarrierText, ImageBlocks, XmpPacketSpan
from clearmark.media.format import NO_PROPERTIES
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, check_media_size
from clearmark.media.source import Source
from clearmark.media.xmp import NS_CLEARMARK, NS_IPTC_EXT, NS_TC260, XmpDocument

LABEL_PROPERTY = (NS_TC260, "AIGC")


@dataclass(frozen=True)
class ParsedXmp:
    """One XMP packet of the file: its document, or why it could not be read (never fatal).

    ``document`` is None with an empty ``error`` for non-standard fragments (JPEG ExtendedXMP).
    """

    span: XmpPacketSpan
    location: Location
    document: XmpDocument | None
    error: str = ""
    error_reason: str = ""  # e.g. HOSTILE_XML, MALFORMED_XML, NOT_XMP


@dataclass(frozen=True)
class LabelCarrier:
    """One place a GB 45438 label was found, and the handle to rewrite it in place.

    ``standard`` is True for the format's standard carrier (XMP ``TC260:AIGC``, front matter
    ``AIGC:``, PDF Info ``/AIGC``, an OOXML custom property); compat places (a PNG ``AIGC`` text
    chunk, an EXIF UserComment, XMP in a PDF) are read and reported. For images exactly one of
    ``packet`` (the XMP packet holding the property) and ``text_carrier`` (the compat block) is set.
    ``notes`` are short codes of the producer mistakes seen (``duplicate-key``, ``not-lpwstr``…).
    """

    carrier: str
    location: Location
    raw_text: str
    parsed: ParsedLabel | None
    standard: bool = True
    packet: XmpPacketSpan | None = None
    text_carrier: CarrierText | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Metadata:
    """Everything label-related a file's metadata says, whatever its format."""

    label_carriers: tuple[LabelCarrier, ...] = ()
    xmp_packets: tuple[ParsedXmp, ...] = ()
    digital_source_types: tuple[str, ...] = ()
    clearmark_notice: str | None = None


def _location(carrier: str, offset: int, length: int) -> Location:
    return Location(carrier=carrier, byte_offset=offset, byte_length=length)


def _parse_packet(span: XmpPacketSpan) -> ParsedXmp:
    location = _location(span.carrier, span.offset, span.length)
    if not span.standard:
        return ParsedXmp(span, location, None)
    try:
        return ParsedXmp(span, location, XmpDocument.parse(span.packet))
    except InvalidMedia as exc:
        return ParsedXmp(span, location, None, f"{exc.reason}: {exc.message}", error_reason=exc.reason)


class XmpLabels:
    """The label container of an image format: XMP ``TC260:AIGC`` as standard, the format's compat blocks read too."""

    def __init__(self, blocks: ImageBlocks) -> None:
        self.blocks = blocks

    def read_metadata(self, source: Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> Metadata:
        """Every XMP packet and every label carrier of an image, in file order.

        Malformed or hostile XMP is reported in ``ParsedXmp.error``; a broken container structure is not.

        Raises:
            InvalidMedia: the container structure is broken.
            MediaTooLarge: a size, count or inflation limit was exceeded.
        """
        data = source.read_bytes(limits.max_bytes)
        packets = tuple(_parse_packet(span) for span in self.blocks.read_xmp_packets(data, limits=limits))
        carriers: list[LabelCarrier] = []
        source_types: list[str] = []
        notices: list[str] = []
        for packet in packets:
            if packet.document is None:
                continue
            for value in packet.document.get_all(*LABEL_PROPERTY):
                carriers.append(
                    LabelCarrier(
                        packet.span.carrier,
                        packet.location,
                        value,
                        parse_label_json(value),
                        standard=packet.span.conforming,
                        packet=packet.span,
                        notes=packet.span.notes,
                    )
                )
            carriers.extend(_misbound_labels(packet))
            source_types.extend(packet.document.get_all(NS_IPTC_EXT, "DigitalSourceType"))
            notices.extend(packet.document.get_all(NS_CLEARMARK, "Notice"))
        for text in self.blocks.read_text_carriers(data, limits=limits):
            carriers.append(
                LabelCarrier(
                    text.carrier,
                    _location(text.carrier, text.offset, text.length),
                    text.text,
                    parse_label_json(text.text),
                    standard=False,
                    text_carrier=text,
                    notes=text.notes,
                )
            )
        carriers.sort(key=lambda carrier: carrier.location.byte_offset or 0)
        return Metadata(tuple(carriers), packets, tuple(source_types), notices[0] if notices else None)

    def write_label(
        self,
        data: bytes,
        label_json: str,
        *,
        extra_properties: Mapping[tuple[str, str], str] = NO_PROPERTIES,
        target: LabelCarrier | None = None,
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> bytes:
        """Write ``label_json`` into the image, keeping every other byte's meaning.

        With a compat ``target`` the carrier is rewritten in place (wrapped or bare form as that carrier
        uses) and ``extra_properties`` go to XMP only if a packet already exists. Otherwise the single
        XMP packet is updated (or created): ``TC260:AIGC`` first, then each extra property.

        Raises:
            InvalidRequest: ``label_json`` is not a label, ``extra_properties`` names ``TC260:AIGC``, or
                ``target`` no longer matches the file.
            LabelConflict: 2+ standard XMP packets, or 2+ ``TC260:AIGC`` values in the packet.
            InvalidMedia: the existing XMP packet cannot be parsed (it is never silently dropped).
            MediaTooLarge: the packet exceeds what the container can hold.
        """
        check_media_size(data, limits)
        bare, wrapped = label_forms(label_json)
        if LABEL_PROPERTY in extra_properties:
            raise InvalidRequest("extra_properties may not set TC260:AIGC; pass the label as label_json")
        if target is not None and "wrong-namespace" in target.notes:
            raise LabelConflict(
                f"the label sits in {target.carrier}, outside the TC260 namespace; writing TC260:AIGC would add a "
                "second label"
            )
        if target is not None and target.text_carrier is not None:
            carrier = target.text_carrier
            data = self.blocks.write_text_carrier(
                data, carrier, wrapped if carrier.wrapped_form else bare, limits=limits
            )
            if not extra_properties:
                return data
            return self._update_xmp(data, dict(extra_properties), limits, target=None, create=False)
        properties = {LABEL_PROPERTY: bare, **extra_properties}
        return self._update_xmp(data, properties, limits, target=target, create=True)

    def carry_xmp(self, original: bytes, reencoded: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> bytes:
        """Put the original's single XMP packet into re-encoded bytes, so no existing property is lost.

        Raises:
            LabelConflict: the original holds two or more standard XMP packets.
        """
        spans = [span for span in self.blocks.read_xmp_packets(original, limits=limits) if span.standard]
        if not spans:
            return reencoded
        if len(spans) > 1:
            raise LabelConflict(f"{len(spans)} XMP packets in the file; refusing to choose which to keep")
        return self.blocks.write_xmp(reencoded, spans[0].packet, limits=limits)

    def _update_xmp(
        self,
        data: bytes,
        properties: dict[tuple[str, str], str],
        limits: MediaLimits,
        *,
        target: LabelCarrier | None,
        create: bool,
    ) -> bytes:
        spans = [span for span in self.blocks.read_xmp_packets(data, limits=limits) if span.standard]
        if len(spans) > 1:
            raise LabelConflict(f"file holds {len(spans)} standard XMP packets; which one to update is ambiguous")
        if target is not None and (target.packet is None or not spans or target.packet.offset != spans[0].offset):
            raise InvalidRequest(
                f"target {target.carrier} at byte {target.location.byte_offset} is not this file's XMP packet"
            )
        if not spans and not create:
            return data
        document = XmpDocument.parse(spans[0].packet) if spans else XmpDocument.empty()
        if LABEL_PROPERTY in properties and len(document.get_all(*LABEL_PROPERTY)) > 1:
            raise LabelConflict("XMP packet holds more than one TC260:AIGC label; which to update is ambiguous")
        for (ns_uri, name), value in properties.items():
            document.set(ns_uri, name, value)
        return self.blocks.write_xmp(data, document.to_packet(), limits=limits)


def _misbound_labels(packet: ParsedXmp) -> list[LabelCarrier]:
    """``AIGC`` properties under another namespace than TC260's (one open-source toolkit binds the
    ``TC260`` prefix to a wrong URI): read as labels for Art. 6, reported as non-conforming."""
    assert packet.document is not None
    found = []
    for namespace, value in packet.document.get_local(LABEL_PROPERTY[1]):
        parsed = parse_label_json(value) if namespace != NS_TC260 else None
        if parsed is not None:
            found.append(
                LabelCarrier(
                    f"{packet.span.carrier}:AIGC@{namespace}",
                    packet.location,
                    value,
                    parsed,
                    standard=False,
                    packet=packet.span,
                    notes=(*packet.span.notes, "wrong-namespace"),
                )
            )
    return found


def label_forms(label_json: str) -> tuple[str, str]:
    """The bare (``{"Label":…}``) and wrapped (``{"AIGC":{…}}``) forms of a label given in either.

    Raises:
        InvalidRequest: the text is not a plain-JSON GB 45438 label.
    """
    parsed = parse_label_json(label_json)
    if parsed is None or parsed.xml_escaped:
        raise InvalidRequest("label_json is not a plain-JSON GB 45438 label", reason="INVALID_LABEL")
    text = label_json.strip()
    if not parsed.wrapped:
        return text, '{"AIGC":' + text + "}"
    inner = json.loads(text)["AIGC"]
    bare = inner if isinstance(inner, str) else json.dumps(inner, separators=(",", ":"), ensure_ascii=True)
    return bare, text
