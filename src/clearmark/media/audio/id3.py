"""MP3 labels in ID3v2 ``TXXX`` frames with description ``AIGC`` (v2.3 and v2.4), through mutagen.

The tag header is checked here first (syncsafe size, ``max_tag_bytes``) so a hostile size never
reaches the parser; mutagen then parses the frames, and any failure of it becomes ``InvalidMedia``.
Writing keeps the tag's version (a new tag is v2.3, which every player reads), removes every other
``TXXX:AIGC`` frame and keeps all other frames and an ID3v1 tag if present.
"""

from __future__ import annotations

import io
import shutil
import struct
from typing import BinaryIO

import mutagen
import mutagen.id3
from mutagen.id3._id3v1 import find_id3v1  # mutagen's own ID3v1 search, to update a tag as it does

from clearmark.core.errors import InvalidMedia
from clearmark.media.audio.entries import LABEL_KEY, AudioLabelEntry
from clearmark.media.audio.limits import AudioLimits
from clearmark.media.copying import copy_range
from clearmark.media.limits import enforce_limit

# What mutagen and the bytes it reads can throw on a malformed tag; all of it is the file's fault.
PARSER_ERRORS = (mutagen.MutagenError, struct.error, ValueError, EOFError, IndexError, KeyError, OverflowError)


def id3v2_tag_size(head: bytes) -> int | None:
    """Total bytes of the ID3v2 tag that ``head`` (>= 10 bytes) starts with, header and footer included.

    Raises:
        InvalidMedia: an ``ID3`` header whose version or size field is not valid.
    """
    if len(head) < 10 or head[:3] != b"ID3":
        return None
    major, flags, size_bytes = head[3], head[5], head[6:10]
    if major not in (2, 3, 4) or head[4] == 0xFF:
        raise InvalidMedia(f"unsupported ID3v2 version 2.{major}")
    if any(byte & 0x80 for byte in size_bytes):
        raise InvalidMedia("the ID3v2 tag size is not a syncsafe integer")
    size = (size_bytes[0] << 21) | (size_bytes[1] << 14) | (size_bytes[2] << 7) | size_bytes[3]
    return 10 + size + (10 if major == 4 and flags & 0x10 else 0)


def _load(file: BinaryIO, limits: AudioLimits) -> mutagen.id3.ID3 | None:
    file.seek(0)
    size = id3v2_tag_size(file.read(10))
    if size is None:
        return None
    enforce_limit("max_tag_bytes", size, limits.max_tag_bytes, what="ID3v2 tag")
    file.seek(0)
    try:
        return mutagen.id3.ID3(file, load_v1=False)
    except mutagen.id3.ID3NoHeaderError:
        return None
    except PARSER_ERRORS as exc:
        raise InvalidMedia(f"the ID3v2 tag is malformed: {exc}") from exc


def _entries(tags: mutagen.id3.ID3) -> tuple[AudioLabelEntry, ...]:
    version = f"id3v2.{tags.version[1]}"
    entries = []
    for frame in tags.getall("TXXX"):
        if frame.desc.strip("\x00").upper() == LABEL_KEY:
            text = "".join(str(part) for part in frame.text).rstrip("\x00")
            entries.append(AudioLabelEntry(f"{version}/TXXX:{frame.desc}", text, 0))
    return tuple(entries)


def read_mp3_labels(file: BinaryIO, limits: AudioLimits) -> tuple[AudioLabelEntry, ...]:
    """Every ``TXXX:AIGC`` frame of the ID3v2 tag at the start of ``file``."""
    tags = _load(file, limits)
    return () if tags is None else _entries(tags)


def read_id3_block_labels(block: bytes, limits: AudioLimits) -> tuple[AudioLabelEntry, ...]:
    """Every ``TXXX:AIGC`` frame of a standalone ID3v2 tag (e.g. the body of a WAV ``id3 `` chunk)."""
    return read_mp3_labels(io.BytesIO(block), limits)


