"""The Matroska/WebM label container: ``Segment/Tags/Tag/SimpleTag`` ``AIGC`` read and written byte by byte.

Read: every ``SimpleTag`` named ``AIGC`` (standard when its ``Tag`` is global: no target UIDs and a
``TargetTypeValue`` of 50 or none), plus any other ``SimpleTag`` whose text is a label (compat).

Write (a byte-level edit, no remux): the ``Tags`` element is rebuilt with the ``AIGC`` ``SimpleTag``
added or its ``TagString`` replaced, every other element kept. It goes back in place when it fits
its old room (plus a following ``Void``; the rest becomes a ``Void``); otherwise the old ``Tags``
turns into a ``Void`` of the same length and the new one is appended at the end of the Segment,
whose size is patched and whose ``SeekHead`` entry for ``Tags`` is pointed at it (within the
SeekHead's own room plus its following ``Void``, which FFmpeg reserves). Cluster and Cue positions
never move. FFmpeg (PyAV 18.1) reads the result as container metadata ``AIGC`` (tested). A ``CRC-32``
inside a rebuilt ``Tags`` is dropped (it would no longer match). Not handled: a Segment followed by
more top-level data (``UnsupportedFormat``), XMP (``extra_properties`` raise ``NO_XMP_IN_MOVIE``).
c2pa-python 0.38.1 has no Matroska/WebM asset type, so these formats carry no C2PA manifest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from clearmark.core.aigc import parse_label_json
from clearmark.core.errors import InvalidRequest, UnsupportedFormat
from clearmark.core.signals import Location
from clearmark.media import ebml
from clearmark.media.copied_label import CopiedLabelContainer, check_single_label
from clearmark.media.copying import copy_range
from clearmark.media.ebml import Element, ElementCounter, SegmentLayout
from clearmark.media.format import Probe
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits
from clearmark.media.metadata import LabelCarrier, Metadata, label_forms
from clearmark.media.source import Source

LABEL_NAME = "AIGC"


@dataclass(frozen=True)
class TagsBlock:
    """One level-1 ``Tags`` element: where it lies and its bytes."""

    element: Element
    data: bytes


class MatroskaContainer(CopiedLabelContainer):
    """GB 45438 labels of a Matroska or WebM file, as the registry's ``Container``.

    Args:
        name: the format's name, the prefix of its carrier names (``webm:Tags/SimpleTag/AIGC``).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.label_carrier = f"{name}:Tags/SimpleTag/AIGC"

    def read_metadata(self, source: Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> Metadata:
        """Every ``AIGC`` SimpleTag and every other SimpleTag holding a label, in file order.

        Raises:
            InvalidMedia: the EBML structure is broken.
            MediaTooLarge: too many elements, or ``Tags`` larger than ``max_metadata_bytes``.
        """
        with source.open() as stream:
            layout = ebml.walk_segment(stream, source.size, limits)
            return self._metadata(_tags_blocks(stream, layout, limits), limits)

    def _metadata(self, blocks: list[TagsBlock], limits: MediaLimits) -> Metadata:
        carriers = []
        counter = ElementCounter(limits)
        for block in blocks:
            for tag, simple, name, text in _simple_tags(block, counter):
                is_global = _is_global(block.data, tag, counter)
                standard = name == LABEL_NAME and is_global
                parsed = parse_label_json(text)
                if name != LABEL_NAME and parsed is None:
                    continue
                scope = "Tags/SimpleTag" if is_global else "Tags/Tag[targeted]/SimpleTag"
                carrier = f"{self.name}:{scope}/{name}"
                offset = block.element.offset + simple.offset
                location = Location(carrier=carrier, byte_offset=offset, byte_length=simple.header + simple.size)
                carriers.append(LabelCarrier(carrier, location, text, parsed, standard=standard))
        return Metadata(label_carriers=tuple(carriers))

    def _write(
        self,
        source: Source,
        out: BinaryIO,
        label_json: str,
        extra_properties: Mapping[tuple[str, str], str],
        target: LabelCarrier | None,
        limits: MediaLimits,
    ) -> str:
        """Copy with ``label_json`` as the one global ``AIGC`` SimpleTag; every other element kept.

        Raises:
            InvalidRequest: not a label, ``extra_properties`` given (``NO_XMP_IN_MOVIE``), stale ``target``.
            LabelConflict: two different standard labels, or a label only in a compat SimpleTag.
            InvalidMedia / MediaTooLarge: the structure is broken or past a limit.
            UnsupportedFormat: data after the Segment, or no room to point the SeekHead at new Tags.
        """
        bare, _ = label_forms(label_json)
        if extra_properties:
            raise InvalidRequest("Matroska/WebM labels carry no extra XMP properties", reason="NO_XMP_IN_MOVIE")
        with source.open() as stream:
            layout = ebml.walk_segment(stream, source.size, limits)
            if layout.segment_end != layout.size:
                raise UnsupportedFormat("data follows the Matroska Segment; refusing to guess where Tags belong")
            blocks = _tags_blocks(stream, layout, limits)
            metadata = self._metadata(blocks, limits)
            check_single_label(metadata, target, self.label_carrier)
            counter = ElementCounter(limits)
            holder = next(
                (block for block in blocks if any(c.standard for c in self._metadata([block], limits).label_carriers)),
                blocks[0] if blocks else None,
            )
            new_tags = _rebuilt_tags(holder, bare, counter)
            patches, appended = _placement(stream, layout, holder, new_tags, counter, limits)
            position = 0
            for offset, length, replacement in sorted(patches):
                copy_range(stream, out, position, offset - position)
                out.write(replacement)
                position = offset + length
            copy_range(stream, out, position, layout.size - position)
            out.write(appended)
        return bare


def _tags_blocks(stream: BinaryIO, layout: SegmentLayout, limits: MediaLimits) -> list[TagsBlock]:
    return [
        TagsBlock(found, ebml.read_element(stream, found, limits.max_metadata_bytes, "max_metadata_bytes"))
        for found in layout.elements
        if found.id == ebml.TAGS
    ]


def _local(found: Element, block_data: bytes) -> Element:
    """``found`` re-read at offset 0 of ``block_data`` (the element's own bytes)."""
    header = ebml.parse_header(block_data, 0)
    return Element(header.id, 0, header.header, header.size)


def _simple_tags(block: TagsBlock, counter: ElementCounter) -> list[tuple[Element, Element, str, str]]:
    """``(Tag, SimpleTag, name, string)`` of every top-level SimpleTag with a TagName and a TagString."""
    found = []
    for tag in ebml.children(block.data, _local(block.element, block.data), counter):
        if tag.id != ebml.TAG:
            continue
        for simple in ebml.children(block.data, tag, counter):
            if simple.id != ebml.SIMPLE_TAG:
                continue
            fields = {child.id: child for child in ebml.children(block.data, simple, counter)}
            name, text = fields.get(ebml.TAG_NAME), fields.get(ebml.TAG_STRING)
            if name is None or text is None:
                continue
            found.append((tag, simple, _text(block.data, name), _text(block.data, text)))
    return found


def _text(data: bytes, found: Element) -> str:
    return data[found.data_offset : found.end].rstrip(b"\x00").decode("utf-8", "replace")


def _is_global(data: bytes, tag: Element, counter: ElementCounter) -> bool:
    """A Tag about the whole file: Targets (if any) name no track, edition, chapter or attachment, TTV 50 or none."""
    for child in ebml.children(data, tag, counter):
        if child.id != ebml.TARGETS:
            continue
        for target in ebml.children(data, child, counter):
            if target.id in ebml.TARGET_UIDS:
                return False
            if (
                target.id == ebml.TARGET_TYPE_VALUE
                and int.from_bytes(data[target.data_offset : target.end], "big") != 50
            ):
                return False
    return True


def _simple_tag(bare: str) -> bytes:
    return ebml.element(
        ebml.SIMPLE_TAG,
        ebml.element(ebml.TAG_NAME, LABEL_NAME.encode()) + ebml.element(ebml.TAG_STRING, bare.encode("utf-8")),
    )


def _rebuilt_tags(holder: TagsBlock | None, bare: str, counter: ElementCounter) -> bytes:
    """The ``Tags`` element with the global ``AIGC`` SimpleTag set to ``bare`` (a new one when there is none)."""
    new_tag = ebml.element(
        ebml.TAG, ebml.element(ebml.TARGETS, ebml.element(ebml.TARGET_TYPE_VALUE, ebml.uint(50))) + _simple_tag(bare)
    )
    if holder is None:
        return ebml.element(ebml.TAGS, new_tag)
    data = holder.data
    tags = ebml.children(data, _local(holder.element, data), counter)
    parts: list[bytes] = []
    done = False
    for tag in tags:
        if tag.id == 0xBF:  # CRC-32: no longer valid after the edit
            continue
        if tag.id != ebml.TAG or done or not _is_global(data, tag, counter):
            parts.append(data[tag.offset : tag.end])
            continue
        fields = []
        labelled = False
        for child in ebml.children(data, tag, counter):
            if child.id == ebml.SIMPLE_TAG and _name_of(data, child, counter) == LABEL_NAME:
                fields.append(_simple_tag(bare))
                labelled = True
            else:
                fields.append(data[child.offset : child.end])
        parts.append(data[tag.offset : tag.end] if not labelled else ebml.element(ebml.TAG, b"".join(fields)))
        done = labelled
    if not done:
        first_global = next((t for t in tags if t.id == ebml.TAG and _is_global(data, t, counter)), None)
        if first_global is None:
            parts.append(new_tag)
        else:
            index = [t for t in tags if t.id != 0xBF].index(first_global)
            grown = data[first_global.data_offset : first_global.end] + _simple_tag(bare)
            parts[index] = ebml.element(ebml.TAG, grown)
    return ebml.element(ebml.TAGS, b"".join(parts))


def _name_of(data: bytes, simple: Element, counter: ElementCounter) -> str | None:
    for child in ebml.children(data, simple, counter):
        if child.id == ebml.TAG_NAME:
            return _text(data, child)
    return None


def _following_void(layout: SegmentLayout, found: Element) -> Element | None:
    index = layout.elements.index(found)
    following = layout.elements[index + 1] if index + 1 < len(layout.elements) else None
    return following if following is not None and following.id == ebml.VOID else None


def _room(layout: SegmentLayout, found: Element) -> int:
    void = _following_void(layout, found)
    return found.header + found.size + (void.header + void.size if void is not None else 0)


def _fill(payload: bytes, room: int) -> bytes | None:
    """``payload`` then a Void filling ``room`` exactly, or None when that cannot be done."""
    rest = room - len(payload)
    if rest == 0:
        return payload
    return payload + ebml.void(rest) if rest >= 2 else None


def _placement(
    stream: BinaryIO,
    layout: SegmentLayout,
    holder: TagsBlock | None,
    new_tags: bytes,
    counter: ElementCounter,
    limits: MediaLimits,
) -> tuple[list[tuple[int, int, bytes]], bytes]:
    """The byte patches ``(offset, length, bytes)`` and the bytes appended at the end of the file."""
    if holder is not None:
        room = _room(layout, holder.element)
        in_place = _fill(new_tags, room)
        if in_place is not None:
            return [(holder.element.offset, room, in_place)], b""
    patches = []
    if holder is not None:
        old = holder.element.header + holder.element.size
        patches.append((holder.element.offset, old, ebml.void(old)))
    position = layout.size - layout.segment.data_offset
    seek_head = next((found for found in layout.elements if found.id == ebml.SEEK_HEAD), None)
    if seek_head is not None:
        patches.append(_pointed_seek_head(stream, layout, seek_head, position, counter, limits))
    segment = layout.segment
    if segment.size != ebml.UNKNOWN:
        id_length = len(ebml.encode_id(ebml.SEGMENT))
        size_length = segment.header - id_length
        new_size = ebml.encode_size(segment.size + len(new_tags), size_length)
        patches.append((segment.offset + id_length, size_length, new_size))
    return patches, new_tags


def _pointed_seek_head(
    stream: BinaryIO,
    layout: SegmentLayout,
    seek_head: Element,
    position: int,
    counter: ElementCounter,
    limits: MediaLimits,
) -> tuple[int, int, bytes]:
    """The SeekHead with its ``Tags`` entry (added or moved) pointing at ``position``, within its room."""
    data = ebml.read_element(stream, seek_head, limits.max_metadata_bytes, "max_metadata_bytes")
    room = _room(layout, seek_head)
    tags_id = ebml.encode_id(ebml.TAGS)
    kept = []
    for seek in ebml.children(data, _local(seek_head, data), counter):
        if seek.id != ebml.SEEK:
            continue  # a CRC-32 (no longer valid) or a Void inside the SeekHead: the new Void replaces it
        fields = {child.id: child for child in ebml.children(data, seek, counter)}
        seek_id = fields.get(ebml.SEEK_ID)
        if seek_id is None or data[seek_id.data_offset : seek_id.end] != tags_id:
            kept.append(data[seek.offset : seek.end])
    for width in range(len(ebml.uint(position)), 9):
        entry = ebml.element(
            ebml.SEEK,
            ebml.element(ebml.SEEK_ID, tags_id) + ebml.element(ebml.SEEK_POSITION, ebml.uint(position, width)),
        )
        rebuilt = _fill(ebml.element(ebml.SEEK_HEAD, b"".join(kept) + entry), room)
        if rebuilt is not None:
            return seek_head.offset, room, rebuilt
    raise UnsupportedFormat("the SeekHead has no room to point at the appended Tags", reason="NO_ROOM_IN_SEEKHEAD")


def matches_doc_type(doc_type: str) -> Callable[[Probe], bool]:
    """A signature test: an EBML header whose DocType is ``doc_type`` (read from the header)."""
    return lambda probe: ebml.sniff_doc_type(probe.head) == doc_type
