"""PDF incremental updates: changed objects appended after the original bytes, which stay untouched.

pikepdf (qpdf) only writes whole files, so the update section is serialised here from pikepdf's
``unparse`` of each changed object. The original bytes remain a prefix of the output, so every
existing signature's ``/ByteRange`` still hashes to the same digest. The new cross-reference section
follows the file's own kind: a classic table after a table, an xref stream after a stream.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable

import pikepdf

from clearmark.core.errors import InvalidMedia

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF", re.DOTALL)


def last_startxref(data: bytes) -> int:
    """The byte offset the last ``startxref`` points at.

    Raises:
        InvalidMedia: no ``startxref … %%EOF`` in the last 4 KiB, or an offset outside the file.
    """
    tail_start = max(0, len(data) - 4096)
    matches = list(_STARTXREF.finditer(data, tail_start))
    if not matches:
        raise InvalidMedia("PDF has no startxref/%%EOF trailer at its end", reason="MALFORMED_PDF")
    offset = int(matches[-1].group(1))
    if offset >= len(data):
        raise InvalidMedia(f"PDF startxref {offset} points past the end of the file", reason="MALFORMED_PDF")
    return offset


def flate_stream(pdf: pikepdf.Pdf, payload: bytes) -> pikepdf.Stream:
    """A new indirect stream holding ``payload`` Flate-compressed."""
    stream = pikepdf.Stream(pdf, zlib.compress(payload, 9))
    stream[pikepdf.Name.Filter] = pikepdf.Name.FlateDecode
    return stream


def _serialize(obj: pikepdf.Object) -> bytes:
    num, gen = obj.objgen
    if isinstance(obj, pikepdf.Stream):
        raw = obj.read_raw_bytes()
        header = pikepdf.Dictionary(obj.stream_dict)
        header[pikepdf.Name.Length] = len(raw)
        body = header.unparse(resolved=True) + b"\nstream\n" + raw + b"\nendstream"
    else:
        body = obj.unparse(resolved=True)
    return f"{num} {gen} obj\n".encode() + body + b"\nendobj\n"


def _runs(numbers: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for number in numbers:
        if runs and runs[-1][-1] + 1 == number:
            runs[-1].append(number)
        else:
            runs.append([number])
    return runs


def append_update(data: bytes, pdf: pikepdf.Pdf, objects: Iterable[pikepdf.Object]) -> bytes:
    """``data`` followed by one incremental update section holding ``objects`` (indirect, changed or new).

    ``pdf`` must be the document opened from ``data``, unencrypted; its trailer's /Root, /Info and
    /ID are carried into the new trailer (the second /ID element changes, as the spec asks).
    """
    previous = last_startxref(data)
    xref_is_stream = not data[previous : previous + 4] == b"xref"
    unique = {obj.objgen: obj for obj in objects}
    out = bytearray(data)
    if not out.endswith(b"\n"):
        out += b"\n"
    offsets: dict[int, tuple[int, int]] = {}
    for (num, gen), obj in sorted(unique.items()):
        offsets[num] = (len(out), gen)
        out += _serialize(obj)
    old_size = int(pdf.trailer.get(pikepdf.Name.Size, 0))
    size = max(old_size, max(offsets, default=0) + 1)
    trailer = pikepdf.Dictionary()
    trailer[pikepdf.Name.Root] = pdf.trailer.Root
    if pikepdf.Name.Info in pdf.trailer:
        trailer[pikepdf.Name.Info] = pdf.trailer.Info
    original_id = pdf.trailer.get(pikepdf.Name.ID)
    first_id = bytes(original_id[0]) if isinstance(original_id, pikepdf.Array) and len(original_id) == 2 else b""
    first_id = first_id or hashlib.md5(data[:65536], usedforsecurity=False).digest()
    new_id = hashlib.md5(bytes(out), usedforsecurity=False).digest()
    trailer[pikepdf.Name.ID] = pikepdf.Array([pikepdf.String(first_id), pikepdf.String(new_id)])
    trailer[pikepdf.Name.Prev] = previous
    if xref_is_stream:
        xref_num = size
        size += 1
        xref_offset = len(out)
        offsets[xref_num] = (xref_offset, 0)
        numbers = sorted(offsets)
        rows = b"".join(
            b"\x01" + off.to_bytes(4, "big") + gen.to_bytes(2, "big") for off, gen in map(offsets.get, numbers)
        )
        index = [value for run in _runs(numbers) for value in (run[0], len(run))]
        compressed = zlib.compress(rows, 9)
        trailer[pikepdf.Name.Type] = pikepdf.Name.XRef
        trailer[pikepdf.Name.Size] = size
        trailer[pikepdf.Name.W] = pikepdf.Array([1, 4, 2])
        trailer[pikepdf.Name.Index] = pikepdf.Array(index)
        trailer[pikepdf.Name.Filter] = pikepdf.Name.FlateDecode
        trailer[pikepdf.Name.Length] = len(compressed)
        out += f"{xref_num} 0 obj\n".encode() + trailer.unparse(resolved=True)
        out += b"\nstream\n" + compressed + b"\nendstream\nendobj\n"
    else:
        trailer[pikepdf.Name.Size] = size
        xref_offset = len(out)
        out += b"xref\n"
        for run in _runs(sorted(offsets)):
            out += f"{run[0]} {len(run)}\n".encode()
            for number in run:
                offset, gen = offsets[number]
                out += f"{offset:010d} {gen:05d} n\r\n".encode()
        out += b"trailer\n" + trailer.unparse(resolved=True) + b"\n"
    out += f"startxref\n{xref_offset}\n%%EOF\n".encode()
    return bytes(out)