def _labelled_tags(src: BinaryIO, text: str, limits: AudioLimits) -> tuple[mutagen.id3.ID3, int]:
    """The tag at the head of ``src`` (or a new v2.3 one) with exactly one ``TXXX:AIGC`` frame, and its version."""
    tags = _load(src, limits)
    if tags is None:
        tags, version = mutagen.id3.ID3(), 3
    else:
        version = 3 if tags.version[1] <= 3 else 4
    for frame in list(tags.getall("TXXX")):
        if frame.desc.strip("\x00").upper() == LABEL_KEY:
            tags.delall(frame.HashKey)
    encoding = mutagen.id3.Encoding.UTF8 if version == 4 else mutagen.id3.Encoding.LATIN1
    if version == 3 and not text.isascii():
        encoding = mutagen.id3.Encoding.UTF16
    tags.add(mutagen.id3.TXXX(encoding=encoding, desc=LABEL_KEY, text=[text]))
    return tags, version


def copy_mp3_with_label(src: BinaryIO, dst: BinaryIO, text: str, limits: AudioLimits) -> None:
    """Write ``src`` to ``dst`` with exactly one ``TXXX:AIGC`` frame holding ``text``; all else kept.

    Raises:
        InvalidMedia: the existing ID3v2 tag is malformed.
        MediaTooLarge: the existing tag exceeds ``limits.max_tag_bytes``.
    """
    tags, version = _labelled_tags(src, text, limits)
    src.seek(0)
    shutil.copyfileobj(src, dst, 1 << 20)
    dst.seek(0)
    try:
        tags.save(dst, v2_version=version, v1=mutagen.id3.ID3v1SaveOptions.UPDATE)
    except PARSER_ERRORS as exc:
        raise InvalidMedia(f"cannot write the ID3v2 tag: {exc}") from exc


# mutagen looks for an ID3v1 tag in the last 128 bytes plus 3 (to tell it from an APEv2 footer).
ID3V1_WINDOW = 128 + 3


def write_mp3_head_label(src: BinaryIO, dst: BinaryIO, text: str, limits: AudioLimits, size: int) -> None:
    """What ``copy_mp3_with_label`` writes, holding only the ID3v2 tag and the last 131 bytes in memory.

    The tag is rebuilt on its own bytes (mutagen's padding choice told the real file size, so the
    padding is the same as on the whole file), the audio is copied in pieces, and an ID3v1 tag at
    the end is updated as mutagen updates it. ``size`` is ``src``'s length; it must exceed the
    ID3v2 tag by at least ``ID3V1_WINDOW`` bytes (smaller files go through ``copy_mp3_with_label``).

    Raises:
        InvalidMedia: the existing ID3v2 tag is malformed.
        MediaTooLarge: the existing tag exceeds ``limits.max_tag_bytes``.
    """
    src.seek(0)
    tag_size = id3v2_tag_size(src.read(10)) or 0
    if size - tag_size < ID3V1_WINDOW:
        raise ValueError("write_mp3_head_label needs the audio to be longer than the ID3v1 window")
    tags, version = _labelled_tags(src, text, limits)
    src.seek(0)
    # Zeros stand in for the audio: mutagen finds no ID3v1 tag in them, and the padding callback is
    # told the real size so the tag comes out as it would on the whole file.
    head = io.BytesIO(src.read(tag_size) + bytes(ID3V1_WINDOW))
    padding = lambda info: mutagen.PaddingInfo(info.padding, size).get_default_padding()  # noqa: E731
    try:
        tags.save(head, v2_version=version, v1=mutagen.id3.ID3v1SaveOptions.REMOVE, padding=padding)
    except PARSER_ERRORS as exc:
        raise InvalidMedia(f"cannot write the ID3v2 tag: {exc}") from exc
    dst.write(head.getvalue()[:-ID3V1_WINDOW])
    copy_range(src, dst, tag_size, size - tag_size - ID3V1_WINDOW)
    src.seek(size - ID3V1_WINDOW)
    tail = io.BytesIO(src.read(ID3V1_WINDOW))
    v1, offset = find_id3v1(tail)
    if v1 is not None:
        tail.seek(offset, 2)
        tail.write(mutagen.id3.MakeID3v1(tags))
    dst.write(tail.getvalue())
