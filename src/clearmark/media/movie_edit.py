"""MP4/MOV/M4A box edits in memory: the ``moov`` with its ``AIGC`` key set, and file offsets moved by a grown ``moov``.

``set_label_key`` adds or updates the ``AIGC`` entry of ``moov/udta/meta`` (handler ``mdta``),
creating ``udta``, ``meta``, ``hdlr``, ``keys`` and ``ilst`` as needed and keeping every other box
byte for byte. The value is one UTF-8 ``data`` atom (type 1, locale 0), as FFmpeg writes it.

When ``moov`` sits before media data and changes size, the absolute offsets into that data move:
``shift_moov_offsets`` patches ``stco``/``co64`` chunk offsets and ``saio`` offsets of every track,
turning a 32-bit ``stco`` whose moved offsets would pass 4 GiB into a 64-bit ``co64`` and a version 0
``saio`` into version 1 (as FFmpeg and MP4Box write large files; the wider table grows ``moov`` again,
so the shift is settled first); ``shift_fragment_offsets`` patches a later ``moof``'s ``tfhd``
base-data-offset (when present) and ``mfra``/``tfra`` moof offsets (a version 0 ``tfra`` that would
overflow becomes version 1, and ``mfro`` holds the grown ``mfra`` size). ``sidx`` references are
relative to the ``sidx`` itself and ``trun`` data offsets relative to their ``moof`` (or the base
offset), so neither moves.
"""

from __future__ import annotations

from clearmark.core.errors import InvalidMedia, UnsupportedFormat
from clearmark.media.bmff import Box, BoxCounter, find_box, make_box, make_full_box
from clearmark.media.container import read_uint
from clearmark.media.movie_boxes import LABEL_KEY, MDTA, UTF8_TYPE, children, handler_type, meta_skip, read_keys

_TRACK_PATH = (b"trak", b"mdia", b"minf", b"stbl")
_OFFSET_TABLES = {b"stco": 4, b"co64": 8}


def data_atom(text: str) -> bytes:
    """A ``data`` atom holding UTF-8 ``text`` (well-known type 1, default locale)."""
    return make_box(b"data", UTF8_TYPE.to_bytes(4, "big") + bytes(4) + text.encode("utf-8"))


def _root(data: bytes, kind: bytes) -> Box:
    header = 16 if read_uint(data, 0, 4, what=f"{kind!r} size") == 1 else 8
    return Box(kind, 0, header, len(data))


def _new_meta(bare: str) -> bytes:
    hdlr = make_full_box(b"hdlr", 0, 0, bytes(4) + MDTA + bytes(12) + b"\x00")
    keys = make_full_box(b"keys", 0, 0, (1).to_bytes(4, "big") + make_box(MDTA, LABEL_KEY))
    ilst = make_box(b"ilst", make_box((1).to_bytes(4, "big"), data_atom(bare)))
    return make_full_box(b"meta", 0, 0, hdlr + keys + ilst)


def _updated_meta(data: bytes, meta: Box, bare: str, counter: BoxCounter) -> bytes:
    """An ``mdta`` meta box with its ``AIGC`` key (every one, should there be duplicates) set to ``bare``."""
    skip = meta_skip(data, meta)
    boxes = children(data, meta, counter, skip=skip)
    keys_box, ilst = find_box(boxes, b"keys"), find_box(boxes, b"ilst")
    keys = read_keys(data, keys_box) if keys_box is not None else []
    indices = [number for number, (_, name) in enumerate(keys, start=1) if name == LABEL_KEY]
    new_keys = None
    if not indices:
        if len(keys) >= 0xFFFFFFFF:
            raise InvalidMedia("the keys box cannot hold another entry")
        entries = b"" if keys_box is None else data[keys_box.body_offset + 8 : keys_box.end]
        version_flags = bytes(4) if keys_box is None else data[keys_box.body_offset : keys_box.body_offset + 4]
        count = (len(keys) + 1).to_bytes(4, "big")
        new_keys = make_box(b"keys", version_flags + count + entries + make_box(MDTA, LABEL_KEY))
        indices = [len(keys) + 1]
    items: list[bytes] = []
    written: set[int] = set()
    if ilst is not None:
        for item in children(data, ilst, counter):
            index = int.from_bytes(item.type, "big")
            if index in indices:
                items.append(make_box(item.type, data_atom(bare)))
                written.add(index)
            else:
                items.append(data[item.offset : item.end])
    items.extend(make_box(index.to_bytes(4, "big"), data_atom(bare)) for index in indices if index not in written)
    new_ilst = make_box(b"ilst", b"".join(items))
    parts = []
    for box in boxes:
        if box.type == b"keys" and new_keys is not None:
            parts.append(new_keys)
            new_keys = None
        elif box.type == b"ilst":
            parts.append(new_ilst)
            new_ilst = b""
        else:
            parts.append(data[box.offset : box.end])
    if new_keys is not None:
        parts.append(new_keys)
    parts.append(new_ilst)
    prefix = data[meta.body_offset : meta.body_offset + skip]
    return make_box(b"meta", prefix + b"".join(parts))


