"""ISO base media file format (ISO/IEC 14496-12): boxes and meta-box items, walked with bounds checks.

HEIF and AVIF keep their metadata as items of the file-level ``meta`` box; MP4 comes next.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from clearmark.core.errors import InvalidMedia, UnsupportedFormat
from clearmark.media.container import ByteBudget, read_uint
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, check_media_size, enforce_limit


@dataclass(frozen=True)
class Box:
    """One box: its type, where it starts, its header size and its total size (header included)."""

    type: bytes
    offset: int
    header: int
    size: int

    @property
    def end(self) -> int:
        """The offset just after the box."""
        return self.offset + self.size

    @property
    def body_offset(self) -> int:
        """Where the box's payload starts (after size, type, and largesize or uuid)."""
        return self.offset + self.header

    def body(self, data: bytes) -> bytes:
        """The payload."""
        return data[self.body_offset : self.end]


class BoxCounter:
    """Counts the boxes walked in one file against ``max_chunks`` (nested walks share it)."""

    def __init__(self, limits: MediaLimits = DEFAULT_LIMITS) -> None:
        self._limit = limits.max_chunks
        self._count = 0

    def add(self) -> None:
        """Count one more box; raise MediaTooLarge past the limit."""
        self._count += 1
        enforce_limit("max_chunks", self._count, self._limit, what="ISO-BMFF box count")


def parse_boxes(data: bytes, start: int, end: int, counter: BoxCounter) -> list[Box]:
    """The boxes laid end to end in ``data[start:end]``.

    A size of 0 (to the end) is accepted for the last box; a 64-bit ``largesize`` is read.

    Raises:
        InvalidMedia: a box header or size that runs past ``end`` or is smaller than its header.
        MediaTooLarge: more boxes than ``max_chunks``.
    """
    if end > len(data):
        raise InvalidMedia(f"box range ends at byte {end}, past the end of the file ({len(data)})")
    boxes = []
    pos = start
    while pos < end:
        counter.add()
        box = box_at(data[pos : min(pos + 16, end)], pos, end)
        boxes.append(box)
        pos = box.end
    return boxes


def box_at(head: bytes, pos: int, end: int) -> Box:
    """The box whose header ``head`` (its first 16 bytes, fewer where the container ends) starts at ``pos``.

    The one reading of a box header (size, largesize, size 0 = to the end, ``uuid``'s extended type)
    for the byte and the seeking walkers alike.

    Raises:
        InvalidMedia: the header is cut off, or the box is shorter than its header or runs past ``end``.
    """
    if len(head) < 8:
        raise InvalidMedia(f"box header at byte {pos} runs past its container")
    size, kind, header = int.from_bytes(head[:4], "big"), head[4:8], 8
    if size == 1:
        if len(head) < 16:
            raise InvalidMedia(f"box {kind!r} at byte {pos} has a cut-off largesize")
        size, header = int.from_bytes(head[8:16], "big"), 16
    elif size == 0:
        size = end - pos
    if kind == b"uuid":
        header += 16
    if size < header or pos + size > end:
        raise InvalidMedia(f"box {kind!r} at byte {pos} declares {size} bytes, past its container or its header")
    return Box(kind, pos, header, size)


def find_box(boxes: list[Box], kind: bytes) -> Box | None:
    """The first box of type ``kind``, or None."""
    return next((box for box in boxes if box.type == kind), None)


def full_box_header(data: bytes, box: Box) -> tuple[int, int]:
    """``(version, flags)`` of a FullBox."""
    if box.size < box.header + 4:
        raise InvalidMedia(f"box {box.type!r} at byte {box.offset} is too short for a FullBox header")
    word = read_uint(data, box.body_offset, 4, what=f"{box.type!r} version and flags")
    return word >> 24, word & 0xFFFFFF


def make_box(kind: bytes, body: bytes) -> bytes:
    """A box with a 32-bit size (a 64-bit largesize when the body needs it)."""
    if len(body) + 8 <= 0xFFFFFFFF:
        return (len(body) + 8).to_bytes(4, "big") + kind + body
    return (1).to_bytes(4, "big") + kind + (len(body) + 16).to_bytes(8, "big") + body


