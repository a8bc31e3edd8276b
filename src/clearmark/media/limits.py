"""Size limits applied to untrusted media before and while it is parsed or decoded."""

from __future__ import annotations

from dataclasses import dataclass

from clearmark.core.errors import MediaTooLarge

MIB = 1024 * 1024


@dataclass(frozen=True)
class MediaLimits:
    """Upper bounds on what one request may make ClearMark read, inflate or decode.

    Attributes:
        max_bytes: size of the whole file.
        max_pixels: width × height declared by the image header.
        max_dimension: width or height declared by the image header.
        max_metadata_bytes: total bytes of XMP, EXIF and text chunks/segments in one file.
        max_inflated_text_bytes: decompressed size of one zTXt/iTXt payload.
        max_chunks: number of chunks or segments walked in one container.
        max_stream_bytes: size of content that can be read in pieces (text, PDF), held on disk.
        max_text_chars: characters of text a reader keeps: the head and the tail of longer content.
        max_video_bytes: size of a video file (read from disk in pieces, never whole in memory).
        max_video_duration_s: a video's declared duration, seconds.
        max_video_pixels: coded width × height of a video stream, and of its displayed picture (SAR applied).
        max_video_frames: frames a video declares (or its duration × frame rate when it does not say).
        max_movie_box_bytes: size of an MP4/MOV ``moov`` box (the sample tables), read whole to edit labels.
        max_c2pa_whole_asset_bytes: size of an asset c2pa may hold whole to sign or validate it, for the
            formats whose cost of that is measured (``C2paSupport.memory``: MP4/MOV, ~2.05x the file to
            sign); other formats c2pa holds whole stop at ``max_bytes`` (see ``c2pa_size_limit``).
    """

    max_bytes: int = 64 * MIB
    max_pixels: int = 50_000_000
    max_dimension: int = 20_000
    max_metadata_bytes: int = 4 * MIB
    max_inflated_text_bytes: int = 1 * MIB
    max_chunks: int = 10_000
    max_stream_bytes: int = 2 * 1024 * MIB
    max_text_chars: int = 4 * MIB
    max_video_bytes: int = 4 * 1024 * MIB
    max_video_duration_s: int = 2 * 3600
    max_video_pixels: int = 4096 * 2304
    max_video_frames: int = 2 * 3600 * 60
    max_movie_box_bytes: int = 64 * MIB
    # 512 MiB: signing holds ~2.05x + 11 MiB (bench/bench_c2pa_mp4_memory.py), estimated 1158 MiB,
    # within the default per-request video budget (max_video_request_memory_bytes, 1280 MiB).
    max_c2pa_whole_asset_bytes: int = 512 * MIB


DEFAULT_LIMITS = MediaLimits()


def enforce_limit(name: str, value: int, limit: int, *, what: str = "") -> None:
    """Raise MediaTooLarge naming the limit when ``value`` exceeds it.

    Raises:
        MediaTooLarge: ``value > limit``.
    """
    if value > limit:
        subject = f"{what} " if what else ""
        raise MediaTooLarge(f"{subject}{value} exceeds {name}={limit}", reason="MEDIA_TOO_LARGE")


def check_media_size(data: bytes, limits: MediaLimits) -> None:
    """Raise MediaTooLarge when the file itself is bigger than ``limits.max_bytes``."""
    enforce_limit("max_bytes", len(data), limits.max_bytes, what="file size")


def check_dimensions(width: int, height: int, limits: MediaLimits) -> None:
    """Raise MediaTooLarge when declared image dimensions exceed the pixel limits."""
    enforce_limit("max_dimension", max(width, height), limits.max_dimension, what="image dimension")
    enforce_limit("max_pixels", width * height, limits.max_pixels, what=f"image of {width}x{height} pixels")
