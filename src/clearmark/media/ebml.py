"""EBML (RFC 8794) as Matroska and WebM use it: variable-size integers, elements, and a bounded walk of a Segment.

Only what the label container needs: the EBML header's DocType, the Segment's level-1 elements
(found by seeking from header to header; an unknown-size Cluster is crossed by walking its
children), and whole small elements read into memory within a limit. Lacing and block contents
are never looked at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from clearmark.core.errors import InvalidMedia, MediaTooLarge
from clearmark.media.limits import MediaLimits, enforce_limit

EBML_HEADER = 0x1A45DFA3
DOC_TYPE = 0x4282
SEGMENT = 0x18538067
SEEK_HEAD = 0x114D9B74
SEEK = 0x4DBB
SEEK_ID = 0x53AB
SEEK_POSITION = 0x53AC
CLUSTER = 0x1F43B675
TRACKS = 0x1654AE6B
TAGS = 0x1254C367
TAG = 0x7373
TARGETS = 0x63C0
TARGET_TYPE_VALUE = 0x68CA
TARGET_UIDS = frozenset({0x63C5, 0x63C9, 0x63C4, 0x63C6})  # track, edition, chapter, attachment
SIMPLE_TAG = 0x67C8
TAG_NAME = 0x45A3
TAG_STRING = 0x4487
VOID = 0xEC
LEVEL_1 = frozenset(
    {SEEK_HEAD, 0x1549A966, TRACKS, CLUSTER, 0x1C53BB6B, TAGS, 0x1043A770, 0x1941A469, VOID, 0xBF}
)  # SeekHead, Info, Tracks, Cluster, Cues, Tags, Chapters, Attachments, Void, CRC-32
UNKNOWN = -1


@dataclass(frozen=True)
class Element:
    """One element: its ID, where it starts, its header length and its data size (``UNKNOWN`` when unknown)."""

    id: int
    offset: int
    header: int
    size: int

    @property
    def data_offset(self) -> int:
        """Where the element's data starts."""
        return self.offset + self.header

    @property
    def end(self) -> int:
        """The offset just after the element (only for a known size)."""
        return self.offset + self.header + self.size


def read_vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-size integer at ``pos``: ``(value, length)``; an all-ones size is ``UNKNOWN``.

    Raises:
        InvalidMedia: a zero first byte (length past 8) or bytes past the end.
    """
    if pos >= len(data):
        raise InvalidMedia(f"EBML number at byte {pos} is cut off")
    first = data[pos]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        raise InvalidMedia(f"EBML number at byte {pos} has no length marker")
    if pos + length > len(data):
        raise InvalidMedia(f"EBML number at byte {pos} is cut off")
    value = first if keep_marker else first & ((0x80 >> (length - 1)) - 1)
    for byte in data[pos + 1 : pos + length]:
        value = (value << 8) | byte
    if not keep_marker and value == (1 << (7 * length)) - 1:
        return UNKNOWN, length
    return value, length


def encode_size(value: int, length: int = 0) -> bytes:
    """``value`` as an EBML data size, in ``length`` bytes (the shortest when 0)."""
    if length == 0:
        length = next(n for n in range(1, 9) if value < (1 << (7 * n)) - 1)
    if value >= (1 << (7 * length)) - 1:
        raise InvalidMedia(f"size {value} does not fit an EBML number of {length} bytes")
    return ((1 << (7 * length)) | value).to_bytes(length, "big")


def encode_id(element_id: int) -> bytes:
    """An element ID's bytes (IDs keep their length marker)."""
    return element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")


def element(element_id: int, payload: bytes) -> bytes:
    """A whole element: ID, shortest size, payload."""
    return encode_id(element_id) + encode_size(len(payload)) + payload


def void(length: int) -> bytes:
    """A Void element exactly ``length`` bytes long (at least 2)."""
    for size_length in range(1, 9):
        payload = length - 1 - size_length
        if 0 <= payload < (1 << (7 * size_length)) - 1:
            return bytes((VOID,)) + encode_size(payload, size_length) + bytes(payload)
    raise InvalidMedia(f"no Void element is {length} bytes long")


