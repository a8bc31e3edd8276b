"""GIF: blocks walked safely, XMP in the ``XMP DataXMP`` extension with its magic trailer, animations kept."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from clearmark.core.errors import InvalidMedia, LabelConflict, MediaTooLarge
from clearmark.media import MediaLimits, decode_image, encode_image, format_named
from clearmark.media.formats.gif import GIF, MAGIC_TRAILER, XMP_APPLICATION, parse_layout
from tests.media.samples import (
    LABEL_JSON,
    PLATFORM_JSON,
    TITLED_XMP,
    gif_with_xmp,
    read_metadata,
    rgb,
    save,
    write_label,
)

SPEC = format_named("gif")


def animation(durations: tuple[int, ...] = (40, 80, 120), size: tuple[int, int] = (32, 24)) -> bytes:
    frames = [rgb(*size, seed) for seed in range(len(durations))]
    return save(frames[0], "gif", save_all=True, append_images=frames[1:], duration=list(durations), loop=0)


def plain_gif() -> bytes:
    return save(rgb(), "gif")


def first_block(gif: bytes) -> int:
    """Where blocks start: after the header, screen descriptor and global colour table."""
    return parse_layout(gif).first_block


def insert(gif: bytes, block: bytes) -> bytes:
    """``gif`` with ``block`` inserted where blocks start."""
    at = first_block(gif)
    return gif[:at] + block + gif[at:]


def test_the_magic_trailer_is_the_one_xmp_part_3_defines() -> None:
    assert len(MAGIC_TRAILER) == 257 and MAGIC_TRAILER[:3] == b"\x01\xff\xfe" and MAGIC_TRAILER[-2:] == b"\x01\x00"


def test_xmp_is_inserted_before_the_first_image_and_read_back() -> None:
    data = animation()
    out = write_label(data, LABEL_JSON)
    layout = parse_layout(out)
    xmp = next(block for block in layout.blocks if block.application == XMP_APPLICATION)
    first_image = next(block for block in layout.blocks if block.kind == 0x2C)
    assert xmp.offset < first_image.offset
    [carrier] = read_metadata(out).label_carriers
    assert carrier.carrier == "gif:app-XMP" and carrier.raw_text == LABEL_JSON
    # Pillow (a decoder that knows nothing of XMP) still sees the same frames and timing.
    with Image.open(io.BytesIO(out)) as image:
        assert image.n_frames == 3
        assert [(image.seek(i), image.info["duration"])[1] for i in range(3)] == [40, 80, 120]
    updated = write_label(out, PLATFORM_JSON, target=carrier)
    assert read_metadata(updated).label_carriers[0].raw_text == PLATFORM_JSON


def test_existing_xmp_is_updated_property_by_property_and_gif87a_becomes_gif89a() -> None:
    data = gif_with_xmp(save(rgb(), "gif"), TITLED_XMP)
    out = write_label(data, LABEL_JSON)
    [packet] = read_metadata(out).xmp_packets
    assert packet.document is not None and "Sunset" in packet.span.packet.decode()
    old = b"GIF87a" + save(rgb(), "gif")[6:]
    assert write_label(old, LABEL_JSON).startswith(b"GIF89a")


def test_two_xmp_extensions_conflict() -> None:
    data = gif_with_xmp(gif_with_xmp(save(rgb(), "gif"), TITLED_XMP), TITLED_XMP)
    with pytest.raises(LabelConflict):
        write_label(data, LABEL_JSON)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda d: d[:-1], id="no-trailer"),
        pytest.param(lambda d: d[:40], id="truncated"),
        pytest.param(lambda d: insert(d, b"\x99"), id="unknown-block"),
        pytest.param(lambda d: insert(d, b"\x21\xff\x05XMPDa"), id="short-application-id"),
        pytest.param(lambda d: insert(d, b"\x21\xfe\xff")[: first_block(d) + 13], id="sub-block-past-end"),
    ],
)
def test_broken_structure_is_invalid_media(damage) -> None:
    data = damage(plain_gif())
    with pytest.raises(InvalidMedia):
        parse_layout(data)


def test_an_xmp_extension_without_its_trailer_is_reported_not_trusted() -> None:
    # an XMP extension holding one ordinary sub-block and no magic trailer
    data = insert(plain_gif(), b"\x21\xff\x0b" + XMP_APPLICATION + b"\x05hello\x00")
    [span] = GIF.read_xmp_packets(data)
    assert span.notes == ("no-magic-trailer",)
    [parsed] = read_metadata(data).xmp_packets
    assert parsed.document is None and parsed.error


def test_huge_screen_and_too_many_blocks_are_refused() -> None:
    data = save(rgb(), "gif")
    huge = data[:6] + (60_000).to_bytes(2, "little") + (60_000).to_bytes(2, "little") + data[10:]
    with pytest.raises(MediaTooLarge):
        decode_image(huge, SPEC, MediaLimits())
    comments = b"".join(b"\x21\xfe\x01x\x00" for _ in range(50))
    with pytest.raises(MediaTooLarge):
        parse_layout(insert(data, comments), MediaLimits(max_chunks=20))


def test_every_frame_and_its_timing_survive_a_re_encode() -> None:
    decoded = decode_image(animation(), SPEC, MediaLimits())
    assert len(decoded.frames) == 2 and decoded.durations_ms == (40, 80, 120) and decoded.loop == 0
    again = decode_image(encode_image(decoded.image, decoded, frames=decoded.frames), SPEC, MediaLimits())
    assert again.durations_ms == (40, 80, 120) and again.loop == 0 and len(again.frames) == 2


def test_summed_frames_are_bounded_by_the_pixel_limit() -> None:
    with pytest.raises(MediaTooLarge, match="max_pixels"):
        decode_image(animation((10,) * 5, (100, 100)), SPEC, MediaLimits(max_pixels=30_000))