def _mdta_meta(data: bytes, parent: Box, counter: BoxCounter) -> Box | None:
    """The one ``meta`` box with an ``mdta`` handler directly inside ``parent``, or None."""
    metas = []
    for box in children(data, parent, counter):
        if box.type != b"meta":
            continue
        hdlr = find_box(children(data, box, counter, skip=meta_skip(data, box)), b"hdlr")
        if hdlr is not None and handler_type(data, hdlr) == MDTA:
            metas.append(box)
    if len(metas) > 1:
        raise UnsupportedFormat(f"{parent.type!r} holds two mdta meta boxes; which one carries the label is ambiguous")
    return metas[0] if metas else None


def set_label_key(moov: bytes, bare: str, counter: BoxCounter) -> bytes:
    """``moov`` (its bytes, header included) with the ``mdta`` key ``AIGC`` set to ``bare``.

    The key goes in ``udta/meta``; in a file whose only ``mdta`` table is Apple's ``moov/meta`` it
    joins that table instead: FFmpeg keeps one key table per file, and a second ``keys`` box made it
    resolve the new ``ilst`` index against Apple's table (``AIGC`` read as ``Apple``, measured).

    Raises:
        InvalidMedia: a box inside ``moov`` is broken.
        UnsupportedFormat: two ``mdta`` meta boxes side by side.
    """
    root = _root(moov, b"moov")
    boxes = children(moov, root, counter)
    parts = [moov[box.offset : box.end] for box in boxes]
    udta = find_box(boxes, b"udta")
    meta = _mdta_meta(moov, udta, counter) if udta is not None else None
    if meta is None:
        apple = _mdta_meta(moov, root, counter)
        if apple is not None:
            parts[boxes.index(apple)] = _updated_meta(moov, apple, bare, counter)
            return make_box(b"moov", b"".join(parts))
    if udta is None:
        parts.append(make_box(b"udta", _new_meta(bare)))
        return make_box(b"moov", b"".join(parts))
    udta_parts = []
    for box in children(moov, udta, counter):
        if meta is not None and box.offset == meta.offset:
            udta_parts.append(_updated_meta(moov, meta, bare, counter))
        else:
            udta_parts.append(moov[box.offset : box.end])
    if meta is None:
        udta_parts.append(_new_meta(bare))
    parts[boxes.index(udta)] = make_box(b"udta", b"".join(udta_parts))
    return make_box(b"moov", b"".join(parts))


def _offset_tables(data: bytes, box: Box, path: tuple[bytes, ...], counter: BoxCounter) -> list[Box]:
    if not path:
        return [child for child in children(data, box, counter) if child.type in (*_OFFSET_TABLES, b"saio")]
    found = []
    for child in children(data, box, counter):
        if child.type == path[0]:
            found.extend(_offset_tables(data, child, path[1:], counter))
    return found


