"""WAV (RIFF/WAVE) labels by a bounded chunk walker: the top-level ``AIGC`` chunk and its ``LIST/INFO`` copy.

Reading walks the top-level chunks with seeks, reading into memory only the label-carrying chunks
(``AIGC``, ``LIST``, ``id3 ``), each bounded by ``max_tag_bytes``. Writing streams every other chunk
through unchanged, replaces the first ``AIGC`` chunk in place (or inserts one after ``fmt ``), keeps a
``LIST/INFO/AIGC`` copy in step with the new text and drops any further ``AIGC`` chunk, so the file
carries exactly one label.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from clearmark.core.errors import InvalidMedia, MediaTooLarge
from clearmark.media.audio.entries import LABEL_KEY, AudioLabelEntry
from clearmark.media.audio.limits import AudioLimits
from clearmark.media.limits import enforce_limit

_CHUNK_ID = LABEL_KEY.encode("ascii")
_COPY_BLOCK = 1 << 20
_MAX_RIFF_SIZE = 0xFFFFFFFF


@dataclass(frozen=True)
class RiffChunk:
    """One top-level chunk: its id, the offset of its header and its declared body size."""

    chunk_id: bytes
    offset: int
    size: int

    @property
    def body_offset(self) -> int:
        return self.offset + 8

    @property
    def padded_end(self) -> int:
        return self.body_offset + self.size + (self.size & 1)


def is_wav(head: bytes) -> bool:
    """The RIFF/WAVE signature."""
    return len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE"


def _file_size(file: BinaryIO) -> int:
    file.seek(0, os.SEEK_END)
    size = file.tell()
    file.seek(0)
    return size


def walk_chunks(file: BinaryIO, limits: AudioLimits) -> Iterator[RiffChunk]:
    """The top-level chunks of a RIFF/WAVE file, bounds-checked against the real file size.

    A RIFF header that declares more than the file holds (a size bomb or a streamed file) is
    clamped to the file; a ``data`` chunk running past the end is clamped too (truncated recordings
    are common); any other chunk that runs past the end is an error.

    Raises:
        InvalidMedia: not RIFF/WAVE, or a chunk header or body is truncated.
        MediaTooLarge: more than ``limits.max_chunks`` chunks.
    """
    size = _file_size(file)
    head = file.read(12)
    if not is_wav(head):
        raise InvalidMedia("not a RIFF/WAVE file")
    declared_end = 8 + struct.unpack("<I", head[4:8])[0]
    end = min(size, declared_end)
    offset = 12
    count = 0
    while offset + 8 <= end:
        count += 1
        enforce_limit("max_chunks", count, limits.max_chunks, what="RIFF chunk count")
        file.seek(offset)
        header = file.read(8)
        if len(header) < 8:
            raise InvalidMedia(f"RIFF chunk header truncated at byte {offset}")
        chunk_id, chunk_size = header[:4], struct.unpack("<I", header[4:])[0]
        if offset + 8 + chunk_size > size:
            if chunk_id != b"data":
                raise InvalidMedia(
                    f"RIFF chunk {chunk_id!r} at byte {offset} declares {chunk_size} bytes past the end of the file"
                )
            chunk_size = size - offset - 8
        yield RiffChunk(chunk_id, offset, chunk_size)
        offset += 8 + chunk_size + (chunk_size & 1)


def _read_body(file: BinaryIO, chunk: RiffChunk, limits: AudioLimits) -> bytes:
    enforce_limit("max_tag_bytes", chunk.size, limits.max_tag_bytes, what=f"RIFF {chunk.chunk_id!r} chunk")
    file.seek(chunk.body_offset)
    body = file.read(chunk.size)
    if len(body) != chunk.size:
        raise InvalidMedia(f"RIFF chunk {chunk.chunk_id!r} truncated")
    return body


def _text(body: bytes) -> str:
    return body.rstrip(b"\x00").decode("utf-8", errors="replace")


def _info_subchunks(body: bytes, base: int) -> Iterator[tuple[bytes, int, bytes]]:
    """(id, absolute offset, data) of each sub-chunk of a LIST/INFO body (which starts with ``INFO``)."""
    offset = 4
    while offset + 8 <= len(body):
        sub_id, sub_size = body[offset : offset + 4], struct.unpack("<I", body[offset + 4 : offset + 8])[0]
        if offset + 8 + sub_size > len(body):
            raise InvalidMedia(f"LIST/INFO sub-chunk {sub_id!r} runs past its LIST chunk")
        yield sub_id, base + offset, body[offset + 8 : offset + 8 + sub_size]
        offset += 8 + sub_size + (sub_size & 1)


def read_wav_labels(file: BinaryIO, limits: AudioLimits) -> tuple[AudioLabelEntry, ...]:
    """Every label carrier of a WAV: top-level ``AIGC`` chunks, ``LIST/INFO/AIGC`` copies, ID3 ``TXXX:AIGC``."""
    from clearmark.media.audio.id3 import read_id3_block_labels

    entries: list[AudioLabelEntry] = []
    for chunk in walk_chunks(file, limits):
        if chunk.chunk_id == _CHUNK_ID:
            entries.append(AudioLabelEntry("riff/AIGC", _text(_read_body(file, chunk, limits)), chunk.offset))
        elif chunk.chunk_id == b"LIST":
            body = _read_body(file, chunk, limits)
            if body[:4] != b"INFO":
                continue
            for sub_id, sub_offset, data in _info_subchunks(body, chunk.body_offset):
                if sub_id == _CHUNK_ID:
                    entries.append(AudioLabelEntry("riff/LIST/INFO/AIGC", _text(data), sub_offset))
        elif chunk.chunk_id in (b"id3 ", b"ID3 "):
            body = _read_body(file, chunk, limits)
            for entry in read_id3_block_labels(body, limits):
                entries.append(AudioLabelEntry("riff/id3/" + entry.carrier, entry.text, chunk.body_offset))
    return tuple(entries)


def _chunk_bytes(chunk_id: bytes, body: bytes) -> bytes:
    return chunk_id + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")


def _label_body(text: str) -> bytes:
    return text.encode("utf-8")


def _rewrite_info(body: bytes, text: str) -> bytes:
    out = io.BytesIO()
    out.write(b"INFO")
    for sub_id, _, data in _info_subchunks(body, 0):
        out.write(_chunk_bytes(sub_id, _label_body(text) + b"\x00" if sub_id == _CHUNK_ID else data))
    return out.getvalue()


def _copy_range(src: BinaryIO, dst: BinaryIO, start: int, length: int) -> None:
    src.seek(start)
    remaining = length
    while remaining:
        block = src.read(min(_COPY_BLOCK, remaining))
        if not block:
            raise InvalidMedia("the WAV file ended while it was being copied")
        dst.write(block)
        remaining -= len(block)


def copy_wav_with_label(src: BinaryIO, dst: BinaryIO, text: str, limits: AudioLimits) -> None:
    """Write ``src`` to ``dst`` carrying exactly one ``AIGC`` chunk with ``text``; every other chunk kept.

    Raises:
        InvalidMedia: ``src`` is not a well-formed WAV.
        MediaTooLarge: the result would exceed RIFF's 4 GiB size field, or a limit of ``limits``.
    """
    chunks = list(walk_chunks(src, limits))
    source_size = _file_size(src)
    label_chunk = _chunk_bytes(_CHUNK_ID, _label_body(text))
    has_label = any(chunk.chunk_id == _CHUNK_ID for chunk in chunks)
    dst.write(b"RIFF\x00\x00\x00\x00WAVE")
    written = 4
    placed = False
    for chunk in chunks:
        if chunk.chunk_id == _CHUNK_ID:
            if not placed:
                dst.write(label_chunk)
                written += len(label_chunk)
                placed = True
            continue
        if chunk.chunk_id == b"LIST":
            body = _read_body(src, chunk, limits)
            if body[:4] == b"INFO" and any(sub_id == _CHUNK_ID for sub_id, _, _ in _info_subchunks(body, 0)):
                rewritten = _chunk_bytes(b"LIST", _rewrite_info(body, text))
                dst.write(rewritten)
                written += len(rewritten)
                continue
        if chunk.padded_end > source_size:  # a truncated data chunk (clamped): write it with its real size
            dst.write(chunk.chunk_id + struct.pack("<I", chunk.size))
            _copy_range(src, dst, chunk.body_offset, chunk.size)
            if chunk.size & 1:
                dst.write(b"\x00")
        else:
            _copy_range(src, dst, chunk.offset, chunk.padded_end - chunk.offset)
        written += chunk.padded_end - chunk.offset
        if chunk.chunk_id == b"fmt " and not has_label and not placed:
            dst.write(label_chunk)
            written += len(label_chunk)
            placed = True
    if not placed:
        dst.write(label_chunk)
        written += len(label_chunk)
    if written > _MAX_RIFF_SIZE:
        raise MediaTooLarge("the labelled WAV would exceed the 4 GiB RIFF limit", reason="MEDIA_TOO_LARGE")
    dst.seek(4)
    dst.write(struct.pack("<I", written))
    dst.seek(0, os.SEEK_END)
