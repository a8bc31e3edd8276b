"""TIFF: the IFD chain walked safely, XMP in IFD0 tag 700 written without moving data, pages kept."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from clearmark.core.errors import InvalidMedia, MediaTooLarge
from clearmark.media import MediaLimits, decode_image, encode_image, format_named
from clearmark.media.formats.tiff import TIFF, XMP_TAG, page_count, parse_layout
from tests.media.samples import LABEL_JSON, PLATFORM_JSON, TITLED_XMP, read_metadata, rgb, save, write_label

FIXTURES = Path(__file__).parents[1] / "fixtures" / "c2pa"


def tiff_of(*entries: tuple[int, int, int, bytes], next_offset: int = 0, big: bool = False) -> bytes:
    """A hand-made TIFF: header then IFD0 at byte 8 with inline values (``tag, type, count, 4 bytes``)."""
    order = ">" if big else "<"
    head = (b"MM\x00*" if big else b"II*\x00") + struct.pack(order + "I", 8)
    body = struct.pack(order + "H", len(entries))
    for tag, kind, count, value in entries:
        body += struct.pack(order + "HHI", tag, kind, count) + value
    return head + body + struct.pack(order + "I", next_offset)


def test_an_ifd_chain_that_loops_is_invalid() -> None:
    looping = tiff_of((256, 4, 1, struct.pack("<I", 4)), next_offset=8)
    with pytest.raises(InvalidMedia, match="loops"):
        parse_layout(looping)


def test_offsets_past_the_end_and_empty_ifds_are_invalid() -> None:
    for data in (
        b"II*\x00" + struct.pack("<I", 4096),  # IFD0 past the end
        tiff_of(),  # no entries
        b"II*\x00\x09\x00\x00\x00" + bytes(32),  # odd IFD offset
        b"II+\x00\x08\x00\x00\x00",  # BigTIFF
    ):
        with pytest.raises(InvalidMedia):
            parse_layout(data)


def test_huge_declared_dimensions_are_refused_before_decoding() -> None:
    data = save(rgb(16, 12), "tiff")
    layout = parse_layout(data)
    width = layout.ifds[0].get(256)
    assert width is not None and width.type == 4
    huge = data[: width.value_offset] + struct.pack("<I", 1_000_000) + data[width.value_offset + 4 :]
    with pytest.raises(MediaTooLarge):
        decode_image(huge, format_named("tiff"), MediaLimits())


def test_too_many_ifds_hit_the_chunk_limit() -> None:
    with pytest.raises(MediaTooLarge):
        parse_layout((FIXTURES / "tiff_poc.tiff").read_bytes(), MediaLimits(max_chunks=100))


def test_the_c2pa_rs_tiff_bomb_is_refused_quickly() -> None:
    bomb = (FIXTURES / "tiff_poc.tiff").read_bytes()
    assert len(parse_layout(bomb).ifds) == 1000  # a long chain, walked once; SubIFDs are never followed
    with pytest.raises(InvalidMedia):
        TIFF.read_header(bomb)
    assert read_metadata(bomb).label_carriers == ()


def test_xmp_is_added_as_tag_700_and_updated_in_place() -> None:
    data = save(rgb(), "tiff")
    out = write_label(data, LABEL_JSON)
    assert out.startswith(data[:4]) and len(out) > len(data)
    ifd0 = parse_layout(out).ifds[0]
    assert ifd0.get(XMP_TAG) is not None and [e.tag for e in ifd0.entries] == sorted(e.tag for e in ifd0.entries)
    [carrier] = read_metadata(out).label_carriers
    assert carrier.carrier == "tiff:ifd0:XMP" and carrier.raw_text == LABEL_JSON
    # The pixels are byte-identical: nothing the strips point at moved.
    assert decode_image(out, format_named("tiff"), MediaLimits()).image.tobytes() == rgb().tobytes()
    updated = write_label(out, PLATFORM_JSON, target=carrier)
    [again] = read_metadata(updated).label_carriers
    assert again.raw_text == PLATFORM_JSON
    assert b'"ContentPropagator":"001191440300708461136T1XGW3"' not in updated  # old packet zeroed


def test_big_endian_ifds_are_written_in_their_byte_order() -> None:
    data = tiff_of((256, 3, 1, b"\x00\x10\x00\x00"), (257, 3, 1, b"\x00\x0c\x00\x00"), big=True)
    assert TIFF.read_header(data).width == 16
    out = write_label(data, LABEL_JSON)
    assert out.startswith(b"MM\x00*") and TIFF.read_header(out).height == 12
    assert read_metadata(out).label_carriers[0].raw_text == LABEL_JSON


def test_existing_xmp_properties_survive() -> None:
    data = save(rgb(), "tiff", tiffinfo={700: TITLED_XMP})
    out = write_label(data, LABEL_JSON)
    [packet] = read_metadata(out).xmp_packets
    assert packet.document is not None and "Sunset" in packet.span.packet.decode()


def test_pages_survive_a_re_encode_and_c2pa_manifest_ifds_are_not_pages() -> None:
    pages = [rgb(40, 30, seed) for seed in (1, 2, 3)]
    data = save(pages[0], "tiff", save_all=True, append_images=pages[1:])
    decoded = decode_image(data, format_named("tiff"), MediaLimits())
    assert len(decoded.frames) == 2 and page_count(data) == 3
    again = decode_image(
        encode_image(decoded.image, decoded, frames=decoded.frames), format_named("tiff"), MediaLimits()
    )
    assert [frame.tobytes() for frame in again.frames] == [page.tobytes() for page in pages[1:]]
    # c2pa-python 0.38.1 signs a multi-page TIFF by chaining one more IFD holding only its tag 52545.
    manifest_only = struct.pack("<H", 1) + struct.pack("<HHI", 52545, 7, 4) + b"c2pa" + struct.pack("<I", 0)
    layout = parse_layout(data)
    last = layout.ifds[-1]
    link = last.offset + 2 + 12 * len(last.entries)
    signed = data[:link] + struct.pack("<I", len(data) + len(data) % 2) + data[link + 4 :]
    signed += bytes(len(data) % 2) + manifest_only
    assert page_count(signed) == 3
    assert len(decode_image(signed, format_named("tiff"), MediaLimits()).frames) == 2


def test_summed_pages_are_bounded_by_the_pixel_limit() -> None:
    pages = [rgb(100, 100, seed) for seed in range(4)]
    data = save(pages[0], "tiff", save_all=True, append_images=pages[1:])
    with pytest.raises(MediaTooLarge, match="max_pixels"):
        decode_image(data, format_named("tiff"), MediaLimits(max_pixels=30_000))