def make_full_box(kind: bytes, version: int, flags: int, body: bytes) -> bytes:
    """A FullBox: version and flags, then ``body``."""
    return make_box(kind, bytes((version,)) + flags.to_bytes(3, "big") + body)


def ftyp_brands(data: bytes) -> tuple[bytes, ...]:
    """The major brand then the compatible brands of a leading ``ftyp`` box; () when there is none."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return ()
    size = int.from_bytes(data[:4], "big")
    if size < 16 or size > len(data):
        return (data[8:12],)
    return (data[8:12], *(data[at : at + 4] for at in range(16, size - 3, 4)))


@dataclass(frozen=True)
class Extent:
    """One piece of an item's data: ``index`` (iloc v1/2) then offset and length."""

    index: int
    offset: int
    length: int


@dataclass(frozen=True)
class Location:
    """One ``iloc`` entry: where an item's bytes are (construction 0: the file, 1: ``idat``)."""

    item_id: int
    method: int
    reference: int
    base: int
    extents: tuple[Extent, ...]


@dataclass(frozen=True)
class ItemLocations:
    """The parsed ``iloc`` box, field sizes included, so it can be written back."""

    version: int
    offset_size: int
    length_size: int
    base_size: int
    index_size: int
    entries: tuple[Location, ...]

    def of(self, item_id: int) -> Location | None:
        """The entry of ``item_id``, or None."""
        return next((entry for entry in self.entries if entry.item_id == item_id), None)


@dataclass(frozen=True)
class Item:
    """One ``infe`` entry: id, type, and for ``mime`` items the content type."""

    item_id: int
    type: bytes
    content_type: bytes = b""


@dataclass
class Meta:
    """A file-level ``meta`` box: its children, item locations, items and primary item."""

    box: Box
    children: list[Box]
    locations: ItemLocations
    items: list[Item]
    primary: int
    has_tracks: bool
    idat: Box | None = None
    boxes: list[Box] = field(default_factory=list)


def _parse_items(data: bytes, box: Box, counter: BoxCounter) -> list[Item]:
    version, _ = full_box_header(data, box)
    at = box.body_offset + 4
    size = 2 if version == 0 else 4
    count = read_uint(data, at, size, what="iinf entry count")
    entries = parse_boxes(data, at + size, box.end, counter)
    if len(entries) < count:
        raise InvalidMedia(f"iinf declares {count} items but holds {len(entries)}")
    items = []
    for entry in entries:
        if entry.type != b"infe":
            continue
        infe_version, _ = full_box_header(data, entry)
        pos = entry.body_offset + 4
        if infe_version < 2:
            items.append(Item(read_uint(data, pos, 2, what="infe item id"), b""))
            continue
        id_size = 2 if infe_version == 2 else 4
        item_id = read_uint(data, pos, id_size, what="infe item id")
        pos += id_size + 2
        kind = data[pos : pos + 4]
        content_type = b""
        if kind == b"mime":
            body = data[pos + 4 : entry.end]
            parts = body.split(b"\x00")
            content_type = parts[1] if len(parts) > 1 else b""
        items.append(Item(item_id, kind, content_type))
    return items


