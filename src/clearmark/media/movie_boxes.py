"""MP4/MOV/M4A structure, read side: the top-level box walk over a Source and every label carrier in ``moov``.

The file is never read whole: top-level box headers are read by seeking, ``moov`` is read whole
(bounded by ``max_movie_box_bytes``) and top-level XMP ``uuid`` boxes by ``max_metadata_bytes``.
Carriers read, in file order:

- ``moov/udta/meta`` (handler ``mdta``) ``keys`` entry ``AIGC`` with its ``ilst`` ``data`` atom: the
  GB 45438 standard carrier (what FFmpeg writes with ``-movflags use_metadata_tags``).
- ``moov/meta`` (``mdta``, where Apple puts ``com.apple.quicktime.*`` keys) key ``AIGC``: also standard.
  FFmpeg (PyAV 18.1) keeps one key table per file, so a label added to an Apple file joins that table
  (a second ``keys`` box in ``udta`` made FFmpeg read ``AIGC`` as Apple's first value, measured).
- ``moov/udta/AIGC``: a bare box named after the key (raw UTF-8 text, an iTunes ``data`` atom, or a
  QuickTime string with a 16-bit length and language), read as compat.
- any other ``mdta`` key or iTunes item (``©cmt``, ``desc``, ``----:…:AIGC``) whose text is a label: compat.
- XMP ``TC260:AIGC`` in a ``uuid`` box (BE7ACFCB-97A9-42E8-9C71-999491E3AFAC) at the top level or in
  ``moov``, and in ``moov/udta/XMP_``: compat (GB 45438 names the ``keys`` entry for MP4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from clearmark.core.aigc import parse_label_json
from clearmark.core.errors import InvalidMedia
from clearmark.core.signals import Location
from clearmark.media.bmff import Box, BoxCounter, box_at, find_box, parse_boxes
from clearmark.media.container import ByteBudget, XmpPacketSpan, read_uint
from clearmark.media.limits import MediaLimits, enforce_limit
from clearmark.media.metadata import LABEL_PROPERTY, LabelCarrier, Metadata, ParsedXmp
from clearmark.media.xmp import NS_CLEARMARK, NS_IPTC_EXT, XmpDocument

XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
C2PA_UUID = bytes.fromhex("D8FEC3D61B0E483C92975828877EC481")
LABEL_KEY = b"AIGC"
MDTA = b"mdta"
UTF8_TYPE = 1
_TEXT_TYPES = {0, 1}  # implicit and UTF-8 (ISO/IEC 14496-12 / QuickTime well-known types)


@dataclass(frozen=True)
class Layout:
    """The top-level boxes of a movie file and its one ``moov`` box."""

    boxes: tuple[Box, ...]
    moov: Box
    size: int


@dataclass(frozen=True)
class KeyedValue:
    """One text value of a metadata ``ilst``: its key, the ``data`` atom's text and where the item lies.

    ``offset`` is the file offset of the ``ilst`` item box (relative to ``moov`` until placed).
    """

    key: str
    text: str
    offset: int
    length: int


def walk_top_level(stream: BinaryIO, size: int, limits: MediaLimits) -> Layout:
    """The top-level boxes, found by reading only their headers.

    Raises:
        InvalidMedia: no leading ``ftyp``, a box past the end of the file or shorter than its
            header, no ``moov`` or more than one.
        MediaTooLarge: more boxes than ``max_chunks``.
    """
    counter = BoxCounter(limits)
    boxes: list[Box] = []
    pos = 0
    while pos < size:
        counter.add()
        stream.seek(pos)
        box = box_at(stream.read(min(16, size - pos)), pos, size)
        boxes.append(box)
        pos = box.end
    if not boxes or boxes[0].type != b"ftyp":
        raise InvalidMedia("the file does not start with an ftyp box")
    moovs = [box for box in boxes if box.type == b"moov"]
    if len(moovs) != 1:
        raise InvalidMedia(f"the file has {len(moovs)} moov boxes instead of one")
    return Layout(tuple(boxes), moovs[0], size)


def read_box(stream: BinaryIO, box: Box, limit: int, limit_name: str) -> bytes:
    """The whole of one box, when it is no larger than ``limit``."""
    enforce_limit(limit_name, box.size, limit, what=f"{box.type.decode('latin-1')!r} box size")
    stream.seek(box.offset)
    data = stream.read(box.size)
    if len(data) != box.size:
        raise InvalidMedia(f"box {box.type!r} at byte {box.offset} is cut off by the end of the file")
    return data


def read_moov(stream: BinaryIO, layout: Layout, limits: MediaLimits) -> bytes:
    """The ``moov`` box, header included, within ``max_movie_box_bytes``."""
    return read_box(stream, layout.moov, limits.max_movie_box_bytes, "max_movie_box_bytes")


def uuid_of(data: bytes, box: Box) -> bytes:
    """The 16-byte usertype of a ``uuid`` box (``data`` holds the box's bytes from ``box.offset`` on)."""
    return data[box.header - 16 : box.header]


def stream_uuid_of(stream: BinaryIO, box: Box) -> bytes:
    """The 16-byte usertype of a ``uuid`` box of a file, read from ``stream`` (seeks)."""
    stream.seek(box.offset + box.header - 16)
    return stream.read(16)


def children(data: bytes, box: Box, counter: BoxCounter, *, skip: int = 0) -> list[Box]:
    """The boxes inside ``box``, after ``skip`` payload bytes; a QuickTime 32-bit zero terminator is allowed."""
    end = box.end
    if end - box.body_offset - skip >= 4 and data[end - 4 : end] == b"\x00\x00\x00\x00":
        tail = _trailing_terminator(data, box.body_offset + skip, end, counter)
        end = tail
    return parse_boxes(data, box.body_offset + skip, end, counter)


def _trailing_terminator(data: bytes, start: int, end: int, counter: BoxCounter) -> int:
    """``end - 4`` when the last four bytes are a terminator rather than the end of a box, else ``end``."""
    pos = start
    while pos + 8 <= end:
        size = read_uint(data, pos, 4, what="box size")
        if size < 8 or pos + size > end:
            break
        pos += size
    return end - 4 if pos == end - 4 else end


def meta_skip(data: bytes, meta: Box) -> int:
    """Bytes before a ``meta`` box's children: 4 for the ISO FullBox, 0 for QuickTime's plain box."""
    return 0 if data[meta.body_offset + 4 : meta.body_offset + 8] == b"hdlr" else 4


def handler_type(data: bytes, hdlr: Box) -> bytes:
    """The handler type of an ``hdlr`` box."""
    if hdlr.size < hdlr.header + 12:
        raise InvalidMedia(f"hdlr box at byte {hdlr.offset} is too short")
    return data[hdlr.body_offset + 8 : hdlr.body_offset + 12]


def read_keys(data: bytes, keys: Box) -> list[tuple[bytes, bytes]]:
    """The ``(namespace, name)`` entries of a ``keys`` box, 1-based index = position + 1."""
    count = read_uint(data, keys.body_offset + 4, 4, what="keys entry count")
    if count * 8 > keys.end - keys.body_offset - 8:
        raise InvalidMedia(f"keys box declares {count} entries, more than its {keys.size} bytes hold")
    entries = []
    pos = keys.body_offset + 8
    for _ in range(count):
        size = read_uint(data, pos, 4, what="keys entry size")
        if size < 8 or pos + size > keys.end:
            raise InvalidMedia(f"keys entry at byte {pos} declares {size} bytes, past its box")
        entries.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + size]))
        pos += size
    return entries


