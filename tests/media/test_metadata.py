"""The XMP label container of images: every label carrier found, one label written back."""

from __future__ import annotations

import numpy as np
import pytest

from clearmark.core.errors import InvalidMedia, InvalidRequest, LabelConflict, UnsupportedFormat
from clearmark.media import (
    DEFAULT_LIMITS,
    NS_CLEARMARK,
    NS_DC,
    NS_IPTC_EXT,
    NS_TC260,
    NS_XMP,
    decode_image,
    sniff_format,
)
from clearmark.media.formats.jpeg import XMP_HEADER
from clearmark.media.metadata import label_forms
from tests.media.samples import (
    EXIF_FORMATS,
    FORMATS,
    LABEL,
    LABEL_JSON,
    PLATFORM_JSON,
    TITLED_XMP,
    WRAPPED_JSON,
    fmt_of,
    png_with_text,
    read_metadata,
    rgb,
    user_comment_exif,
    with_exif,
    with_xmp,
    write_label,
    xmp_packet,
)

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def read(data: bytes):  # noqa: ANN201 - test helper
    return read_metadata(data, DEFAULT_LIMITS)


def write(data: bytes, *, label_json: str, **kwargs: object) -> bytes:
    return write_label(data, label_json, **kwargs)


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(decode_image(data, fmt_of(data), DEFAULT_LIMITS).image)


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_on_a_bare_file(fmt: str, plain: dict[str, bytes]) -> None:
    extras = {(NS_IPTC_EXT, "DigitalSourceType"): TRAINED, (NS_CLEARMARK, "Notice"): "AI生成"}
    out = write(plain[fmt], label_json=LABEL_JSON, extra_properties=extras)
    metadata = read(out)
    [carrier] = metadata.label_carriers
    assert carrier.raw_text == LABEL_JSON and carrier.parsed is not None and carrier.parsed.label == LABEL
    assert carrier.packet is not None and carrier.text_carrier is None
    assert carrier.location.carrier == carrier.carrier and carrier.location.byte_offset == carrier.packet.offset
    assert metadata.digital_source_types == (TRAINED,)
    assert metadata.clearmark_notice == "AI生成"
    assert np.array_equal(pixels(out), pixels(plain[fmt]))


@pytest.mark.parametrize("fmt", FORMATS)
def test_existing_properties_are_kept_and_label_updated_in_place(fmt: str) -> None:
    data = with_xmp(fmt, TITLED_XMP)
    first = write(data, label_json=LABEL_JSON)
    second = write(first, label_json=PLATFORM_JSON)
    metadata = read(second)
    [packet] = metadata.xmp_packets
    assert packet.document.get(NS_DC, "title") == "Sunset"
    assert packet.document.get(NS_XMP, "CreatorTool") == "PaintTool"
    assert [c.raw_text for c in metadata.label_carriers] == [PLATFORM_JSON]
    assert np.array_equal(pixels(second), pixels(data))


def test_wrapped_label_json_is_written_bare_to_xmp(plain: dict[str, bytes]) -> None:
    out = write(plain["png"], label_json=WRAPPED_JSON)
    assert read(out).label_carriers[0].raw_text == LABEL_JSON
    assert label_forms(LABEL_JSON) == (LABEL_JSON, WRAPPED_JSON)
    assert label_forms(WRAPPED_JSON) == (LABEL_JSON, WRAPPED_JSON)


@pytest.mark.parametrize("label_json", ["", "not json", '{"other":1}', LABEL_JSON.replace('"', "&quot;")])
def test_non_label_json_is_refused(label_json: str, plain: dict[str, bytes]) -> None:
    with pytest.raises(InvalidRequest):
        write(plain["png"], label_json=label_json)


def test_label_cannot_be_smuggled_through_extra_properties(plain: dict[str, bytes]) -> None:
    with pytest.raises(InvalidRequest):
        write(plain["png"], label_json=LABEL_JSON, extra_properties={(NS_TC260, "AIGC"): PLATFORM_JSON})


@pytest.mark.parametrize("kind", ["tEXt", "zTXt", "iTXt"])
def test_png_compat_text_chunk_found_and_rewritten_bare(kind: str) -> None:
    data = png_with_text(kind, "AIGC", LABEL_JSON)
    [carrier] = read(data).label_carriers
    assert carrier.carrier == f"png:{kind}:AIGC" and carrier.parsed.label == LABEL and not carrier.parsed.wrapped
    out = write(data, label_json=PLATFORM_JSON, target=carrier, extra_properties={(NS_CLEARMARK, "Notice"): "AI生成"})
    metadata = read(out)
    assert [c.raw_text for c in metadata.label_carriers] == [PLATFORM_JSON]
    assert metadata.xmp_packets == ()  # extras go to XMP only when a packet already exists