def _parse_locations(data: bytes, box: Box) -> ItemLocations:
    version, _ = full_box_header(data, box)
    if version > 2:
        raise InvalidMedia(f"iloc version {version} is unknown")
    pos = box.body_offset + 4
    sizes = read_uint(data, pos, 2, what="iloc field sizes")
    offset_size, length_size, base_size = sizes >> 12, (sizes >> 8) & 15, (sizes >> 4) & 15
    index_size = sizes & 15 if version else 0
    for name, value in (("offset", offset_size), ("length", length_size), ("base", base_size), ("index", index_size)):
        if value not in (0, 4, 8):
            raise InvalidMedia(f"iloc {name} size {value} is not 0, 4 or 8")
    pos += 2
    id_size = 4 if version == 2 else 2
    count = read_uint(data, pos, id_size, what="iloc item count")
    pos += id_size
    entries = []
    for _ in range(count):
        if pos > box.end:
            raise InvalidMedia("iloc entries run past the iloc box")
        item_id = read_uint(data, pos, id_size, what="iloc item id")
        pos += id_size
        method = 0
        if version:
            method = read_uint(data, pos, 2, what="iloc construction method") & 15
            pos += 2
        reference = read_uint(data, pos, 2, what="iloc data reference")
        base = read_uint(data, pos + 2, base_size, what="iloc base offset") if base_size else 0
        pos += 2 + base_size
        extent_count = read_uint(data, pos, 2, what="iloc extent count")
        pos += 2
        if pos + extent_count * (index_size + offset_size + length_size) > box.end:
            raise InvalidMedia(f"iloc item {item_id} declares {extent_count} extents past the iloc box")
        extents = []
        for _ in range(extent_count):
            index = read_uint(data, pos, index_size) if index_size else 0
            pos += index_size
            offset = read_uint(data, pos, offset_size) if offset_size else 0
            pos += offset_size
            length = read_uint(data, pos, length_size) if length_size else 0
            pos += length_size
            extents.append(Extent(index, offset, length))
        entries.append(Location(item_id, method, reference, base, tuple(extents)))
    if pos > box.end:
        raise InvalidMedia("iloc entries run past the iloc box")
    return ItemLocations(version, offset_size, length_size, base_size, index_size, tuple(entries))


