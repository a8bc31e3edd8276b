"""Read-only access to every text field: all PNG text chunks (after IDAT too), EXIF text tags, EXIF blocks."""

from __future__ import annotations

import zlib

import pytest
from PIL import Image

from clearmark.core.errors import InvalidMedia, MediaTooLarge
from clearmark.media import exif
from clearmark.media.formats import jpeg, png, webp
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits
from tests.media.samples import png_with_text, rgb, save


def _before_iend(data: bytes, kind: bytes, body: bytes) -> bytes:
    at = data.rindex(b"IEND") - 4
    return data[:at] + png.make_chunk(kind, body) + data[at:]


@pytest.mark.parametrize("kind", ["tEXt", "zTXt", "iTXt"])
def test_every_text_chunk_is_decoded(kind: str) -> None:
    text = "Steps: 20, Sampler: Euler" if kind != "iTXt" else "提示词: 一只猫"
    data = png_with_text(kind, "parameters", text)
    (chunk,) = png.read_text_chunks(data)
    assert (chunk.chunk_type, chunk.keyword, chunk.text) == (kind, "parameters", text)
    assert chunk.carrier == f"png:{kind}:parameters"
    assert data[chunk.offset + 4 : chunk.offset + 8] == kind.encode()
    assert chunk.offset + chunk.length <= len(data) and not chunk.after_idat and chunk.notes == ()


def test_chunks_after_idat_are_listed_in_order() -> None:
    data = png_with_text("tEXt", "Software", "NovelAI")
    data = _before_iend(data, b"tEXt", b"Comment\x00late")
    chunks = png.read_text_chunks(data)
    assert [(c.keyword, c.after_idat) for c in chunks] == [("Software", False), ("Comment", True)]


def test_a_malformed_text_chunk_is_kept_with_a_note() -> None:
    data = _before_iend(png_with_text("tEXt", "Title", "ok"), b"zTXt", b"prompt\x00\x00not zlib")
    bad = png.read_text_chunks(data)[-1]
    assert (bad.keyword, bad.text) == ("prompt", "")
    assert bad.notes and bad.notes[-1].startswith("malformed:")


def test_a_text_chunk_bomb_is_refused() -> None:
    bomb = b"prompt\x00\x00" + zlib.compress(b"{" * 3_000_000, 9)
    data = _before_iend(png_with_text("tEXt", "Title", "ok"), b"zTXt", bomb)
    with pytest.raises(MediaTooLarge):
        png.read_text_chunks(data, MediaLimits(max_inflated_text_bytes=1_000_000))


def test_image_crc_is_skipped_only_when_asked() -> None:
    data = bytearray(save(rgb(), "png"))
    idat = data.index(b"IDAT")
    data[idat + 6] ^= 0xFF  # corrupt the image data: its CRC no longer matches
    checked = {c.type: c.crc_ok for c in png.parse_chunks(bytes(data))}
    unchecked = {c.type: c.crc_ok for c in png.parse_chunks(bytes(data), check_image_crc=False)}
    assert checked[b"IDAT"] is False and unchecked[b"IDAT"] is True


def _exif(ifd0: dict[int, object], sub: dict[int, object] | None = None, big: bool = False) -> bytes:
    block = Image.Exif()
    block.endian = ">" if big else "<"
    for tag, value in ifd0.items():
        block[tag] = value
    for tag, value in (sub or {}).items():
        block.get_ifd(0x8769)[tag] = value
    return block.tobytes()


@pytest.mark.parametrize("big", [False, True])
def test_text_fields_of_ifd0_and_the_exif_ifd(big: bool) -> None:
    tiff = exif.split_exif_prefix(
        _exif(
            {0x010F: "Maker", 0x0110: "Model X", 0x0131: "GIMP 2.10", 0x9C9C: "hi".encode("utf-16-le"), 0x0100: 48},
            {0x9286: b"UNICODE\x00" + "Steps: 20".encode("utf-16-be"), 0x9003: "2025:09:01 10:00:00"},
            big,
        )
    )[1]
    fields = exif.read_text_fields(tiff)
    assert [(f.ifd, f.name, f.text) for f in fields] == [
        ("0", "Make", "Maker"),
        ("0", "Model", "Model X"),
        ("0", "Software", "GIMP 2.10"),
        ("0", "XPComment", "hi"),
        ("exif", "UserComment", "Steps: 20"),
    ]
    software = fields[2]
    assert tiff[software.value_offset : software.value_offset + software.length].rstrip(b"\x00") == b"GIMP 2.10"


@pytest.mark.parametrize("tiff", [b"", b"XX*\x00", b"II*\x00\x08\x00\x00\x00\xff\xff"])
def test_malformed_tiff_raises(tiff: bytes) -> None:
    with pytest.raises(InvalidMedia):
        exif.read_text_fields(tiff)


READERS = {"jpeg": jpeg.read_exif_blocks, "png": png.read_exif_blocks, "webp": webp.read_exif_blocks}


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_exif_blocks_point_at_their_tiff_header(fmt: str) -> None:
    data = save(rgb(), fmt, exif=_exif({0x0131: "Tool 1.0"}))
    (block,) = READERS[fmt](data, DEFAULT_LIMITS)
    assert data[block.offset : block.offset + 4] == b"II*\x00"
    assert block.tiff.startswith(b"II*\x00") and block.carrier.startswith(fmt)
    (field,) = exif.read_text_fields(block.tiff)
    assert field.name == "Software" and field.text == "Tool 1.0"


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_no_exif_no_blocks(fmt: str) -> None:
    assert READERS[fmt](save(rgb(), fmt), DEFAULT_LIMITS) == []