def _layout(data: bytes | bytearray, table: Box) -> tuple[int, int, int]:
    """``(count, first entry offset, width)`` of an ``stco``/``co64``/``saio`` box, count checked against size."""
    version = data[table.body_offset]
    pos = table.body_offset + 4
    if table.type == b"saio":
        if int.from_bytes(data[table.body_offset + 1 : table.body_offset + 4], "big") & 1:
            pos += 8  # aux_info_type and its parameter
        width = 8 if version else 4
    else:
        width = _OFFSET_TABLES[table.type]
    count = read_uint(bytes(data[pos : pos + 4]), 0, 4, what=f"{table.type!r} entry count")
    pos += 4
    if pos + count * width > table.end:
        raise InvalidMedia(f"{table.type!r} box declares {count} entries, more than it holds")
    return count, pos, width


def _patch_table(data: bytearray, table: Box, after: int, shift: int) -> None:
    """Add ``shift`` to each absolute offset at or past ``after`` in one ``stco``/``co64``/``saio`` box."""
    count, pos, width = _layout(data, table)
    for at in range(pos, pos + count * width, width):
        value = int.from_bytes(data[at : at + width], "big")
        if value < after:
            continue
        value += shift
        if value < 0:
            raise InvalidMedia(f"a {table.type!r} offset would move before the start of the file")
        data[at : at + width] = value.to_bytes(width, "big")


def _overflows(data: bytes, table: Box, after: int, shift: int) -> bool:
    """True when a 32-bit offset at or past ``after`` would pass 32 bits once moved by ``shift``."""
    count, start, width = _layout(data, table)
    if width != 4:
        return False
    offsets = (int.from_bytes(data[at : at + 4], "big") for at in range(start, start + 4 * count, 4))
    last = max((value for value in offsets if value >= after), default=None)
    return last is not None and last + shift >= 1 << 32


def _widened(data: bytes, table: Box) -> bytes:
    """A 32-bit table rewritten with 64-bit offsets: ``stco`` as ``co64``, a version 0 ``saio`` as version 1.

    Flags, the aux-info type and the offsets themselves are kept; only their width changes.
    """
    count, start, _ = _layout(data, table)
    wide = b"".join(
        int.from_bytes(data[at : at + 4], "big").to_bytes(8, "big") for at in range(start, start + 4 * count, 4)
    )
    head = data[table.body_offset + 1 : start]  # flags, [aux type, parameter,] entry count
    kind, version = (
        (b"co64", data[table.body_offset : table.body_offset + 1]) if table.type == b"stco" else (b"saio", b"\x01")
    )
    return make_box(kind, version + head + wide)


def _rebuilt(data: bytes, box: Box, replaced: dict[int, bytes], counter: BoxCounter) -> bytes:
    """``box`` with the boxes at the offsets of ``replaced`` swapped in, every container on their path resized."""
    if box.offset in replaced:
        return replaced[box.offset]
    if not any(box.offset < at < box.end for at in replaced):
        return data[box.offset : box.end]
    inner = children(data, box, counter)
    head = data[box.body_offset : inner[0].offset] if inner else b""
    tail = data[inner[-1].end : box.end] if inner else data[box.body_offset : box.end]
    return make_box(box.type, head + b"".join(_rebuilt(data, child, replaced, counter) for child in inner) + tail)


def shift_moov_offsets(moov: bytes, after: int, shift: int, counter: BoxCounter) -> bytes:
    """``moov`` with every track's chunk and aux-info offsets at or past file offset ``after`` moved.

    ``shift`` is how much ``moov`` grew (or shrank) before this call. An ``stco`` whose moved offsets
    would pass 32 bits becomes a ``co64`` (a version 0 ``saio`` becomes version 1), which makes ``moov``
    longer still: the offsets then move by
    ``shift`` plus that growth, i.e. by ``len(result) - len(moov) + shift`` (callers read the final
    shift off the result's length).

    Raises:
        InvalidMedia: a table declares more entries than it holds.
    """
    root = _root(moov, b"moov")
    tables = [table for table in _offset_tables(moov, root, _TRACK_PATH, counter) if _layout(moov, table)[2] == 4]
    widened: set[int] = set()
    while True:  # each widened table grows moov, which may push another table's offsets past 32 bits
        growth = sum(4 * _layout(moov, table)[0] for table in tables if table.offset in widened)
        more = {t.offset for t in tables if t.offset not in widened and _overflows(moov, t, after, shift + growth)}
        if not more:
            break
        widened |= more
    if widened:
        replaced = {table.offset: _widened(moov, table) for table in tables if table.offset in widened}
        moov = _rebuilt(moov, root, replaced, counter)
        shift += growth
    out = bytearray(moov)
    for table in _offset_tables(moov, _root(moov, b"moov"), _TRACK_PATH, counter):
        _patch_table(out, table, after, shift)
    return bytes(out)