def data_text(data: bytes, item: Box, counter: BoxCounter) -> str | None:
    """The text of an ``ilst`` item's first text ``data`` atom, or None."""
    for atom in children(data, item, counter):
        if atom.type == b"data" and atom.size >= atom.header + 8:
            kind = read_uint(data, atom.body_offset, 4, what="data atom type") & 0xFFFFFF
            if kind in _TEXT_TYPES:
                return data[atom.body_offset + 8 : atom.end].decode("utf-8", "replace")
    return None


def ilst_values(data: bytes, meta: Box, counter: BoxCounter) -> tuple[bytes, list[KeyedValue]]:
    """The handler type and the text values of a ``meta`` box's ``ilst`` (``mdta`` keys or iTunes item names)."""
    boxes = children(data, meta, counter, skip=meta_skip(data, meta))
    hdlr = find_box(boxes, b"hdlr")
    handler = handler_type(data, hdlr) if hdlr is not None else b""
    ilst = find_box(boxes, b"ilst")
    if ilst is None:
        return handler, []
    keys_box = find_box(boxes, b"keys")
    keys = read_keys(data, keys_box) if keys_box is not None and handler == MDTA else []
    values = []
    for item in children(data, ilst, counter):
        if handler == MDTA:
            index = int.from_bytes(item.type, "big")
            if not 1 <= index <= len(keys):
                continue
            key = keys[index - 1][1].decode("utf-8", "replace")
        elif item.type == b"----":
            parts = {atom.type: atom for atom in children(data, item, counter)}
            name = parts.get(b"name")
            key = "----:" + (data[name.body_offset + 4 : name.end].decode("utf-8", "replace") if name else "")
        else:
            key = item.type.decode("latin-1")
        text = data_text(data, item, counter)
        if text is not None:
            values.append(KeyedValue(key, text, item.offset, item.size))
    return handler, values


