"""MP4/MOV video tracks' declared frame sizes (``tkhd`` and the ``stsd`` sample entry), read by seeking box headers.

Memory admission reads this in the server's own process, before any FFmpeg code sees the bytes,
so it stays small and pure Python: the top-level walk of ``media.movie_boxes``, then the headers
of ``moov``'s children, each ``trak``'s ``tkhd`` (its 16.16 width and height), ``mdia/hdlr`` (only
``vide`` tracks count) and the first ``stsd`` sample entry (its coded width and height, and a
``pasp`` pixel aspect ratio when there is one). The sample tables are never read, however big
``moov`` is. FFmpeg takes a track's sample aspect ratio from ``pasp``, or from ``tkhd`` when its
size differs from the coded one; both are counted, so the estimate covers what the sampler draws.
"""

from __future__ import annotations

from typing import BinaryIO

from clearmark.core.errors import InvalidMedia
from clearmark.media.bmff import Box, BoxCounter, box_at, parse_boxes
from clearmark.media.format import FrameSize, displayed_pixels, largest_frame
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, enforce_limit
from clearmark.media.movie_boxes import walk_top_level
from clearmark.media.source import Source

_VIDE = b"vide"
# A visual sample entry: box header (8), then 6 reserved + 2 data-reference index + 16 pre-defined and
# reserved bytes, then width and height (16 bits each); its child boxes (avcC, pasp...) follow 78 bytes of fields.
_ENTRY_SIZE_AT = 8 + 24
_ENTRY_CHILDREN_AT = 8 + 78
_MAX_ENTRY_BYTES = 64 * 1024  # a sample entry is its codec configuration: a few hundred bytes in practice


def _read(stream: BinaryIO, offset: int, length: int, what: str) -> bytes:
    stream.seek(offset)
    data = stream.read(length)
    if len(data) != length:
        raise InvalidMedia(f"{what} at byte {offset} is cut off by the end of the file")
    return data


def _children(stream: BinaryIO, parent: Box, counter: BoxCounter, *, skip: int = 0) -> list[Box]:
    """The boxes inside ``parent`` from their headers alone (seeking from one to the next)."""
    boxes: list[Box] = []
    pos, end = parent.body_offset + skip, parent.end
    while pos + 8 <= end:
        counter.add()
        box = box_at(_read(stream, pos, min(16, end - pos), "box header"), pos, end)
        boxes.append(box)
        pos = box.end
    return boxes


def _first(boxes: list[Box], kind: bytes) -> Box | None:
    return next((box for box in boxes if box.type == kind), None)


def _tkhd_size(stream: BinaryIO, tkhd: Box) -> tuple[int, int]:
    """The 16.16 fixed-point width and height of a ``tkhd`` (version 0 or 1), whole pixels."""
    body = _read(stream, tkhd.body_offset, min(tkhd.size - tkhd.header, 96), "tkhd box")
    at = {0: 76, 1: 88}.get(body[0] if body else -1)
    if at is None or len(body) < at + 8:
        raise InvalidMedia(f"tkhd box at byte {tkhd.offset} is version {body[:1].hex() or '?'} or too short")
    return int.from_bytes(body[at : at + 4], "big") >> 16, int.from_bytes(body[at + 4 : at + 8], "big") >> 16


def _entry_size(stream: BinaryIO, stsd: Box, counter: BoxCounter) -> tuple[int, int, int, int]:
    """Coded width and height of the first sample entry, and its ``pasp`` spacing (1, 1 when absent)."""
    head = _read(stream, stsd.body_offset, min(16, stsd.size - stsd.header), "stsd box")
    if len(head) < 16 or int.from_bytes(head[4:8], "big") == 0:
        return 0, 0, 1, 1
    entry_size = int.from_bytes(head[8:12], "big")
    if entry_size < _ENTRY_CHILDREN_AT or stsd.body_offset + 8 + entry_size > stsd.end:
        return 0, 0, 1, 1  # not a visual sample entry, or a broken one: nothing declared here
    enforce_limit("max_metadata_bytes", entry_size, _MAX_ENTRY_BYTES, what="stsd sample entry size")
    entry = _read(stream, stsd.body_offset + 8, entry_size, "stsd sample entry")
    width = int.from_bytes(entry[_ENTRY_SIZE_AT : _ENTRY_SIZE_AT + 2], "big")
    height = int.from_bytes(entry[_ENTRY_SIZE_AT + 2 : _ENTRY_SIZE_AT + 4], "big")
    h_spacing = v_spacing = 1
    try:
        for child in parse_boxes(entry, _ENTRY_CHILDREN_AT, len(entry), counter):
            if child.type == b"pasp" and child.size >= child.header + 8:
                h_spacing = int.from_bytes(entry[child.body_offset : child.body_offset + 4], "big")
                v_spacing = int.from_bytes(entry[child.body_offset + 4 : child.body_offset + 8], "big")
    except InvalidMedia:
        pass  # codec configuration FFmpeg may still read; the aspect ratio stays square
    return width, height, h_spacing, v_spacing


def _track_size(stream: BinaryIO, trak: Box, counter: BoxCounter) -> FrameSize | None:
    """The frame size a video ``trak`` declares; None for tracks of other kinds."""
    boxes = _children(stream, trak, counter)
    mdia = _first(boxes, b"mdia")
    if mdia is None:
        return None
    media = _children(stream, mdia, counter)
    hdlr = _first(media, b"hdlr")
    if hdlr is None or hdlr.size < hdlr.header + 12:
        return None
    if _read(stream, hdlr.body_offset + 8, 4, "hdlr box") != _VIDE:
        return None
    tkhd = _first(boxes, b"tkhd")
    shown_w, shown_h = _tkhd_size(stream, tkhd) if tkhd is not None else (0, 0)
    width = height = 0
    h_spacing = v_spacing = 1
    minf = _first(media, b"minf")
    stbl = _first(_children(stream, minf, counter), b"stbl") if minf is not None else None
    stsd = _first(_children(stream, stbl, counter), b"stsd") if stbl is not None else None
    if stsd is not None:
        width, height, h_spacing, v_spacing = _entry_size(stream, stsd, counter)
    if not (width and height):
        width, height = shown_w, shown_h
    shown = displayed_pixels(width, height, shown_w, shown_h)
    if h_spacing > 0 and v_spacing > 0 and width and height:
        shown = max(shown, height * max(1, round(width * h_spacing / v_spacing)))
    return FrameSize(width, height, shown)


def read_movie_frame_size(source: Source, limits: MediaLimits = DEFAULT_LIMITS) -> FrameSize | None:
    """The largest frame any video track of an MP4/MOV declares; None when it has no video track.

    A video track that declares no size gives ``FrameSize(0, 0)`` (admission then assumes the
    largest frame the limits allow).

    Raises:
        InvalidMedia: no ``ftyp`` or ``moov``, or a box that runs past its container or the file.
        MediaTooLarge: a coded frame over ``max_dimension`` or ``max_video_pixels``, or more boxes
            than ``max_chunks``.
    """
    counter = BoxCounter(limits)
    with source.open() as stream:
        layout = walk_top_level(stream, source.size, limits)
        sizes = [
            size
            for trak in _children(stream, layout.moov, counter)
            if trak.type == b"trak" and (size := _track_size(stream, trak, counter)) is not None
        ]
    return largest_frame(sizes, limits)
