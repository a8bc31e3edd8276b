"""WebP container: RIFF walking, XMP chunk placement, simple-to-VP8X conversion, EXIF carriers."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from clearmark.core.errors import InvalidMedia, InvalidRequest, LabelConflict, MediaTooLarge
from clearmark.media import DEFAULT_LIMITS, MediaLimits, XmpDocument, decode_image
from clearmark.media.formats.webp import FLAG_ALPHA, FLAG_EXIF, FLAG_XMP, WEBP, parse_layout
from tests.media.samples import (
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


def translucent() -> Image.Image:
    image = rgb().convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize(image.size))
    return image


SAMPLES = {
    "vp8": lambda: save(rgb(48, 32), "webp"),
    "vp8l": lambda: save(rgb(48, 32), "webp", lossless=True),
    "vp8l-alpha-odd-size": lambda: save(translucent().resize((48, 32)), "webp", lossless=True),
    "vp8x-alpha": lambda: save(translucent().resize((48, 32)), "webp"),
    "vp8x-exif": lambda: with_exif("webp", user_comment_exif(b"ASCII\x00\x00\x00x"), rgb(48, 32)),
}


def image_chunks(data: bytes) -> list[bytes]:
    return [c.body(data) for c in parse_layout(data).chunks if c.fourcc in (b"VP8 ", b"VP8L", b"ALPH")]


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(decode_image(data, fmt_of(data), DEFAULT_LIMITS).image)


def riff_consistent(data: bytes) -> bool:
    return int.from_bytes(data[4:8], "little") + 8 == len(data) and len(data) % 2 == 0


@pytest.mark.parametrize("name", SAMPLES)
def test_write_xmp_to_every_layout(name: str) -> None:
    data = SAMPLES[name]()
    header = WEBP.read_header(data)
    assert (header.width, header.height, header.lossless) == (48, 32, name.startswith("vp8l"))
    out = WEBP.write_xmp(data, PACKET)
    layout = parse_layout(out)
    vp8x = layout.chunks[0].body(out)
    assert layout.chunks[0].fourcc == b"VP8X" and vp8x[0] & FLAG_XMP
    assert int.from_bytes(vp8x[4:7], "little") + 1 == 48 and int.from_bytes(vp8x[7:10], "little") + 1 == 32
    assert bool(vp8x[0] & FLAG_ALPHA) == ("alpha" in name)
    assert bool(vp8x[0] & FLAG_EXIF) == ("exif" in name)
    assert riff_consistent(out)
    assert image_chunks(out) == image_chunks(data)
    assert np.array_equal(pixels(out), pixels(data))
    [span] = WEBP.read_xmp_packets(out)
    assert (span.carrier, span.packet, span.notes) == ("webp:XMP", PACKET, ())
    assert layout.chunks[-1].fourcc == b"XMP "
    assert Image.open(io.BytesIO(out)).info["xmp"] == PACKET
    assert WEBP.read_header(out) == header


def test_replace_existing_xmp() -> None:
    data = with_xmp("webp", TITLED_XMP)
    [old] = WEBP.read_xmp_packets(data)
    assert old.packet == TITLED_XMP
    out = WEBP.write_xmp(data, PACKET + b" ")  # odd size: padded
    [new] = WEBP.read_xmp_packets(out)
    assert new.offset == old.offset and new.packet == PACKET + b" "
    assert riff_consistent(out)


def test_xmp_chunk_without_flag_is_noted() -> None:
    data = save(rgb(), "webp")
    xmp = b"XMP " + len(PACKET).to_bytes(4, "little") + PACKET
    body = data[12:] + xmp
    unflagged = b"RIFF" + (len(body) + 4).to_bytes(4, "little") + b"WEBP" + body
    [span] = WEBP.read_xmp_packets(unflagged)
    assert span.notes == ("vp8x-xmp-flag-unset",)


def test_two_xmp_chunks_conflict() -> None:
    once = WEBP.write_xmp(save(rgb(), "webp"), PACKET)
    xmp = b"XMP " + len(PACKET).to_bytes(4, "little") + PACKET
    body = once[12:] + xmp
    twice = b"RIFF" + (len(body) + 4).to_bytes(4, "little") + b"WEBP" + body
    with pytest.raises(LabelConflict):
        WEBP.write_xmp(twice, PACKET)


@pytest.mark.parametrize("prefixed", [False, True])
def test_exif_user_comment_read_and_rewrite(prefixed: bool) -> None:
    data = with_exif("webp", user_comment_exif(b"ASCII\x00\x00\x00" + WRAPPED_JSON.encode()))
    if prefixed:  # some writers keep "Exif\0\0" inside the chunk
        layout = parse_layout(data)
        exif = next(c for c in layout.chunks if c.fourcc == b"EXIF")
        body = b"Exif\x00\x00" + exif.body(data)
        chunk = b"EXIF" + len(body).to_bytes(4, "little") + body
        rest = data[12 : exif.offset] + chunk + data[exif.offset + exif.length :]
        data = b"RIFF" + (len(rest) + 4).to_bytes(4, "little") + b"WEBP" + rest
    [carrier] = WEBP.read_text_carriers(data)
    assert (carrier.carrier, carrier.text) == ("webp:EXIF:UserComment", WRAPPED_JSON)
    new_text = '{"AIGC":' + PLATFORM_JSON + "}"
    out = WEBP.write_text_carrier(data, carrier, new_text)
    assert WEBP.read_text_carriers(out)[0].text == new_text
    assert riff_consistent(out) and image_chunks(out) == image_chunks(data)
    assert Image.open(io.BytesIO(out)).getexif()[0x010F] == "Maker"


def test_mismatched_handle_is_refused() -> None:
    data = with_exif("webp", user_comment_exif(b"ASCII\x00\x00\x00" + WRAPPED_JSON.encode()))
    [carrier] = WEBP.read_text_carriers(data)
    with pytest.raises(InvalidRequest):
        WEBP.write_text_carrier(save(rgb(), "webp"), carrier, WRAPPED_JSON)


def test_trailing_bytes_after_riff_are_kept() -> None:
    data = save(rgb(), "webp") + b"TRAILER"
    out = WEBP.write_xmp(data, PACKET)
    assert out.endswith(b"TRAILER") and int.from_bytes(out[4:8], "little") + 8 == len(out) - 7


@pytest.mark.parametrize(
    "data",
    [
        b"RIFF\x04\x00\x00\x00WEBP",  # no chunks
        b"RIFF\xff\xff\x00\x00WEBPVP8 ",  # RIFF size past the end
        b"RIFF\x10\x00\x00\x00WEBPVP8 \xff\x00\x00\x00",  # chunk size past the RIFF end
        b"RIFF\x0c\x00\x00\x00WEBPVP8 ",  # chunk header cut
        b"RIFF\x0c\x00\x00\x00WEBPEXIF\x00\x00\x00\x00",  # no image chunk first
        b"RIFF\x02\x00\x00\x00WEBP",  # RIFF size below its own header
        b"RIFX\x04\x00\x00\x00WEBP",
        b"RIFF\x0c\x00\x00\x00WEBPVP8X\x00\x00\x00\x00",  # VP8X too short for its flags and canvas
    ],
)
def test_structural_errors_are_invalid_media(data: bytes) -> None:
    with pytest.raises(InvalidMedia):
        WEBP.read_xmp_packets(data)
    with pytest.raises(InvalidMedia):
        WEBP.write_xmp(data, PACKET)


@pytest.mark.parametrize(
    "chunk",
    [
        b"VP8 " + (10).to_bytes(4, "little") + b"\x01" * 10,  # not a key frame
        b"VP8L" + (5).to_bytes(4, "little") + b"\x00" * 5 + b"\x00",
    ],  # bad signature
)
def test_bad_bitstream_header_is_invalid(chunk: bytes) -> None:
    data = b"RIFF" + (len(chunk) + 4).to_bytes(4, "little") + b"WEBP" + chunk
    with pytest.raises(InvalidMedia):
        WEBP.read_header(data)
    with pytest.raises(InvalidMedia):
        WEBP.write_xmp(data, PACKET)


def test_chunk_count_limit() -> None:
    data = save(rgb(), "webp")
    body = data[12:] + b"JUNK\x00\x00\x00\x00" * 30
    many = b"RIFF" + (len(body) + 4).to_bytes(4, "little") + b"WEBP" + body
    with pytest.raises(MediaTooLarge, match="max_chunks"):
        WEBP.read_xmp_packets(many, limits=MediaLimits(max_chunks=20))
