"""Reading every GB 45438 label an image carries, and writing one back, through the container registry."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from clearmark.core.aigc import ParsedLabel, parse_label_json
from clearmark.core.errors import InvalidMedia, InvalidRequest, LabelConflict
from clearmark.core.signals import Location
from clearmark.media.container import CarrierText, Container, XmpPacketSpan
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, check_media_size
from clearmark.media.registry import container_for
from clearmark.media.sniff import FormatInfo
from clearmark.media.xmp import NS_CLEARMARK, NS_IPTC_EXT, NS_TC260, XmpDocument

LABEL_PROPERTY = (NS_TC260, "AIGC")
_NO_PROPERTIES: Mapping[tuple[str, str], str] = MappingProxyType({})


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

    Exactly one of ``packet`` (a ``TC260:AIGC`` property in that XMP packet) and ``text_carrier``
    (a compat form: PNG ``AIGC`` text chunk, EXIF UserComment) is set.
    """

    carrier: str
    location: Location
    raw_text: str
    parsed: ParsedLabel | None
    packet: XmpPacketSpan | None = None
    text_carrier: CarrierText | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImageMetadata:
    """Everything label-related an image's metadata says."""

    xmp_packets: tuple[ParsedXmp, ...]
    label_carriers: tuple[LabelCarrier, ...]
    digital_source_types: tuple[str, ...]
    clearmark_notice: str | None


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


def read_image_metadata(data: bytes, fmt: FormatInfo, limits: MediaLimits = DEFAULT_LIMITS) -> ImageMetadata:
    """Every XMP packet and every label carrier of an image, in file order.

    Malformed or hostile XMP is reported in ``ParsedXmp.error``; a broken container structure is not.

    Raises:
        InvalidMedia: the container structure is broken.
        MediaTooLarge: a size, count or inflation limit was exceeded.
        UnsupportedFormat: no container for ``fmt``.
    """
    check_media_size(data, limits)
    container = container_for(fmt.format)
    packets = tuple(_parse_packet(span) for span in container.read_xmp_packets(data, limits=limits))
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
                    packet=packet.span,
                    notes=packet.span.notes,
                )
            )
        source_types.extend(packet.document.get_all(NS_IPTC_EXT, "DigitalSourceType"))
        notices.extend(packet.document.get_all(NS_CLEARMARK, "Notice"))
    for text in container.read_text_carriers(data, limits=limits):
        carriers.append(
            LabelCarrier(
                text.carrier,
                _location(text.carrier, text.offset, text.length),
                text.text,
                parse_label_json(text.text),
                text_carrier=text,
                notes=text.notes,
            )
        )
    carriers.sort(key=lambda carrier: carrier.location.byte_offset or 0)
    return ImageMetadata(packets, tuple(carriers), tuple(source_types), notices[0] if notices else None)


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


def write_image_label(
    data: bytes,
    fmt: FormatInfo,
    *,
    label_json: str,
    extra_properties: Mapping[tuple[str, str], str] = _NO_PROPERTIES,
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
    container = container_for(fmt.format)
    bare, wrapped = label_forms(label_json)
    if LABEL_PROPERTY in extra_properties:
        raise InvalidRequest("extra_properties may not set TC260:AIGC; pass the label as label_json")
    if target is not None and target.text_carrier is not None:
        carrier = target.text_carrier
        data = container.write_text_carrier(data, carrier, wrapped if carrier.wrapped_form else bare, limits=limits)
        if not extra_properties:
            return data
        return _update_xmp(container, data, dict(extra_properties), limits, target=None, create=False)
    properties = {LABEL_PROPERTY: bare, **extra_properties}
    return _update_xmp(container, data, properties, limits, target=target, create=True)


def _update_xmp(
    container: Container,
    data: bytes,
    properties: dict[tuple[str, str], str],
    limits: MediaLimits,
    *,
    target: LabelCarrier | None,
    create: bool,
) -> bytes:
    spans = [span for span in container.read_xmp_packets(data, limits=limits) if span.standard]
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
    return container.write_xmp(data, document.to_packet(), limits=limits)
