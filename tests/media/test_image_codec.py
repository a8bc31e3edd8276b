"""decode_image / encode_image: limits before pixels, RGB(A) output, what re-encoding keeps."""

from __future__ import annotations

import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image, ImageCms

from clearmark.core.errors import InvalidMedia, MediaTooLarge, UnsupportedFormat
from clearmark.media import DEFAULT_LIMITS, MediaLimits, decode_image, encode_image
from clearmark.media.limits import check_media_size
from tests.media.samples import FORMATS, fmt_of, read_metadata, rgb, save, user_comment_exif, with_xmp, xmp_packet


def decode(data: bytes, limits: MediaLimits = DEFAULT_LIMITS):  # noqa: ANN201 - test helper
    return decode_image(data, fmt_of(data), limits)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose IHDR declares the given size (its IDAT is nowhere near that big)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_decodes_to_rgb_with_header_facts(fmt: str) -> None:
    decoded = decode(save(rgb(48, 32), fmt))
    assert (decoded.format, decoded.width, decoded.height, decoded.image.mode) == (fmt, 48, 32, "RGB")
    assert decoded.image.size == (48, 32)
    assert decoded.lossless is (fmt in ("png", "gif", "tiff"))


def test_alpha_and_palette_and_grey_modes() -> None:
    rgba = rgb().convert("RGBA")
    rgba.putalpha(128)
    assert decode(save(rgba, "png")).image.mode == "RGBA"
    assert decode(save(rgba, "webp", lossless=True)).image.mode == "RGBA"
    palette = rgb().convert("P")
    assert decode(save(palette, "png", transparency=0)).image.mode == "RGBA"
    assert decode(save(rgb().convert("L"), "png")).image.mode == "RGB"
    assert decode(save(rgb().convert("L"), "jpeg")).image.mode == "RGB"


def test_lossless_webp_is_flagged_and_pixel_exact() -> None:
    image = rgb()
    decoded = decode(save(image, "webp", lossless=True))
    assert decoded.lossless
    assert np.array_equal(np.asarray(decoded.image), np.asarray(image))


@pytest.mark.parametrize("quality", [30, 50, 75, 90, 95])
def test_jpeg_quality_hint_matches_libjpeg_quality(quality: int) -> None:
    assert decode(save(rgb(), "jpeg", quality=quality)).quality_hint == quality


def test_non_jpeg_has_no_quality_hint() -> None:
    assert decode(save(rgb(), "png")).quality_hint is None


def test_huge_declared_dimensions_fail_before_decoding() -> None:
    data = png_declaring(100_000, 100_000)
    started = time.perf_counter()
    with pytest.raises(MediaTooLarge, match="max_dimension"):
        decode(data)
    with pytest.raises(MediaTooLarge, match="max_pixels"):
        decode(data, MediaLimits(max_dimension=200_000))
    assert time.perf_counter() - started < 0.5


def test_pillow_bomb_guard_maps_to_media_too_large_when_our_limits_are_looser() -> None:
    loose = MediaLimits(max_pixels=10**12, max_dimension=10**6)
    with pytest.raises(MediaTooLarge, match="pixel limit"):
        decode(png_declaring(100_000, 100_000), loose)


def test_file_size_limit() -> None:
    with pytest.raises(MediaTooLarge, match="max_bytes=10"):
        check_media_size(b"x" * 11, MediaLimits(max_bytes=10))
    with pytest.raises(MediaTooLarge, match="max_bytes"):
        decode(save(rgb(), "png"), MediaLimits(max_bytes=100))


def test_declared_size_not_backed_by_data_is_invalid() -> None:
    with pytest.raises(InvalidMedia):
        decode(png_declaring(300, 300))


@pytest.mark.parametrize("fmt", FORMATS)
def test_truncated_images_are_invalid_media(fmt: str) -> None:
    data = save(rgb(), fmt)
    for cut in (len(data) // 2, len(data) - 3, 40):
        with pytest.raises(InvalidMedia):
            decode(data[:cut])


def test_animated_images_are_unsupported_for_decoding() -> None:
    frames = [rgb(seed=1), rgb(seed=2)]
    for fmt in ("png", "webp"):
        data = save(frames[0], fmt, save_all=True, append_images=frames[1:])
        with pytest.raises(UnsupportedFormat, match="animated"):
            decode(data)


def test_exif_orientation_is_not_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° CW on display
    decoded = decode(save(rgb(48, 32), "jpeg", exif=exif))
    assert decoded.image.size == (48, 32)
    assert decoded.exif is not None and decoded.exif[:2] in (b"II", b"MM")


# GIF carries neither ICC nor EXIF. A re-encoded TIFF keeps its IFD0 descriptive tags (Make…), not
# its Exif sub-IFD: libtiff refuses Pillow's Exif IFD pointer.
KEEPS_ICC = tuple(fmt for fmt in FORMATS if fmt != "gif")
KEEPS_EXIF = tuple(fmt for fmt in FORMATS if fmt != "gif")


@pytest.mark.parametrize("fmt", FORMATS)
def test_encode_keeps_format_icc_and_exif_and_is_deterministic(fmt: str) -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = user_comment_exif(b"ASCII\x00\x00\x00hello")
    decoded = decode(save(rgb(), fmt, icc_profile=icc, exif=exif))
    assert decoded.icc_profile == (icc if fmt in KEEPS_ICC else None)
    first = encode_image(decoded.image, decoded)
    assert first == encode_image(decoded.image, decoded)
    assert fmt_of(first).name == fmt
    again = decode(first)
    assert again.icc_profile == (icc if fmt in KEEPS_ICC else None)
    if fmt not in KEEPS_EXIF:
        assert again.exif is None
        return
    assert again.exif is not None
    reread = Image.Exif()
    reread.load(again.exif)
    assert reread[0x010F] == "Maker"


@pytest.mark.parametrize("fmt", FORMATS)
def test_encode_never_writes_xmp(fmt: str) -> None:
    decoded = decode(with_xmp(fmt, xmp_packet("")))
    decoded.image.info["xmp"] = xmp_packet("")
    out = encode_image(decoded.image, decoded)
    assert read_metadata(out).xmp_packets == ()


def test_lossless_webp_stays_lossless_and_rgba_jpeg_becomes_rgb() -> None:
    source = rgb().convert("RGBA")
    source.putalpha(Image.linear_gradient("L").resize(source.size))
    decoded = decode(save(source, "webp", lossless=True))
    out = encode_image(decoded.image, decoded)
    assert decode(out).lossless
    assert np.array_equal(np.asarray(decode(out).image), np.asarray(source))
    jpeg = decode(save(rgb(), "jpeg"))
    assert decode(encode_image(source, jpeg)).image.mode == "RGB"


def test_non_rgb_icc_profile_is_dropped_on_encode() -> None:
    grey = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    decoded = decode(save(rgb(), "png", icc_profile=grey))
    assert decoded.icc_profile == grey
    assert decode(encode_image(decoded.image, decoded)).icc_profile is None
