"""Safe still-image decoding (limits checked from the header first) and same-format re-encoding."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import numpy as np
from PIL import Image

from clearmark.core.errors import InvalidMedia, MediaTooLarge, UnsupportedFormat
from clearmark.media.exif import EXIF_PREFIX, split_exif_prefix
from clearmark.media.limits import MediaLimits, check_dimensions, check_media_size
from clearmark.media.registry import container_for
from clearmark.media.sniff import FormatInfo

# Errors Pillow's decoders are known to raise on hostile or truncated input.
_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
    TypeError,
    zlib.error,
)
_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
# Formats whose extra frames are animation; a JPEG's extra MPF frames (depth maps, gain maps) are not.
_ANIMATABLE = frozenset({"png", "webp"})

# IJG's base luminance quantisation table (natural order), scaled by quality to build libjpeg's tables.
# fmt: off
_IJG_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)
# fmt: on


@dataclass(frozen=True)
class DecodedImage:
    """Fully loaded pixels (RGB or RGBA) plus what a re-encoder needs to keep."""

    image: Image.Image
    format: str
    width: int
    height: int
    icc_profile: bytes | None
    exif: bytes | None  # a TIFF block, without the ``Exif\0\0`` prefix
    lossless: bool
    quality_hint: int | None


def decode_image(data: bytes, fmt: FormatInfo, limits: MediaLimits) -> DecodedImage:
    """Decode a still image after checking its declared size against ``limits``.

    Pixels stay as stored: EXIF orientation is reported through ``exif``, never applied.

    Raises:
        MediaTooLarge: file or declared dimensions exceed the limits (checked before decoding).
        InvalidMedia: truncated or corrupt data.
        UnsupportedFormat: no decoder for the format, or an animated image.
    """
    check_media_size(data, limits)
    pil_format = _PIL_FORMATS.get(fmt.format)
    if pil_format is None:
        raise UnsupportedFormat(f"no image decoder for format {fmt.format!r}")
    header = container_for(fmt.format).read_header(data, limits=limits)
    check_dimensions(header.width, header.height, limits)
    try:
        with Image.open(BytesIO(data), formats=[pil_format]) as opened:
            check_dimensions(*opened.size, limits)
            if fmt.format in _ANIMATABLE and getattr(opened, "n_frames", 1) > 1:
                raise UnsupportedFormat(f"animated {fmt.format} images are not supported yet")
            opened.load()
            info = dict(opened.info)
            quality = _estimate_jpeg_quality(getattr(opened, "quantization", None))
            has_alpha = "A" in opened.getbands() or "transparency" in info
            image = opened.convert("RGBA" if has_alpha else "RGB")
    except Image.DecompressionBombError as exc:
        raise MediaTooLarge(f"image refused by the decoder's pixel limit: {exc}") from None
    except _DECODE_ERRORS as exc:
        raise InvalidMedia(f"{fmt.format} image cannot be decoded: {type(exc).__name__}: {exc}") from None
    image.info = {}
    return DecodedImage(
        image=image,
        format=fmt.format,
        width=image.width,
        height=image.height,
        icc_profile=info.get("icc_profile") or None,
        exif=_tiff_block(info.get("exif")),
        lossless=header.lossless,
        quality_hint=quality,
    )


def _tiff_block(exif: object) -> bytes | None:
    return split_exif_prefix(exif)[1] if isinstance(exif, bytes) and exif else None


def _ijg_tables() -> np.ndarray:
    """Row q-1: the IJG luminance table scaled to quality q (1..100)."""
    base = np.array(_IJG_LUMINANCE, dtype=np.int64)
    qualities = np.arange(1, 101)
    scales = np.where(qualities < 50, 5000 // qualities, 200 - 2 * qualities)
    return np.clip((base[None, :] * scales[:, None] + 50) // 100, 1, 255)


_IJG_TABLES = _ijg_tables()


def _estimate_jpeg_quality(tables: dict[int, list[int]] | None) -> int | None:
    """The IJG quality whose scaled luminance table is nearest the file's table 0 (None if no tables)."""
    if not tables or len(tables.get(0, ())) != 64:
        return None
    distances = np.abs(_IJG_TABLES - np.asarray(tables[0], dtype=np.int64)[None, :]).sum(axis=1)
    return int(np.argmin(distances)) + 1


def _jpeg_options(like: DecodedImage, jpeg_quality: int, webp_quality: int) -> dict[str, Any]:
    return {
        "quality": jpeg_quality,
        "optimize": False,
        "progressive": False,
        "exif": EXIF_PREFIX + like.exif if like.exif else b"",
    }


def _png_options(like: DecodedImage, jpeg_quality: int, webp_quality: int) -> dict[str, Any]:
    return {"optimize": False, "compress_level": 6, "exif": like.exif or b""}


def _webp_options(like: DecodedImage, jpeg_quality: int, webp_quality: int) -> dict[str, Any]:
    return {"lossless": like.lossless, "quality": webp_quality, "method": 4, "exif": like.exif or b""}


_ENCODERS: dict[str, tuple[str, Callable[[DecodedImage, int, int], dict[str, Any]]]] = {
    "jpeg": ("JPEG", _jpeg_options),
    "png": ("PNG", _png_options),
    "webp": ("WEBP", _webp_options),
}


def encode_image(image: Image.Image, like: DecodedImage, *, jpeg_quality: int = 95, webp_quality: int = 90) -> bytes:
    """Encode ``image`` in ``like``'s format, keeping its ICC profile and EXIF; never writes XMP.

    Output is deterministic for the same pixels and options. An ICC profile whose colour space is
    not RGB (a CMYK or grey source converted at decode) is dropped rather than mislabel the pixels.

    Raises:
        UnsupportedFormat: no encoder for ``like.format``.
    """
    try:
        pil_format, options_for = _ENCODERS[like.format]
    except KeyError:
        raise UnsupportedFormat(f"no image encoder for format {like.format!r}") from None
    mode = "RGB" if like.format == "jpeg" or image.mode not in ("RGB", "RGBA") else image.mode
    frame = image.convert(mode) if image.mode != mode else image.copy()
    frame.info = {}
    options = options_for(like, jpeg_quality, webp_quality)
    icc = like.icc_profile
    options["icc_profile"] = icc if icc and icc[16:20] == b"RGB " else None
    options["xmp"] = b""
    out = BytesIO()
    try:
        frame.save(out, format=pil_format, **options)
    except (OSError, ValueError) as exc:
        raise InvalidMedia(f"cannot encode {like.format}: {exc}") from None
    return out.getvalue()
