"""PNG container: chunk walking, iTXt XMP placement, AIGC text chunks and eXIf carriers, bombs."""

from __future__ import annotations

import io
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from clearmark.core.errors import InvalidMedia, InvalidRequest, LabelConflict, MediaTooLarge
from clearmark.media import DEFAULT_LIMITS, MediaLimits, XmpDocument, decode_image
from clearmark.media.formats.png import PNG, parse_chunks
from tests.media.samples import (
    LABEL_JSON,
    PLATFORM_JSON,
    TITLED_XMP,
    WRAPPED_JSON,
    fmt_of,
    png_with_text,
    rgb,
    save,
    user_comment_exif,
    with_exif,
    with_xmp,
)

PACKET = XmpDocument.empty().to_packet()


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def insert_after_ihdr(data: bytes, *chunks: bytes) -> bytes:
    return data[:33] + b"".join(chunks) + data[33:]


def image_data(data: bytes) -> list[bytes]:
    return [data[c.offset : c.offset + c.length] for c in parse_chunks(data) if c.type in (b"IHDR", b"IDAT")]


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(decode_image(data, fmt_of(data), DEFAULT_LIMITS).image)


def crcs_ok(data: bytes) -> bool:
    return all(c.crc_ok for c in parse_chunks(data))


def test_header() -> None:
    header = PNG.read_header(save(rgb(48, 32), "png"))
    assert (header.width, header.height, header.lossless) == (48, 32, True)


def test_insert_right_after_ihdr_uncompressed() -> None:
    data = save(rgb(), "png")
    out = PNG.write_xmp(data, PACKET)
    chunks = parse_chunks(out)
    assert [c.type for c in chunks[:2]] == [b"IHDR", b"iTXt"]
    assert chunks[1].body(out) == b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + PACKET
    assert crcs_ok(out) and image_data(out) == image_data(data)
    assert np.array_equal(pixels(out), pixels(data))
    assert Image.open(io.BytesIO(out)).info["xmp"] == PACKET


def test_replace_existing_keeps_neighbours() -> None:
    data = with_xmp("png", TITLED_XMP)
    [old] = PNG.read_xmp_packets(data)
    assert old.packet == TITLED_XMP
    out = PNG.write_xmp(data, PACKET)
    [new] = PNG.read_xmp_packets(out)
    assert new.offset == old.offset and new.packet == PACKET
    assert out[new.offset + new.length :] == data[old.offset + old.length :]


def test_compressed_xmp_is_read_and_rewritten_uncompressed() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", TITLED_XMP.decode(), zip=True)
    data = save(rgb(), "png", pnginfo=info)
    [span] = PNG.read_xmp_packets(data)
    assert span.packet == TITLED_XMP
    [again] = PNG.read_xmp_packets(PNG.write_xmp(data, PACKET))
    assert again.packet == PACKET


def test_two_xmp_chunks_conflict() -> None:
    xmp = chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + PACKET)
    with pytest.raises(LabelConflict):
        PNG.write_xmp(insert_after_ihdr(save(rgb(), "png"), xmp, xmp), PACKET)


@pytest.mark.parametrize("kind", ["tEXt", "zTXt", "iTXt"])
def test_aigc_text_chunks_read_and_rewrite(kind: str) -> None:
    data = png_with_text(kind, "AIGC", LABEL_JSON)
    [carrier] = PNG.read_text_carriers(data)
    assert (carrier.carrier, carrier.text, carrier.wrapped_form) == (f"png:{kind}:AIGC", LABEL_JSON, False)
    out = PNG.write_text_carrier(data, carrier, PLATFORM_JSON)
    [again] = PNG.read_text_carriers(out)
    assert (again.carrier, again.text) == (carrier.carrier, PLATFORM_JSON)
    assert crcs_ok(out) and image_data(out) == image_data(data)
    assert Image.open(io.BytesIO(out)).text["AIGC"] == PLATFORM_JSON


def test_other_keywords_are_not_carriers() -> None:
    assert PNG.read_text_carriers(png_with_text("tEXt", "Comment", LABEL_JSON)) == []


def test_exif_user_comment_carrier() -> None:
    data = with_exif("png", user_comment_exif(b"ASCII\x00\x00\x00" + WRAPPED_JSON.encode()))
    [carrier] = PNG.read_text_carriers(data)
    assert (carrier.carrier, carrier.text, carrier.wrapped_form) == ("png:eXIf:UserComment", WRAPPED_JSON, True)
    out = PNG.write_text_carrier(data, carrier, '{"AIGC":' + PLATFORM_JSON + "}")
    assert PNG.read_text_carriers(out)[0].text == '{"AIGC":' + PLATFORM_JSON + "}"
    assert crcs_ok(out)
    assert Image.open(io.BytesIO(out)).getexif()[0x010F] == "Maker"


