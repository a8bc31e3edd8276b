"""JPEG container: segment walking, APP1 XMP placement and replacement, EXIF UserComment carriers."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from clearmark.core.errors import InvalidMedia, InvalidRequest, LabelConflict, MediaTooLarge
from clearmark.media import DEFAULT_LIMITS, MediaLimits, XmpDocument, decode_image
from clearmark.media.exif import find_user_comment
from clearmark.media.formats.jpeg import JPEG, MAX_XMP_PACKET, XMP_EXTENSION_HEADER, XMP_HEADER, parse_segments
from tests.media.samples import (
    LABEL_JSON,
    PLATFORM_JSON,
    TITLED_XMP,
    WRAPPED_JSON,
    fmt_of,
    rgb,
    save,
    user_comment_exif,
    with_exif,
    with_xmp,
)

PACKET = XmpDocument.empty().to_packet()


def scan_data(data: bytes) -> bytes:
    """Everything from the first SOS marker to the end of the file."""
    first_sos = next(s for s in parse_segments(data) if s.marker == 0xDA)
    return data[first_sos.offset :]


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(decode_image(data, fmt_of(data), DEFAULT_LIMITS).image)


def app1(payload: bytes) -> bytes:
    return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload


def test_header_and_segments() -> None:
    data = save(rgb(48, 32), "jpeg", progressive=True)
    header = JPEG.read_header(data)
    assert (header.width, header.height, header.lossless) == (48, 32, False)
    segments = parse_segments(data)
    assert segments[0].marker == 0xD8 and segments[-1].marker == 0xD9
    assert sum(s.marker == 0xDA for s in segments) > 1  # progressive: several scans walked
    assert segments[-1].offset + segments[-1].length == len(data)


def test_insert_goes_after_app0_and_exif() -> None:
    data = with_exif("jpeg", user_comment_exif(b"ASCII\x00\x00\x00plain"))
    out = JPEG.write_xmp(data, PACKET)
    markers = [(s.marker, s.payload(out)[:6]) for s in parse_segments(out)[:4]]
    assert markers[1][0] == 0xE0 and markers[2] == (0xE1, b"Exif\x00\x00")
    assert markers[3][0] == 0xE1 and parse_segments(out)[3].payload(out).startswith(XMP_HEADER)
    assert scan_data(out) == scan_data(data)
    assert np.array_equal(pixels(out), pixels(data))
    [span] = JPEG.read_xmp_packets(out)
    assert (span.packet, span.carrier, span.standard) == (PACKET, "jpeg:app1-xmp", True)


def test_replace_keeps_position_and_everything_else() -> None:
    data = with_xmp("jpeg", TITLED_XMP)
    [old] = JPEG.read_xmp_packets(data)
    new_packet = XmpDocument.parse(TITLED_XMP).to_packet()
    out = JPEG.write_xmp(data, new_packet)
    [new] = JPEG.read_xmp_packets(out)
    assert new.offset == old.offset and new.packet == new_packet
    assert out[: old.offset] == data[: old.offset]
    assert out[new.offset + new.length :] == data[old.offset + old.length :]


def test_packet_size_limit() -> None:
    data = save(rgb(), "jpeg")
    JPEG.write_xmp(data, b" " * MAX_XMP_PACKET)
    with pytest.raises(MediaTooLarge, match=str(MAX_XMP_PACKET)):
        JPEG.write_xmp(data, b" " * (MAX_XMP_PACKET + 1))


def test_two_packets_conflict_and_extended_xmp_is_listed_not_standard() -> None:
    data = save(rgb(), "jpeg")
    doubled = data[:2] + app1(XMP_HEADER + PACKET) + app1(XMP_HEADER + PACKET) + data[2:]
    with pytest.raises(LabelConflict):
        JPEG.write_xmp(doubled, PACKET)
    extended = data[:2] + app1(XMP_HEADER + PACKET) + app1(XMP_EXTENSION_HEADER + b"0" * 40 + b"<fragment") + data[2:]
    spans = JPEG.read_xmp_packets(extended)
    assert [(s.carrier, s.standard) for s in spans] == [("jpeg:app1-xmp", True), ("jpeg:app1-xmp-extension", False)]
    assert JPEG.read_xmp_packets(JPEG.write_xmp(extended, PACKET))[1].standard is False


@pytest.mark.parametrize(
    ("prefix", "encoding", "big_endian"),
    [
        (b"ASCII\x00\x00\x00", "ascii", False),
        (b"UNICODE\x00", "utf-16-le", False),
        (b"UNICODE\x00", "utf-16-be", True),
        (b"UNICODE\x00", "utf-16-be", False),  # byte order differing from the TIFF's, seen in the wild
        (b"\x00" * 8, "utf-8", True),
    ],
)
def test_user_comment_read_and_rewrite(prefix: bytes, encoding: str, big_endian: bool) -> None:
    data = with_exif("jpeg", user_comment_exif(prefix + WRAPPED_JSON.encode(encoding), big_endian=big_endian))
    [carrier] = JPEG.read_text_carriers(data)
    assert (carrier.carrier, carrier.text, carrier.wrapped_form) == ("jpeg:exif:UserComment", WRAPPED_JSON, True)
    longer = '{"AIGC":' + PLATFORM_JSON + "}"
    for new_text in (longer, '{"AIGC":{"Label":"1"}}'):  # grows (appended) and shrinks (in place)
        out = JPEG.write_text_carrier(data, carrier, new_text)
        [again] = JPEG.read_text_carriers(out)
        assert again.text == new_text
        exif = Image.open(io.BytesIO(out)).getexif()
        assert (exif[0x010F], exif[0x0110]) == ("Maker", "Model X")
        assert exif.get_ifd(0x8769)[0x9003] == "2025:09:01 10:00:00"
        assert scan_data(out) == scan_data(data)
        tiff = parse_segments(out)[2].payload(out)[6:]
        assert find_user_comment(tiff).charset == (
            "ascii" if encoding == "ascii" else "undefined" if encoding == "utf-8" else encoding
        )
        assert WRAPPED_JSON.encode(encoding) not in out  # no stale copy of the old label survives


def test_user_comment_without_label_is_not_a_carrier() -> None:
    data = with_exif("jpeg", user_comment_exif(b"ASCII\x00\x00\x00just a caption"))
    assert JPEG.read_text_carriers(data) == []


def test_corrupt_exif_is_skipped_not_fatal() -> None:
    data = save(rgb(), "jpeg")
    broken = data[:2] + app1(b"Exif\x00\x00II*\x00\xff\xff\xff\x7f") + data[2:]
    assert JPEG.read_text_carriers(broken) == []


def test_stale_carrier_handle_is_refused() -> None:
    data = with_exif("jpeg", user_comment_exif(b"ASCII\x00\x00\x00" + WRAPPED_JSON.encode()))
    [carrier] = JPEG.read_text_carriers(data)
    with pytest.raises(InvalidRequest):
        JPEG.write_text_carrier(b"\xff\xd8\xff\xe0\x00\x02" + data[2:], carrier, WRAPPED_JSON)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG not a jpeg",
        b"\xff\xd8",  # no EOI
        b"\xff\xd8\xff\xe1\xff\xff" + b"\x00" * 10,  # length past the end
        b"\xff\xd8\xff\xe1\x00\x01\xff\xd9",  # length below 2
        b"\xff\xd8\x00\x00",  # no marker
        b"\xff\xd8\xff\xda\x00\x02\x12\x34",  # scan never ends
        b"\xff\xd8\xff\x00\xff\xd9",  # stuffed zero outside a scan
    ],
)
def test_structural_errors_are_invalid_media(data: bytes) -> None:
    with pytest.raises(InvalidMedia):
        JPEG.read_xmp_packets(data)


def test_no_frame_header_is_invalid() -> None:
    with pytest.raises(InvalidMedia, match="SOFn"):
        JPEG.read_header(b"\xff\xd8\xff\xd9")


def test_segment_count_and_metadata_limits() -> None:
    data = save(rgb(), "jpeg")
    many = data[:2] + b"\xff\xfe\x00\x02" * 50 + data[2:]
    with pytest.raises(MediaTooLarge, match="max_chunks"):
        JPEG.read_xmp_packets(many, limits=MediaLimits(max_chunks=20))
    big = data[:2] + app1(XMP_HEADER + b" " * 60_000) * 3 + data[2:]
    with pytest.raises(MediaTooLarge, match="max_metadata_bytes"):
        JPEG.read_xmp_packets(big, limits=MediaLimits(max_metadata_bytes=100_000))


def test_trailing_bytes_after_eoi_are_kept() -> None:
    data = save(rgb(), "jpeg") + b"TRAILER"
    assert JPEG.write_xmp(data, LABEL_JSON.encode()).endswith(b"\xff\xd9TRAILER")