def parse_meta(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> Meta:
    """The file-level ``meta`` box (ISO/IEC 14496-12 §8.11): items, their locations, the primary item.

    Raises:
        InvalidMedia: no ``ftyp`` first, no ``meta`` with ``iinf``/``iloc``/``pitm``, boxes past their ends.
        MediaTooLarge: too many boxes.
    """
    check_media_size(data, limits)
    counter = BoxCounter(limits)
    boxes = parse_boxes(data, 0, len(data), counter)
    if not boxes or boxes[0].type != b"ftyp":
        raise InvalidMedia("the file does not start with an ftyp box")
    metas = [box for box in boxes if box.type == b"meta"]
    if len(metas) != 1:
        raise InvalidMedia(f"the file has {len(metas)} top-level meta boxes instead of one")
    meta = metas[0]
    full_box_header(data, meta)
    children = parse_boxes(data, meta.body_offset + 4, meta.end, counter)
    iinf, iloc, pitm = (find_box(children, kind) for kind in (b"iinf", b"iloc", b"pitm"))
    if iinf is None or iloc is None or pitm is None:
        raise InvalidMedia("the meta box lacks its iinf, iloc or pitm box")
    pitm_version, _ = full_box_header(data, pitm)
    primary = read_uint(data, pitm.body_offset + 4, 2 if pitm_version == 0 else 4, what="pitm item id")
    return Meta(
        box=meta,
        children=children,
        locations=_parse_locations(data, iloc),
        items=_parse_items(data, iinf, counter),
        primary=primary,
        has_tracks=any(box.type == b"moov" for box in boxes),
        idat=find_box(children, b"idat"),
        boxes=boxes,
    )


def _ranges(meta: Meta, location: Location, data: bytes) -> list[tuple[int, int]]:
    """The file ranges of an item's extents (construction 0 and 1)."""
    if location.method == 0:
        base = location.base
    elif location.method == 1 and meta.idat is not None:
        base = meta.idat.body_offset + location.base
    else:
        raise InvalidMedia(f"item {location.item_id} uses construction method {location.method}, not supported")
    ranges = []
    for extent in location.extents:
        start = base + extent.offset
        length = extent.length if extent.length or len(location.extents) > 1 else len(data) - start
        limit = meta.idat.end if location.method == 1 and meta.idat is not None else len(data)
        if start < 0 or start + length > limit:
            raise InvalidMedia(f"item {location.item_id} extent of {length} bytes at {start} lies past its container")
        ranges.append((start, length))
    return ranges


def item_data(data: bytes, meta: Meta, item_id: int, budget: ByteBudget, what: str) -> tuple[int, bytes]:
    """The first file offset and the bytes of one item.

    Raises:
        InvalidMedia: the item has no location or an extent lies outside the file.
        MediaTooLarge: the item is larger than the metadata budget left.
    """
    location = meta.locations.of(item_id)
    if location is None:
        raise InvalidMedia(f"{what} item {item_id} has no iloc entry")
    ranges = _ranges(meta, location, data)
    budget.spend(sum(length for _, length in ranges), what)
    return (ranges[0][0] if ranges else 0), b"".join(data[start : start + length] for start, length in ranges)


def items_of(meta: Meta, item_type: bytes, content_type: bytes | None = None) -> list[Item]:
    """The items of ``item_type`` (and, for ``mime`` items, ``content_type``), in ``iinf`` order."""
    return [
        item
        for item in meta.items
        if item.type == item_type and (content_type is None or item.content_type == content_type)
    ]


def _uint(value: int, size: int, what: str) -> bytes:
    """``value`` as a big-endian field of ``size`` bytes; InvalidMedia when it does not fit (or is negative)."""
    if value < 0 or value >= 1 << (8 * size):
        raise InvalidMedia(f"{what} {value} does not fit the {size}-byte field the file uses")
    return value.to_bytes(size, "big") if size else b""


def _serialise_locations(locations: ItemLocations) -> bytes:
    """An ``iloc`` box with the file's field sizes (offsets and lengths at least 4 bytes, to hold a new item).

    Raises:
        InvalidMedia: a value does not fit its field (an item id past 65535 in a version 0/1 ``iloc``).
    """
    offset_size = 8 if locations.offset_size == 8 else 4
    length_size = 8 if locations.length_size == 8 else 4
    base_size, index_size = locations.base_size, locations.index_size
    version = locations.version
    id_size = 4 if version == 2 else 2
    sizes = (offset_size << 12) | (length_size << 8) | (base_size << 4) | index_size
    body = bytearray(sizes.to_bytes(2, "big"))
    body += _uint(len(locations.entries), id_size, "iloc item count")
    for entry in locations.entries:
        body += _uint(entry.item_id, id_size, "iloc item id")
        if version:
            body += _uint(entry.method, 2, "iloc construction method")
        body += _uint(entry.reference, 2, "iloc data reference") + _uint(entry.base, base_size, "iloc base offset")
        body += _uint(len(entry.extents), 2, "iloc extent count")
        for extent in entry.extents:
            body += _uint(extent.index, index_size, "iloc extent index")
            body += _uint(extent.offset, offset_size, "iloc extent offset")
            body += _uint(extent.length, length_size, "iloc extent length")
    return make_full_box(b"iloc", version, 0, bytes(body))


def _infe(item_id: int, kind: bytes, content_type: bytes) -> bytes:
    version = 2 if item_id <= 0xFFFF else 3
    body = _uint(item_id, 2 if version == 2 else 4, "infe item id") + b"\x00\x00" + kind + b"\x00"
    if kind == b"mime":
        body += content_type + b"\x00"
    return make_full_box(b"infe", version, 0, body)


def next_item_id(meta: Meta) -> int:
    """An item id no item uses yet."""
    ids = [item.item_id for item in meta.items] + [entry.item_id for entry in meta.locations.entries]
    return max(ids, default=0) + 1


def set_item_data(
    data: bytes, meta: Meta, item_id: int, payload: bytes, *, new_item: tuple[bytes, bytes] | None = None
) -> bytes:
    """The file with ``item_id``'s bytes set to ``payload``, held in an ``mdat`` appended at the end.

    The item's old bytes are zeroed. With ``new_item`` (item type, content type) the item is added to
    ``iinf`` and tied to the primary item by an ``iref`` ``cdsc`` reference. The ``meta`` box grows,
    so every file offset of ``iloc`` past it is shifted; the ``iloc`` field sizes do not depend on
    the values, so the growth is known before the offsets are written.

    Raises:
        UnsupportedFormat: the file has tracks (``moov``), whose chunk offsets would move; item data
            lies inside the ``meta`` box outside ``idat``.
        InvalidMedia: an item's extents lie outside the file.
    """
    if meta.has_tracks:
        raise UnsupportedFormat("writing items into a file with tracks (moov) is not supported")
    out = bytearray(data)
    old = meta.locations.of(item_id)
    if old is not None:
        for start, length in _ranges(meta, old, data):
            out[start : start + length] = bytes(length)
    iref = find_box(meta.children, b"iref")

    def meta_box(locations: list[Location]) -> bytes:
        children = b""
        for child in meta.children:
            if child.type == b"iloc":
                children += _serialise_locations(replace(meta.locations, entries=tuple(locations)))
            elif new_item and child.type == b"iinf":
                children += _grown_iinf(data, meta, item_id, *new_item)
            elif new_item and child.type == b"iref":
                children += _grown_iref(data, meta, item_id)
            else:
                children += bytes(out[child.offset : child.end])  # idat with a replaced item zeroed
        if new_item and iref is None:
            children += _grown_iref(data, meta, item_id)
        return make_full_box(b"meta", *full_box_header(data, meta.box), children)

    others = [entry for entry in meta.locations.entries if entry.item_id != item_id]
    placeholder = Location(item_id, 0, 0, 0, (Extent(0, 0, len(payload)),))
    delta = len(meta_box([*others, placeholder])) - meta.box.size
    base_size = meta.locations.base_size
    appended = _located(item_id, len(data) + delta + 8, len(payload), base_size)
    final = [_shifted(entry, meta.box, delta, base_size) if entry.method == 0 else entry for entry in others]
    final.insert(meta.locations.entries.index(old) if old is not None else len(final), appended)
    new_meta = meta_box(final)
    return bytes(out[: meta.box.offset]) + new_meta + bytes(out[meta.box.end :]) + make_box(b"mdat", payload)


def _located(item_id: int, start: int, length: int, base_size: int) -> Location:
    """A one-extent file-offset entry: the offset in ``base`` when the file has that field, else in the extent."""
    if base_size:
        return Location(item_id, 0, 0, start, (Extent(0, 0, length),))
    return Location(item_id, 0, 0, 0, (Extent(0, start, length),))


def _shifted(entry: Location, meta_box: Box, delta: int, base_size: int) -> Location:
    """A file-offset entry moved by ``delta`` when its data lies after the ``meta`` box.

    Where the file has a base-offset field, the shifted entry keeps its position there and its extents
    relative to it: c2pa-python 0.38.1 (c2pa-rs) adds its own shift to both the base and the extents
    of an entry whose base is 0, which would move such an item's data twice.
    """
    if entry.reference or not entry.extents:
        return entry
    starts = [entry.base + extent.offset for extent in entry.extents]
    if any(meta_box.offset <= start < meta_box.end for start in starts):
        raise UnsupportedFormat("item data inside the meta box (outside idat) cannot be moved")
    shift = delta if min(starts) >= meta_box.end else 0
    if not base_size:
        return replace(entry, extents=tuple(replace(e, offset=e.offset + shift) for e in entry.extents))
    first = min(extent.offset for extent in entry.extents)
    extents = tuple(replace(extent, offset=extent.offset - first) for extent in entry.extents)
    return replace(entry, base=entry.base + first + shift, extents=extents)


def _grown_iinf(data: bytes, meta: Meta, item_id: int, item_type: bytes, content_type: bytes) -> bytes:
    iinf = find_box(meta.children, b"iinf")
    assert iinf is not None
    version, flags = full_box_header(data, iinf)
    size = 2 if version == 0 else 4
    count = read_uint(data, iinf.body_offset + 4, size, what="iinf entry count") + 1
    if count > 0xFFFF and version == 0:
        raise InvalidMedia("iinf cannot hold another item")
    entries = data[iinf.body_offset + 4 + size : iinf.end]
    body = count.to_bytes(size, "big") + entries + _infe(item_id, item_type, content_type)
    return make_full_box(b"iinf", version, flags, body)


def _grown_iref(data: bytes, meta: Meta, item_id: int) -> bytes:
    """``iref`` with a ``cdsc`` (content describes) reference from a new item to the primary item."""
    iref = find_box(meta.children, b"iref")
    version = 0 if iref is None else full_box_header(data, iref)[0]
    if version == 0 and max(item_id, meta.primary) > 0xFFFF:
        raise InvalidMedia("iref version 0 cannot name item ids past 65535")
    id_size = 2 if version == 0 else 4
    body = _uint(item_id, id_size, "iref item id") + b"\x00\x01" + _uint(meta.primary, id_size, "iref item id")
    reference = make_box(b"cdsc", body)
    existing = b"" if iref is None else data[iref.body_offset + 4 : iref.end]
    return make_full_box(b"iref", version, 0, existing + reference)
