"""HEIF and AVIF: XMP as a meta-box item, written without touching the image items; hostile boxes refused."""

from __future__ import annotations

import struct

import pytest

from clearmark.core.errors import InvalidMedia, MediaTooLarge, UnsupportedFormat
from clearmark.media import MediaLimits, decode_image, format_named, sniff_format
from clearmark.media.bmff import BoxCounter, items_of, make_box, parse_boxes, parse_meta
from tests.media.samples import (
    LABEL_JSON,
    PLATFORM_JSON,
    TITLED_XMP,
    WRAPPED_JSON,
    read_metadata,
    rgb,
    save,
    user_comment_exif,
    write_label,
)

HEIF_FORMATS = ("heif", "avif")


def test_boxes_with_largesize_uuid_and_to_the_end() -> None:
    data = make_box(b"free", b"ab") + (1).to_bytes(4, "big") + b"skip" + (20).to_bytes(8, "big") + b"1234"
    data += (28).to_bytes(4, "big") + b"uuid" + bytes(16) + b"wxyz" + bytes(4) + b"mdat" + b"tail"
    boxes = parse_boxes(data, 0, len(data), BoxCounter())
    assert [(box.type, box.header, box.size) for box in boxes] == [
        (b"free", 8, 10),
        (b"skip", 16, 20),
        (b"uuid", 24, 28),
        (b"mdat", 8, 12),
    ]
    assert boxes[1].body(data) == b"1234" and boxes[2].body(data) == b"wxyz"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(make_box(b"free", b"ab")[:-1], id="past-the-end"),
        pytest.param((4).to_bytes(4, "big") + b"free", id="smaller-than-its-header"),
        pytest.param((1).to_bytes(4, "big") + b"free" + (8).to_bytes(8, "big"), id="largesize-below-header"),
        pytest.param(b"\x00\x00\x00", id="truncated-header"),
    ],
)
def test_lying_box_sizes_are_invalid(data: bytes) -> None:
    with pytest.raises(InvalidMedia):
        parse_boxes(data, 0, len(data), BoxCounter())


def test_box_count_is_limited() -> None:
    data = make_box(b"free", b"") * 50
    with pytest.raises(MediaTooLarge):
        parse_boxes(data, 0, len(data), BoxCounter(MediaLimits(max_chunks=10)))


@pytest.mark.parametrize("fmt", HEIF_FORMATS)
def test_xmp_becomes_an_item_describing_the_primary_image(fmt: str) -> None:
    data = save(rgb(64, 48), fmt)
    before = decode_image(data, format_named(fmt), MediaLimits()).image.tobytes()
    out = write_label(data, LABEL_JSON)
    meta = parse_meta(out)
    [xmp] = items_of(meta, b"mime", b"application/rdf+xml")
    iref = next(child for child in meta.children if child.type == b"iref")
    reference = iref.body(out)[4:]
    assert reference[4:8] == b"cdsc" and int.from_bytes(reference[8:10], "big") == xmp.item_id
    assert int.from_bytes(reference[12:14], "big") == meta.primary
    [carrier] = read_metadata(out).label_carriers
    assert carrier.carrier == f"{fmt}:item-XMP" and carrier.raw_text == LABEL_JSON
    # The coded image moved with the grown meta box, and decodes to the same pixels.
    assert decode_image(out, format_named(fmt), MediaLimits()).image.tobytes() == before
    updated = write_label(out, PLATFORM_JSON, target=carrier)
    assert [c.raw_text for c in read_metadata(updated).label_carriers] == [PLATFORM_JSON]
    assert len(items_of(parse_meta(updated), b"mime")) == 1
    assert b'"PropagateID":"gen-0001"' not in updated  # the old packet was zeroed
    assert decode_image(updated, format_named(fmt), MediaLimits()).image.tobytes() == before


@pytest.mark.parametrize("fmt", HEIF_FORMATS)
def test_existing_xmp_and_exif_label_carriers(fmt: str) -> None:
    exif = user_comment_exif(b"ASCII\x00\x00\x00" + WRAPPED_JSON.encode())
    data = save(rgb(), fmt, xmp=TITLED_XMP, exif=exif)
    carriers = read_metadata(data).label_carriers
    assert [c.carrier for c in carriers] == [f"{fmt}:item-Exif:UserComment"]
    out = write_label(data, PLATFORM_JSON, target=carriers[0])
    [after] = read_metadata(out).label_carriers
    assert after.raw_text == '{"AIGC":' + PLATFORM_JSON + "}" and not after.standard
    labelled = write_label(data, LABEL_JSON)
    [packet] = read_metadata(labelled).xmp_packets
    assert packet.document is not None and "Sunset" in packet.span.packet.decode()


@pytest.mark.parametrize("fmt", HEIF_FORMATS)
def test_huge_declared_size_is_refused_before_decoding(fmt: str) -> None:
    data = save(rgb(64, 48), fmt)
    at = data.index(b"ispe") + 8
    huge = data[:at] + struct.pack(">II", 100_000, 100_000) + data[at + 8 :]
    with pytest.raises(MediaTooLarge):
        decode_image(huge, format_named(fmt), MediaLimits())


@pytest.mark.parametrize("fmt", HEIF_FORMATS)
def test_item_extents_past_the_end_are_invalid(fmt: str) -> None:
    data = save(rgb(64, 48), fmt, xmp=TITLED_XMP)
    with pytest.raises(InvalidMedia):
        read_metadata(data[: data.rindex(b"<?xpacket end") - 10])


def test_image_sequences_are_read_but_not_written() -> None:
    data = save(rgb(64, 48), "avif") + make_box(b"moov", b"")
    assert read_metadata(data).label_carriers == ()
    with pytest.raises(UnsupportedFormat, match="moov"):
        write_label(data, LABEL_JSON)


def test_avif_is_told_from_heif_by_its_brands() -> None:
    heif, avif = save(rgb(), "heif"), save(rgb(), "avif")
    assert (sniff_format(heif).name, sniff_format(avif).name) == ("heif", "avif")
    # AVIF files may name mif1 as major brand and avif only among the compatible ones.
    size = int.from_bytes(avif[:4], "big")
    swapped = avif[:8] + b"mif1" + avif[12:16] + avif[16:size].replace(b"mif1", b"avif", 1) + avif[size:]
    assert sniff_format(swapped).name == "avif"
