"""PDF incremental updates: changed objects appended after the original bytes, which stay untouched.

pypdf reads the file; a ``PdfUpdate`` collects the objects that change (under their own numbers) and
the new ones (numbered after the file's last), and ``append_update`` serialises them with pypdf's own
object writer. The original bytes remain a prefix of the output, so every existing signature's
``/ByteRange`` still hashes to the same digest. The new cross-reference section follows the file's
own kind: a classic table after a table, an xref stream after a stream. (pypdf's own incremental
writer, ``PdfWriter(clone_from=reader, incremental=True)``, clones and hashes every object of the
document and always ends with an xref stream, which a reader of a table-only file may not know.)
"""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from dataclasses import dataclass, field
from typing import IO

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

from clearmark.core.errors import InvalidMedia
from clearmark.media.source import Source

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF", re.DOTALL)


def last_startxref(data: bytes, *, size: int | None = None) -> int:
    """The byte offset the last ``startxref`` points at.

    ``data`` may be the file's tail only, with ``size`` the whole file's length.

    Raises:
        InvalidMedia: no ``startxref … %%EOF`` in the last 4 KiB, or an offset outside the file.
    """
    tail_start = max(0, len(data) - 4096)
    matches = list(_STARTXREF.finditer(data, tail_start))
    if not matches:
        raise InvalidMedia("PDF has no startxref/%%EOF trailer at its end", reason="MALFORMED_PDF")
    offset = int(matches[-1].group(1))
    if offset >= (len(data) if size is None else size):
        raise InvalidMedia(f"PDF startxref {offset} points past the end of the file", reason="MALFORMED_PDF")
    return offset


def flate_stream(payload: bytes, **entries: PdfObject) -> StreamObject:
    """A new stream holding ``payload`` Flate-compressed, its dictionary extended by ``entries``."""
    stream = StreamObject.initialize_from_dictionary(
        {NameObject("/Filter"): NameObject("/FlateDecode"), "__streamdata__": zlib.compress(payload, 9)}
    )
    for key, value in entries.items():
        stream[NameObject("/" + key)] = value
    return stream


class _LiteralString(TextStringObject):
    """A text string written as a readable literal when it is printable ASCII (pypdf escapes all but letters)."""

    def write_to_stream(self, stream: IO[bytes]) -> None:  # type: ignore[override]
        if not (self.isascii() and self.isprintable()):
            super().write_to_stream(stream)
            return
        escaped = self.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream.write(b"(" + escaped.encode("ascii") + b")")


def pdf_string(text: str) -> TextStringObject:
    """A PDF text string for ``text``; printable ASCII stays readable in the file (e.g. a label's JSON)."""
    return _LiteralString(text)


@dataclass
class PdfUpdate:
    """The objects of one incremental update of the document ``reader`` reads.

    ``replace`` puts a changed object under an existing number; ``add`` numbers a new object after
    the highest number the file uses and returns the reference to put in other objects.
    """

    reader: PdfReader
    objects: dict[int, tuple[int, PdfObject]] = field(default_factory=dict)
    next_number: int = 0

    def __post_init__(self) -> None:
        used = [int(self.reader.trailer.get("/Size", 0)) - 1]
        used += [max(numbers, default=0) for numbers in self.reader.xref.values()]
        used.append(max(self.reader.xref_objStm, default=0))
        self.next_number = max(self.next_number, max(used) + 1, 1)

    def add(self, obj: PdfObject) -> IndirectObject:
        """Number ``obj`` as a new indirect object of the update."""
        number = self.next_number
        self.next_number += 1
        self.objects[number] = (0, obj)
        return IndirectObject(number, 0, self.reader)

    def replace(self, reference: IndirectObject, obj: PdfObject) -> None:
        """Write ``obj`` as the new value of the existing object ``reference``."""
        self.objects[reference.idnum] = (reference.generation, obj)

    def edit(self, reference: IndirectObject) -> DictionaryObject | None:
        """The dictionary ``reference`` names, as changed so far in this update (a copy the first time).

        None when the object is not a dictionary. Entries are copied shallowly: replace a nested
        direct dictionary with a copy before changing it.
        """
        number = reference.idnum
        if number in self.objects:
            current = self.objects[number][1]
            return current if isinstance(current, DictionaryObject) else None
        original = self.reader.get_object(reference)
        if not isinstance(original, DictionaryObject) or isinstance(original, StreamObject):
            return None
        copy = DictionaryObject(original)
        self.replace(reference, copy)
        return copy