def bare_box_text(body: bytes) -> str:
    """The text of a box named ``AIGC``: an iTunes ``data`` atom, a QuickTime string, or raw UTF-8."""
    if len(body) >= 16 and body[4:8] == b"data" and int.from_bytes(body[:4], "big") <= len(body):
        return body[16 : int.from_bytes(body[:4], "big")].decode("utf-8", "replace")
    if len(body) >= 4 and int.from_bytes(body[:2], "big") == len(body) - 4:
        return body[4:].decode("utf-8", "replace")
    return body.decode("utf-8", "replace")


class CarrierReader:
    """Collects the label carriers and XMP packets of one movie file, in file order."""

    def __init__(self, fmt: str, limits: MediaLimits) -> None:
        self.fmt = fmt
        self.counter = BoxCounter(limits)
        self.budget = ByteBudget("max_metadata_bytes", limits.max_metadata_bytes)
        self.carriers: list[LabelCarrier] = []
        self.packets: list[ParsedXmp] = []

    @property
    def standard_carrier(self) -> str:
        """The name of the standard carrier in this format."""
        return f"{self.fmt}:udta/meta/keys/AIGC"

    def add_text(self, carrier: str, offset: int, length: int, text: str, *, standard: bool) -> None:
        """Record ``text`` as a carrier when it is (or, for the standard key, claims to be) a label."""
        parsed = parse_label_json(text)
        if parsed is None and not standard:
            return
        location = Location(carrier=carrier, byte_offset=offset, byte_length=length)
        self.carriers.append(LabelCarrier(carrier, location, text, parsed, standard=standard))

    def add_xmp(self, carrier: str, offset: int, length: int, packet: bytes) -> None:
        """Parse one XMP packet (never fatal) and record its ``TC260:AIGC`` values as compat carriers."""
        self.budget.spend(len(packet), carrier)
        span = XmpPacketSpan(carrier, offset, length, packet)
        location = Location(carrier=carrier, byte_offset=offset, byte_length=length)
        try:
            parsed = ParsedXmp(span, location, XmpDocument.parse(packet))
        except InvalidMedia as exc:
            self.packets.append(ParsedXmp(span, location, None, f"{exc.reason}: {exc.message}", exc.reason))
            return
        self.packets.append(parsed)
        assert parsed.document is not None
        for value in parsed.document.get_all(*LABEL_PROPERTY):
            self.carriers.append(
                LabelCarrier(carrier, location, value, parse_label_json(value), standard=False, packet=span)
            )

    def read_moov(self, moov: bytes, base: int) -> None:
        """Every carrier inside ``moov`` (its bytes; ``base`` is its file offset)."""
        root = Box(b"moov", 0, 8, len(moov))
        if read_uint(moov, 0, 4) == 1:
            root = Box(b"moov", 0, 16, len(moov))
        for box in children(moov, root, self.counter):
            if box.type == b"udta":
                self._read_udta(moov, box, base)
            elif box.type == b"meta":
                self._read_meta(moov, box, base, f"{self.fmt}:meta", standard_key=True)
            elif box.type == b"uuid" and uuid_of(moov[box.offset :], box) == XMP_UUID:
                self.add_xmp(f"{self.fmt}:moov/uuid-XMP", base + box.offset, box.size, box.body(moov))

    def _read_udta(self, moov: bytes, udta: Box, base: int) -> None:
        for box in children(moov, udta, self.counter):
            if box.type == b"meta":
                self._read_meta(moov, box, base, f"{self.fmt}:udta/meta", standard_key=True)
            elif box.type == LABEL_KEY:
                self.budget.spend(box.size, "udta/AIGC box")
                text = bare_box_text(box.body(moov))
                self.add_text(f"{self.fmt}:udta/AIGC", base + box.offset, box.size, text, standard=False)
            elif box.type == b"XMP_":
                self.add_xmp(f"{self.fmt}:udta/XMP_", base + box.offset, box.size, box.body(moov))

    def _read_meta(self, moov: bytes, meta: Box, base: int, prefix: str, *, standard_key: bool) -> None:
        handler, values = ilst_values(moov, meta, self.counter)
        for value in values:
            self.budget.spend(len(value.text), f"{prefix} item")
            is_label_key = handler == MDTA and value.key == LABEL_KEY.decode()
            carrier = f"{prefix}/keys/{value.key}" if handler == MDTA else f"{prefix}/ilst/{value.key}"
            standard = standard_key and is_label_key
            self.add_text(carrier, base + value.offset, value.length, value.text, standard=standard)

    def metadata(self) -> Metadata:
        """What was collected, carriers in file order."""
        carriers = sorted(self.carriers, key=lambda carrier: carrier.location.byte_offset or 0)
        source_types: list[str] = []
        notices: list[str] = []
        for packet in self.packets:
            if packet.document is not None:
                source_types.extend(packet.document.get_all(NS_IPTC_EXT, "DigitalSourceType"))
                notices.extend(packet.document.get_all(NS_CLEARMARK, "Notice"))
        return Metadata(tuple(carriers), tuple(self.packets), tuple(source_types), notices[0] if notices else None)