@pytest.mark.parametrize("fmt", EXIF_FORMATS)
def test_exif_user_comment_found_and_rewritten_wrapped(fmt: str) -> None:
    data = with_exif(fmt, user_comment_exif(b"ASCII\x00\x00\x00" + WRAPPED_JSON.encode()))
    [carrier] = read(data).label_carriers
    assert carrier.carrier.endswith("UserComment") and carrier.parsed.wrapped and carrier.parsed.label == LABEL
    out = write(data, label_json=PLATFORM_JSON, target=carrier)
    [again] = read(out).label_carriers
    assert again.raw_text == '{"AIGC":' + PLATFORM_JSON + "}"
    assert np.array_equal(pixels(out), pixels(data))


def test_compat_target_with_existing_xmp_gets_extras_there() -> None:
    data = png_with_text("tEXt", "AIGC", LABEL_JSON)
    data = write(data, label_json=LABEL_JSON)  # now XMP and tEXt both hold it
    text_carrier = next(c for c in read(data).label_carriers if c.text_carrier is not None)
    out = write(
        data, label_json=PLATFORM_JSON, target=text_carrier, extra_properties={(NS_CLEARMARK, "Notice"): "AI生成"}
    )
    metadata = read(out)
    assert metadata.clearmark_notice == "AI生成"
    assert sorted(c.raw_text for c in metadata.label_carriers) == sorted([LABEL_JSON, PLATFORM_JSON])


def test_duplicates_in_xmp_and_text_are_both_reported() -> None:
    data = write(png_with_text("tEXt", "AIGC", LABEL_JSON), label_json=LABEL_JSON)
    carriers = read(data).label_carriers
    assert [c.carrier for c in carriers] == ["png:iTXt:XML:com.adobe.xmp", "png:tEXt:AIGC"]
    assert all(c.parsed.label == LABEL for c in carriers)
    offsets = [c.location.byte_offset for c in carriers]
    assert offsets == sorted(offsets)


def test_xml_escaped_json_inside_xmp_text_is_found() -> None:
    escaped = LABEL_JSON.replace('"', "&amp;quot;")  # the value itself holds &quot;
    data = with_xmp("jpeg", xmp_packet(f"<TC260:AIGC>{escaped}</TC260:AIGC>"))
    [carrier] = read(data).label_carriers
    assert carrier.raw_text == LABEL_JSON.replace('"', "&quot;")
    assert carrier.parsed.xml_escaped and carrier.parsed.label == LABEL


def test_unparseable_label_value_is_still_a_carrier() -> None:
    data = with_xmp("png", xmp_packet("<TC260:AIGC>garbage</TC260:AIGC>"))
    [carrier] = read(data).label_carriers
    assert carrier.raw_text == "garbage" and carrier.parsed is None


def test_duplicate_property_in_one_packet_reported_and_refused_for_writing() -> None:
    body = f"<TC260:AIGC>{LABEL_JSON}</TC260:AIGC><TC260:AIGC>{LABEL_JSON}</TC260:AIGC>"
    data = with_xmp("webp", xmp_packet(body))
    assert len(read(data).label_carriers) == 2
    with pytest.raises(LabelConflict):
        write(data, label_json=PLATFORM_JSON)


def test_two_standard_packets_conflict() -> None:
    data = with_xmp("jpeg", TITLED_XMP)
    segment = b"\xff\xe1" + (len(TITLED_XMP) + 31).to_bytes(2, "big") + XMP_HEADER + TITLED_XMP
    doubled = data[:2] + segment + data[2:]
    assert len(read(doubled).xmp_packets) == 2
    with pytest.raises(LabelConflict):
        write(doubled, label_json=LABEL_JSON)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<x:xmpmeta><unclosed", "MALFORMED_XML"),
        (
            b'<!DOCTYPE x [<!ENTITY a "aaaa">]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
            "HOSTILE_XML",
        ),
    ],
)
def test_bad_xmp_is_reported_not_fatal_and_never_overwritten(body: bytes, reason: str) -> None:
    data = with_xmp("png", body, rgb())
    [packet] = read(data).xmp_packets
    assert packet.document is None and packet.error.startswith(reason)
    with pytest.raises(InvalidMedia):
        write(data, label_json=LABEL_JSON)


def test_stale_xmp_target_is_refused(plain: dict[str, bytes]) -> None:
    labelled = write(plain["jpeg"], label_json=LABEL_JSON)
    [carrier] = read(labelled).label_carriers
    with pytest.raises(InvalidRequest):
        write(plain["jpeg"], label_json=PLATFORM_JSON, target=carrier)
    assert read(write(labelled, label_json=PLATFORM_JSON, target=carrier)).label_carriers[0].raw_text == PLATFORM_JSON


def test_same_input_gives_same_output(plain: dict[str, bytes]) -> None:
    for data in plain.values():
        assert write(data, label_json=LABEL_JSON) == write(data, label_json=LABEL_JSON)


def test_unsupported_format_is_refused() -> None:
    with pytest.raises(UnsupportedFormat):
        sniff_format(b"BM" + bytes(40))