def shift_fragment_offsets(box_bytes: bytes, after: int, shift: int, counter: BoxCounter) -> bytes:
    """A ``moof`` (``tfhd`` base-data-offset) or ``mfra`` (``tfra`` moof offsets) with file offsets moved."""
    out = bytearray(box_bytes)
    root = _root(box_bytes, box_bytes[4:8])
    if root.type == b"moof":
        for traf in children(box_bytes, root, counter):
            if traf.type != b"traf":
                continue
            for tfhd in children(box_bytes, traf, counter):
                if tfhd.type != b"tfhd":
                    continue
                if read_uint(box_bytes, tfhd.body_offset, 4, what="tfhd flags") & 1:
                    at = tfhd.body_offset + 8
                    value = read_uint(box_bytes, at, 8, what="tfhd base data offset")
                    if value >= after:
                        out[at : at + 8] = (value + shift).to_bytes(8, "big")
    elif root.type == b"mfra":
        return _shifted_mfra(box_bytes, root, after, shift, counter)
    return bytes(out)


def _tfra_entries(data: bytes, tfra: Box) -> tuple[int, int, int, int]:
    """``(version, count, first entry offset, bytes after time and moof offset)`` of a ``tfra`` box."""
    version = data[tfra.body_offset]
    sizes = read_uint(data, tfra.body_offset + 8, 4, what="tfra field sizes")
    tail = ((sizes >> 4) & 3) + ((sizes >> 2) & 3) + (sizes & 3) + 3
    count = read_uint(data, tfra.body_offset + 12, 4, what="tfra entry count")
    width = 8 if version else 4
    if tfra.body_offset + 16 + count * (2 * width + tail) > tfra.end:
        raise InvalidMedia(f"tfra box declares {count} entries, more than it holds")
    return version, count, tfra.body_offset + 16, tail


def _shifted_tfra(data: bytes, tfra: Box, after: int, shift: int) -> bytes:
    """A ``tfra`` with its moof offsets at or past ``after`` moved; version 0 becomes version 1 (64-bit
    times and offsets) when a moved offset would pass 32 bits, as for ``stco`` → ``co64``."""
    version, count, pos, tail = _tfra_entries(data, tfra)
    width = 8 if version else 4
    entries = []
    for at in range(pos, pos + count * (2 * width + tail), 2 * width + tail):
        time = int.from_bytes(data[at : at + width], "big")
        offset = int.from_bytes(data[at + width : at + 2 * width], "big")
        rest = data[at + 2 * width : at + 2 * width + tail]
        entries.append((time, offset + shift if offset >= after else offset, rest))
    if not version and any(offset >= 1 << 32 for _, offset, _ in entries):
        version, width = 1, 8
    if any(offset < 0 for _, offset, _ in entries):
        raise InvalidMedia("a tfra moof offset would move before the start of the file")
    body = b"".join(t.to_bytes(width, "big") + o.to_bytes(width, "big") + rest for t, o, rest in entries)
    return make_box(b"tfra", bytes([version]) + data[tfra.body_offset + 1 : pos] + body)


def _shifted_mfra(data: bytes, root: Box, after: int, shift: int, counter: BoxCounter) -> bytes:
    """An ``mfra`` with every ``tfra`` shifted and its closing ``mfro`` holding the (maybe grown) size."""
    parts = []
    for child in children(data, root, counter):
        if child.type == b"tfra":
            parts.append(_shifted_tfra(data, child, after, shift))
        else:
            parts.append(data[child.offset : child.end])
    mfra = bytearray(make_box(b"mfra", b"".join(parts)))
    last = parts[-1] if parts else b""
    if last[4:8] == b"mfro" and len(last) >= 16:
        mfra[-4:] = len(mfra).to_bytes(4, "big")
    return bytes(mfra)
