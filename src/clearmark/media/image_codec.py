"""Safe still-image decoding through Pillow (limits checked from the header first) and same-format re-encoding."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Sequence
from io import BytesIO
from typing import Any

import numpy as np
from PIL import Image

from clearmark.core.errors import InvalidMedia, MediaTooLarge, UnsupportedFormat
from clearmark.media.exif import split_exif_prefix
from clearmark.media.format import DecodedImage, FormatSpec, ImageHeader
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, check_dimensions, check_media_size, enforce_limit

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
    RuntimeError,  # how Pillow's AVIF plugin and pillow-heif report libavif/libheif failures
)
# IJG's base luminance quantisation table (natural order), scaled by quality to build libjpeg's tables.
# fmt: off
_IJG_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)
# fmt: on


EncodeOptions = Callable[["DecodedImage", int, int], dict[str, Any]]


class PillowCodec:
    """A still-image codec through one of Pillow's plugins, with limits checked from the header first.

    Args:
        name: the format's registered name (``jpeg``), kept on each decoded image.
        pil_format: Pillow's name of the plugin (``JPEG``).
        header: reads dimensions from the container without decoding (the format's byte-level reader).
        options: the encoder options that keep ``like``'s coding (quality, ICC, EXIF).
        animatable: whether extra frames are an animation (refused until the format draws every frame);
            a JPEG's extra MPF frames (depth or gain maps) are not.
        rgb_only: the encoder takes no alpha.
        frames: every frame or page is decoded (``DecodedImage.frames``, with durations and loop
            count) and re-encoded; their pixels together must fit ``max_pixels``.
        frame_count: how many leading frames are images, read from the container (a TIFF whose
            last IFD holds only a C2PA manifest has one IFD more than it has pages); all when None.
        exif_reader: the EXIF block of a format whose EXIF Pillow does not report in ``info``
            (a TIFF's own IFD0 tags).
    """

    def __init__(
        self,
        name: str,
        pil_format: str,
        header: Callable[..., ImageHeader],
        options: EncodeOptions,
        *,
        animatable: bool = False,
        rgb_only: bool = False,
        frames: bool = False,
        frame_count: Callable[[bytes, MediaLimits], int] | None = None,
        exif_reader: Callable[[bytes, MediaLimits], bytes | None] | None = None,
    ) -> None:
        self.name = name
        self.pil_format = pil_format
        self._header = header
        self._options = options
        self.animatable = animatable
        self.rgb_only = rgb_only
        self.frames = frames
        self._frame_count = frame_count
        self._exif_reader = exif_reader

    def read_header(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> ImageHeader:
        return self._header(data, limits=limits)

    def decode(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> DecodedImage:
        """Decode a still image after checking its declared size against ``limits``.

        Pixels stay as stored: EXIF orientation is reported through ``exif``, never applied.

        Raises:
            MediaTooLarge: file or declared dimensions exceed the limits (checked before decoding).
            InvalidMedia: truncated or corrupt data.
            UnsupportedFormat: an animated image.
        """
        check_media_size(data, limits)
        header = self.read_header(data, limits=limits)
        check_dimensions(header.width, header.height, limits)
        try:
            with Image.open(BytesIO(data), formats=[self.pil_format]) as opened:
                check_dimensions(*opened.size, limits)
                # Where the container knows its pages, Pillow is not asked: it would walk (and choke on)
                # IFDs that are no image.
                count = getattr(opened, "n_frames", 1) if self._frame_count is None else self._frame_count(data, limits)
                if self.animatable and count > 1:
                    raise UnsupportedFormat(f"animated {self.pil_format} images are not supported yet")
                opened.load()
                info = dict(opened.info)
                quality = _estimate_jpeg_quality(getattr(opened, "quantization", None))
                has_alpha = "A" in opened.getbands() or "transparency" in info
                later_frames = self.frames and count > 1
                image = _detached(opened, "RGBA" if has_alpha else "RGB", share=not later_frames)
                durations = [int(info.get("duration") or 0)]
                extra: list[Image.Image] = []
                if later_frames:
                    extra, durations = self._later_frames(opened, count, has_alpha, durations, limits)
        except Image.DecompressionBombError as exc:
            raise MediaTooLarge(f"image refused by the decoder's pixel limit: {exc}") from None
        except _DECODE_ERRORS as exc:
            raise InvalidMedia(f"{self.pil_format} image cannot be decoded: {type(exc).__name__}: {exc}") from None
        image.info = {}
        loop = info.get("loop")
        return DecodedImage(
            image=image,
            format=self.name,
            width=image.width,
            height=image.height,
            icc_profile=info.get("icc_profile") or None,
            exif=_tiff_block(info.get("exif")) or (self._exif_reader(data, limits) if self._exif_reader else None),
            lossless=header.lossless,
            quality_hint=quality,
            frames=tuple(extra),
            durations_ms=tuple(durations) if self.frames else (),
            loop=int(loop) if isinstance(loop, int) else None,
        )

    @staticmethod
    def _later_frames(
        opened: Image.Image, count: int, has_alpha: bool, durations: list[int], limits: MediaLimits
    ) -> tuple[list[Image.Image], list[int]]:
        """Frames 2..n as composited RGB(A), after their summed pixels were checked against ``max_pixels``."""
        enforce_limit("max_chunks", count, limits.max_chunks, what="frame count")
        total = opened.width * opened.height
        frames = []
        for index in range(1, count):
            opened.seek(index)
            check_dimensions(*opened.size, limits)
            total += opened.width * opened.height
            enforce_limit("max_pixels", total, limits.max_pixels, what=f"{index + 1} frames of")
            frame = opened.convert("RGBA" if has_alpha or "A" in opened.getbands() else "RGB")
            frame.info = {}
            frames.append(frame)
            durations.append(int(opened.info.get("duration") or 0))
        return frames, durations

    def encode(
        self,
        image: Image.Image,
        like: DecodedImage,
        *,
        jpeg_quality: int = 95,
        webp_quality: int = 90,
        frames: Sequence[Image.Image] = (),
    ) -> bytes:
        """Encode ``image`` (then ``frames``) in ``like``'s format, keeping its ICC profile and EXIF; never writes XMP.

        Further frames keep ``like.durations_ms`` and ``like.loop``; ``frames`` must be as many as
        ``like.frames`` (the writer edits each).

        Output is deterministic for the same pixels and options. An ICC profile whose colour space is
        not RGB (a CMYK or grey source converted at decode) is dropped rather than mislabel the pixels.
        """
        mode = "RGB" if self.rgb_only or image.mode not in ("RGB", "RGBA") else image.mode
        frame = image.convert(mode) if image.mode != mode else image.copy()
        frame.info = {}
        options = self._options(like, jpeg_quality, webp_quality)
        icc = like.icc_profile
        options["icc_profile"] = icc if icc and icc[16:20] == b"RGB " else None
        options.setdefault("xmp", b"")
        if frames:
            options["save_all"] = True
            options["append_images"] = [_plain(other, mode) for other in frames]
            if like.durations_ms:
                options["duration"] = list(like.durations_ms)
        out = BytesIO()
        try:
            frame.save(out, format=self.pil_format, **options)
        except (OSError, ValueError, RuntimeError) as exc:  # RuntimeError: libtiff refusing a tag
            raise InvalidMedia(f"cannot encode {like.format}: {exc}") from None
        return out.getvalue()


def _detached(opened: Image.Image, mode: str, *, share: bool) -> Image.Image:
    """The loaded first frame in ``mode`` as an image of its own that outlives closing ``opened``.

    Already in ``mode`` (a colour JPEG) and with ``share``, it shares the decoded pixels instead of
    copying them (``convert`` to the same mode copies: ~3 ms of a 1080p Inspect's ~10 ms decode);
    ``opened`` is then only closed, which drops its own reference to them. Without ``share`` (later
    frames will be read: seeking an animation may paint the next frame over the same pixels) it copies.
    """
    if opened.mode != mode or not share:
        return opened.convert(mode)
    return opened._new(opened.im)


def _plain(image: Image.Image, mode: str) -> Image.Image:
    frame = image.convert(mode) if image.mode != mode else image.copy()
    frame.info = {}
    return frame


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


def decode_image(data: bytes, spec: FormatSpec, limits: MediaLimits) -> DecodedImage:
    """The pixels of an image of format ``spec``.

    Raises:
        UnsupportedFormat: the format has no pixel codec.
    """
    if spec.pixels is None:
        raise UnsupportedFormat(f"no image decoder for format {spec.name!r}")
    return spec.pixels.decode(data, limits=limits)


def encode_image(
    image: Image.Image,
    like: DecodedImage,
    *,
    jpeg_quality: int = 95,
    webp_quality: int = 90,
    frames: Sequence[Image.Image] = (),
) -> bytes:
    """Encode ``image`` in the format ``like`` was decoded from (see :meth:`PillowCodec.encode`).

    Raises:
        UnsupportedFormat: no encoder for ``like.format``.
    """
    from clearmark.media.registry import format_named

    codec = format_named(like.format).pixels
    if codec is None:
        raise UnsupportedFormat(f"no image encoder for format {like.format!r}")
    return codec.encode(image, like, jpeg_quality=jpeg_quality, webp_quality=webp_quality, frames=frames)