def _serialize(obj: PdfObject) -> bytes:
    buffer = io.BytesIO()
    obj.write_to_stream(buffer)
    return buffer.getvalue()


def _string_bytes(value: PdfObject) -> bytes:
    if isinstance(value, TextStringObject):
        return value.original_bytes
    return bytes(value) if isinstance(value, ByteStringObject) else b""


def _runs(numbers: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for number in numbers:
        if runs and runs[-1][-1] + 1 == number:
            runs[-1].append(number)
        else:
            runs.append([number])
    return runs


def append_update(data: bytes, update: PdfUpdate, *, info: IndirectObject | None = None) -> bytes:
    """``data`` followed by one incremental update section holding the objects of ``update``.

    ``update.reader`` must be the document read from ``data``, unencrypted; its trailer's /Root and
    /Info (or ``info`` when given) and /ID go into the new trailer (the second /ID element changes,
    as the spec asks).
    """
    out = io.BytesIO()
    append_update_to(Source(data=data), update, out, info=info)
    return out.getvalue()


class _Sink:
    """An output stream that counts the bytes written and hashes them (the new /ID is their MD5)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.position = 0
        self.md5 = hashlib.md5(usedforsecurity=False)

    def write(self, data: bytes) -> None:
        self.stream.write(data)
        self.position += len(data)
        self.md5.update(data)


def append_update_to(
    source: Source, update: PdfUpdate, output: IO[bytes], *, info: IndirectObject | None = None
) -> None:
    """Like ``append_update``, for a document in a file: the original is copied to ``output`` in pieces
    (never whole in memory), then the update section is written after it."""
    tail = source.tail(4096)
    previous = last_startxref(tail, size=source.size)
    with source.open() as stream:
        stream.seek(previous)
        xref_is_stream = stream.read(4) != b"xref"
    original = update.reader.trailer
    out = _Sink(output)
    for piece in source.chunks():
        out.write(piece)
    if not tail.endswith(b"\n"):
        out.write(b"\n")
    offsets: dict[int, tuple[int, int]] = {}
    for number, (generation, obj) in sorted(update.objects.items()):
        offsets[number] = (out.position, generation)
        out.write(f"{number} {generation} obj\n".encode() + _serialize(obj) + b"\nendobj\n")
    size = max(update.next_number, max(offsets, default=0) + 1)
    trailer = DictionaryObject()
    trailer[NameObject("/Root")] = original.raw_get("/Root")
    if info is not None:
        trailer[NameObject("/Info")] = info
    elif "/Info" in original:
        trailer[NameObject("/Info")] = original.raw_get("/Info")
    original_id = original.get("/ID")
    first_id = _string_bytes(original_id[0]) if isinstance(original_id, ArrayObject) and len(original_id) == 2 else b""
    first_id = first_id or hashlib.md5(source.head(65536), usedforsecurity=False).digest()
    new_id = out.md5.copy().digest()
    trailer[NameObject("/ID")] = ArrayObject([ByteStringObject(first_id), ByteStringObject(new_id)])
    trailer[NameObject("/Prev")] = NumberObject(previous)
    if xref_is_stream:
        xref_number = size
        size += 1
        xref_offset = out.position
        offsets[xref_number] = (xref_offset, 0)
        numbers = sorted(offsets)
        rows = b"".join(
            b"\x01" + off.to_bytes(4, "big") + gen.to_bytes(2, "big") for off, gen in map(offsets.__getitem__, numbers)
        )
        trailer[NameObject("/Type")] = NameObject("/XRef")
        trailer[NameObject("/Size")] = NumberObject(size)
        trailer[NameObject("/W")] = ArrayObject([NumberObject(1), NumberObject(4), NumberObject(2)])
        index = [value for run in _runs(numbers) for value in (run[0], len(run))]
        trailer[NameObject("/Index")] = ArrayObject([NumberObject(value) for value in index])
        stream_object = flate_stream(rows)
        stream_object.update(trailer)
        out.write(f"{xref_number} 0 obj\n".encode() + _serialize(stream_object) + b"\nendobj\n")
    else:
        trailer[NameObject("/Size")] = NumberObject(size)
        xref_offset = out.position
        section = bytearray(b"xref\n")
        for run in _runs(sorted(offsets)):
            section += f"{run[0]} {len(run)}\n".encode()
            for number in run:
                offset, gen = offsets[number]
                section += f"{offset:010d} {gen:05d} n\r\n".encode()
        section += b"trailer\n" + _serialize(trailer) + b"\n"
        out.write(bytes(section))
    out.write(f"startxref\n{xref_offset}\n%%EOF\n".encode())
