"""Matroska/WebM video tracks' declared frame sizes (``Tracks/TrackEntry/Video``), read without FFmpeg.

Memory admission reads this in the server's own process before any FFmpeg code sees the bytes:
the Segment's level-1 elements are walked header by header (``media.ebml``) only until ``Tracks``,
which is read whole within ``max_metadata_bytes``; each ``TrackEntry`` of type video gives its
``PixelWidth``/``PixelHeight`` and, with ``DisplayUnit`` 0 (pixels), ``DisplayWidth``/``DisplayHeight``:
FFmpeg derives the sample aspect ratio from the two, and the frame sampler draws with it.
"""

from __future__ import annotations

from clearmark.core.errors import InvalidMedia
from clearmark.media.ebml import TRACKS, Element, ElementCounter, children, iter_level_one, read_element
from clearmark.media.format import FrameSize, displayed_pixels, largest_frame
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits
from clearmark.media.source import Source

TRACK_ENTRY = 0xAE
TRACK_TYPE = 0x83
VIDEO = 0xE0
PIXEL_WIDTH = 0xB0
PIXEL_HEIGHT = 0xBA
DISPLAY_WIDTH = 0x54B0
DISPLAY_HEIGHT = 0x54BA
DISPLAY_UNIT = 0x54B2
_VIDEO_TRACK = 1


def _uint(data: bytes, found: Element) -> int:
    if found.size > 8:
        raise InvalidMedia(f"EBML unsigned integer {found.id:#x} at byte {found.offset} is {found.size} bytes long")
    return int.from_bytes(data[found.data_offset : found.end], "big")


def _video_size(data: bytes, entry: Element, counter: ElementCounter) -> FrameSize | None:
    fields = children(data, entry, counter)
    track_type = next((_uint(data, f) for f in fields if f.id == TRACK_TYPE), 0)
    video = next((f for f in fields if f.id == VIDEO), None)
    if track_type != _VIDEO_TRACK:
        return None
    values = {
        f.id: _uint(data, f)
        for f in (children(data, video, counter) if video is not None else [])
        if f.id in (PIXEL_WIDTH, PIXEL_HEIGHT, DISPLAY_WIDTH, DISPLAY_HEIGHT, DISPLAY_UNIT)
    }
    width, height = values.get(PIXEL_WIDTH, 0), values.get(PIXEL_HEIGHT, 0)
    shown = width * height
    if values.get(DISPLAY_UNIT, 0) == 0:
        shown = displayed_pixels(width, height, values.get(DISPLAY_WIDTH, width), values.get(DISPLAY_HEIGHT, height))
    return FrameSize(width, height, shown)


def read_matroska_frame_size(source: Source, limits: MediaLimits = DEFAULT_LIMITS) -> FrameSize | None:
    """The largest frame any video track declares; None when the file has no video track.

    A video track without ``PixelWidth``/``PixelHeight`` gives ``FrameSize(0, 0)`` (admission then
    assumes the largest frame the limits allow).

    Raises:
        InvalidMedia: no EBML header, Segment or ``Tracks``, or an element past its parent.
        MediaTooLarge: a coded frame over ``max_dimension`` or ``max_video_pixels``, ``Tracks`` over
            ``max_metadata_bytes``, or more elements than ``max_chunks``.
    """
    counter = ElementCounter(limits)
    with source.open() as stream:
        tracks = next((found for found in iter_level_one(stream, source.size, limits) if found.id == TRACKS), None)
        if tracks is None:
            raise InvalidMedia("the Matroska Segment has no Tracks element")
        data = read_element(stream, tracks, limits.max_metadata_bytes, "max_metadata_bytes")
    local = Element(tracks.id, 0, tracks.header, tracks.size)
    sizes = [
        size
        for entry in children(data, local, counter)
        if entry.id == TRACK_ENTRY and (size := _video_size(data, entry, counter)) is not None
    ]
    return largest_frame(sizes, limits)