def read_movie_metadata(stream: BinaryIO, size: int, fmt: str, limits: MediaLimits) -> tuple[Layout, bytes, Metadata]:
    """The layout, the ``moov`` bytes and every label carrier of a movie file.

    Raises:
        InvalidMedia: the box structure is broken.
        MediaTooLarge: ``moov`` or the metadata exceed their limits, or too many boxes.
    """
    layout = walk_top_level(stream, size, limits)
    reader = CarrierReader(fmt, limits)
    moov = b""
    for box in layout.boxes:
        if box is layout.moov:
            moov = read_moov(stream, layout, limits)
            reader.read_moov(moov, box.offset)
        elif box.type == b"uuid" and stream_uuid_of(stream, box) == XMP_UUID:
            body = read_box(stream, box, limits.max_metadata_bytes, "max_metadata_bytes")[box.header :]
            reader.add_xmp(f"{fmt}:uuid-XMP", box.offset, box.size, body)
    return layout, moov, reader.metadata()


def read_manifest_store(stream: BinaryIO, size: int, limits: MediaLimits) -> bytes | None:
    """The C2PA manifest store (JUMBF) embedded in a movie file, or None when there is not exactly one.

    C2PA's ``ContentProvenanceBox`` is a top-level ``uuid`` box (``C2PA_UUID``), a full box whose
    payload is a purpose string; the ``manifest`` one then holds a 64-bit offset (to Merkle boxes, or
    0) and the store. Other purposes (``merkle``) and files with two manifest boxes give None.

    Raises:
        InvalidMedia: the box structure is broken.
        MediaTooLarge: the box is larger than ``max_movie_box_bytes``, or too many boxes.
    """
    stores = []
    for box in walk_top_level(stream, size, limits).boxes:
        if box.type != b"uuid" or stream_uuid_of(stream, box) != C2PA_UUID:
            continue
        body = read_box(stream, box, limits.max_movie_box_bytes, "max_movie_box_bytes")[box.header :]
        purpose_end = body.find(b"\0", 4)
        if purpose_end < 0 or body[4:purpose_end] != b"manifest":
            continue
        stores.append(body[purpose_end + 1 + 8 :])
    return stores[0] if len(stores) == 1 else None