def uint(value: int, length: int = 0) -> bytes:
    """An unsigned integer's payload, in ``length`` bytes (the shortest when 0)."""
    return value.to_bytes(length or max(1, (value.bit_length() + 7) // 8), "big")


def parse_header(data: bytes, pos: int) -> Element:
    """The element whose header starts at ``pos`` of ``data``."""
    element_id, id_length = read_vint(data, pos, keep_marker=True)
    if id_length > 4:
        raise InvalidMedia(f"EBML element ID at byte {pos} is {id_length} bytes long")
    size, size_length = read_vint(data, pos + id_length, keep_marker=False)
    return Element(element_id, pos, id_length + size_length, size)


def children(data: bytes, parent: Element, counter: ElementCounter) -> list[Element]:
    """The elements inside ``parent`` (``data`` holds the whole parent from offset 0 or its file offset)."""
    found = []
    pos, end = parent.data_offset, parent.end
    while pos < end:
        counter.add()
        child = parse_header(data, pos)
        if child.size == UNKNOWN or child.end > end:
            raise InvalidMedia(f"EBML element {child.id:#x} at byte {pos} runs past its parent")
        found.append(child)
        pos = child.end
    return found


class ElementCounter:
    """Counts the elements walked in one file against ``max_chunks``."""

    def __init__(self, limits: MediaLimits) -> None:
        self._limit = limits.max_chunks
        self._count = 0

    def add(self) -> None:
        """Count one more element; raise MediaTooLarge past the limit."""
        self._count += 1
        enforce_limit("max_chunks", self._count, self._limit, what="EBML element count")


@dataclass(frozen=True)
class SegmentLayout:
    """The EBML header's DocType, the Segment and its level-1 elements (Clusters' headers only)."""

    doc_type: str
    segment: Element
    elements: tuple[Element, ...]
    size: int

    @property
    def segment_end(self) -> int:
        """Where the Segment ends (the end of the file for an unknown size)."""
        return self.size if self.segment.size == UNKNOWN else self.segment.end


def _header_at(stream: BinaryIO, pos: int) -> Element:
    """The element whose header starts at file offset ``pos``."""
    stream.seek(pos)
    head = stream.read(12)
    found = parse_header(head, 0)
    return Element(found.id, pos, found.header, found.size)


def read_doc_type(stream: BinaryIO, size: int, limits: MediaLimits, counter: ElementCounter) -> tuple[str, int]:
    """The DocType of the leading EBML header and the offset after that header."""
    header = _header_at(stream, 0)
    if header.id != EBML_HEADER or header.size == UNKNOWN or header.end > size:
        raise InvalidMedia("the file does not start with a complete EBML header")
    enforce_limit("max_metadata_bytes", header.size, limits.max_metadata_bytes, what="EBML header size")
    stream.seek(0)
    data = stream.read(header.end)
    doc_type = ""
    for child in children(data, header, counter):
        if child.id == DOC_TYPE:
            doc_type = data[child.data_offset : child.end].rstrip(b"\x00").decode("ascii", "replace")
    return doc_type, header.end


def walk_segment(stream: BinaryIO, size: int, limits: MediaLimits) -> SegmentLayout:
    """The level-1 elements of the first Segment, read header by header.

    Raises:
        InvalidMedia: no EBML header or Segment, an element past the Segment or the file.
        MediaTooLarge: more elements than ``max_chunks``.
    """
    counter = ElementCounter(limits)
    doc_type, segment, end = _open_segment(stream, size, limits, counter)
    elements = tuple(_level_one(stream, segment, end, counter))
    return SegmentLayout(doc_type, segment, elements, size)


def iter_level_one(stream: BinaryIO, size: int, limits: MediaLimits) -> Iterator[Element]:
    """The first Segment's level-1 elements one at a time, so a caller can stop at the one it needs.

    Raises:
        as ``walk_segment``, for the elements reached.
    """
    counter = ElementCounter(limits)
    _, segment, end = _open_segment(stream, size, limits, counter)
    yield from _level_one(stream, segment, end, counter)


def _open_segment(
    stream: BinaryIO, size: int, limits: MediaLimits, counter: ElementCounter
) -> tuple[str, Element, int]:
    """The DocType, the Segment after the EBML header, and where the Segment ends."""
    doc_type, pos = read_doc_type(stream, size, limits, counter)
    segment = _header_at(stream, pos)
    if segment.id != SEGMENT:
        raise InvalidMedia(f"the EBML header is followed by element {segment.id:#x}, not a Segment")
    end = size if segment.size == UNKNOWN else segment.end
    if end > size:
        raise InvalidMedia(f"the Segment declares {segment.size} bytes, past the end of the file ({size})")
    return doc_type, segment, end


def _level_one(stream: BinaryIO, segment: Element, end: int, counter: ElementCounter) -> Iterator[Element]:
    pos = segment.data_offset
    while pos < end:
        counter.add()
        if end - pos < 2:
            raise InvalidMedia(f"element header at byte {pos} is cut off by the end of the Segment")
        found = _header_at(stream, pos)
        if found.size == UNKNOWN:
            if found.id != CLUSTER:
                raise InvalidMedia(f"element {found.id:#x} at byte {pos} has an unknown size (only Clusters may)")
            extent = _cluster_extent(stream, found, end, counter)
            found = Element(found.id, pos, found.header, extent - found.data_offset)
        if found.end > end:
            raise InvalidMedia(f"element {found.id:#x} at byte {pos} runs past the Segment")
        yield found
        pos = found.end


def _cluster_extent(stream: BinaryIO, cluster: Element, end: int, counter: ElementCounter) -> int:
    """Where an unknown-size Cluster ends: at the next level-1 element or the end of the Segment.

    Its blocks count against ``max_chunks`` like any element walked (a live recording's blocks included).
    """
    pos = cluster.data_offset
    while pos < end:
        counter.add()
        child = _header_at(stream, pos)
        if child.id in LEVEL_1:
            return pos
        if child.size == UNKNOWN or child.end > end:
            raise InvalidMedia(f"element {child.id:#x} in an unknown-size Cluster runs past the Segment")
        pos = child.end
    return end


def read_element(stream: BinaryIO, found: Element, limit: int, limit_name: str) -> bytes:
    """The bytes of one element (header included), within ``limit``."""
    enforce_limit(limit_name, found.header + found.size, limit, what=f"EBML element {found.id:#x} size")
    stream.seek(found.offset)
    data = stream.read(found.header + found.size)
    if len(data) != found.header + found.size:
        raise InvalidMedia(f"element {found.id:#x} at byte {found.offset} is cut off by the end of the file")
    return data


def sniff_doc_type(head: bytes) -> str | None:
    """The DocType of an EBML header held whole in ``head`` (a sniffing probe), or None."""
    try:
        header = parse_header(head, 0)
        if header.id != EBML_HEADER or header.size == UNKNOWN or header.end > len(head):
            return None
        for child in children(head, header, ElementCounter(MediaLimits(max_chunks=64))):
            if child.id == DOC_TYPE:
                return head[child.data_offset : child.end].rstrip(b"\x00").decode("ascii", "replace")
    except (InvalidMedia, MediaTooLarge):
        return None
    return None