def test_tEXt_cannot_carry_non_latin1() -> None:  # noqa: N802 - chunk name
    data = png_with_text("tEXt", "AIGC", LABEL_JSON)
    [carrier] = PNG.read_text_carriers(data)
    with pytest.raises(InvalidRequest):
        PNG.write_text_carrier(data, carrier, "生成")


def test_mismatched_handle_is_refused() -> None:
    data = png_with_text("tEXt", "AIGC", LABEL_JSON)
    [carrier] = PNG.read_text_carriers(data)
    with pytest.raises(InvalidRequest):
        PNG.write_text_carrier(save(rgb(), "png"), carrier, LABEL_JSON)


def test_crc_mismatch_is_noted_not_fatal() -> None:
    data = bytearray(png_with_text("tEXt", "AIGC", LABEL_JSON))
    [carrier] = PNG.read_text_carriers(bytes(data))
    data[carrier.offset + carrier.length - 1] ^= 0xFF
    [noted] = PNG.read_text_carriers(bytes(data))
    assert noted.notes == ("crc-mismatch",) and noted.text == LABEL_JSON


def test_ztxt_bomb_hits_the_inflate_cap_quickly() -> None:
    inflater = zlib.compressobj(9)
    bomb = b"".join(inflater.compress(b"\x00" * (1 << 20)) for _ in range(100)) + inflater.flush()
    data = insert_after_ihdr(save(rgb(), "png"), chunk(b"zTXt", b"AIGC\x00\x00" + bomb))
    started = time.perf_counter()
    with pytest.raises(MediaTooLarge, match="max_inflated_text_bytes"):
        PNG.read_text_carriers(data)
    assert time.perf_counter() - started < 0.5


def test_total_inflated_text_is_capped_too() -> None:
    text = chunk(b"zTXt", b"AIGC\x00\x00" + zlib.compress(b"a" * 900_000, 9))
    data = insert_after_ihdr(save(rgb(), "png"), *[text] * 6)
    with pytest.raises(MediaTooLarge, match="max_metadata_bytes"):
        PNG.read_text_carriers(data)


def test_malformed_aigc_chunk_is_reported_with_a_note() -> None:
    data = insert_after_ihdr(save(rgb(), "png"), chunk(b"zTXt", b"AIGC\x00\x00not zlib"))
    [carrier] = PNG.read_text_carriers(data)
    assert carrier.text == "" and carrier.notes[0].startswith("malformed")


def test_huge_declared_ihdr_reads_header_fine() -> None:
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")
    assert (PNG.read_header(data).width, PNG.read_header(data).height) == (100_000, 100_000)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n",  # no chunks
        b"\x89PNG\r\n\x1a\n" + chunk(b"IDAT", b""),  # IHDR not first
        b"\x89PNG\r\n\x1a\n" + b"\x7f\xff\xff\xffIHDR" + b"\x00" * 20,  # lying length
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", b"\x00" * 13),  # no IEND
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", b"\x00" * 13) + chunk(b"12\x003", b""),  # bad type
        b"\x89PNG\r\n\x1a\n" + b"\xff\xff\xff\xffIHDR",  # length beyond 2^31
    ],
)
def test_structural_errors_are_invalid_media(data: bytes) -> None:
    with pytest.raises(InvalidMedia):
        PNG.read_xmp_packets(data)


def test_bad_ihdr_is_invalid() -> None:
    for body in (b"\x00" * 12, b"\x00" * 13):
        with pytest.raises(InvalidMedia, match="IHDR"):
            PNG.read_header(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", body) + chunk(b"IEND", b""))


def test_chunk_count_limit() -> None:
    data = insert_after_ihdr(save(rgb(), "png"), *[chunk(b"teSt", b"")] * 30)
    with pytest.raises(MediaTooLarge, match="max_chunks"):
        PNG.read_xmp_packets(data, limits=MediaLimits(max_chunks=20))


def test_trailing_bytes_after_iend_are_kept() -> None:
    data = save(rgb(), "png") + b"TRAILER"
    assert PNG.write_xmp(data, PACKET).endswith(b"TRAILER")
