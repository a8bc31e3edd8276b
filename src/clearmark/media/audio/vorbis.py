"""FLAC, Ogg Vorbis and Ogg Opus labels in the Vorbis comment ``AIGC=``, through mutagen.

Keys of Vorbis comments are case-insensitive; every ``AIGC`` comment is read, and writing leaves
exactly one (every other comment, picture and metadata block kept).
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from typing import BinaryIO

import mutagen
import mutagen.flac
import mutagen.oggopus
import mutagen.oggvorbis

from clearmark.core.errors import InvalidMedia
from clearmark.media.audio.entries import LABEL_KEY, AudioLabelEntry
from clearmark.media.audio.id3 import PARSER_ERRORS
from clearmark.media.audio.limits import AudioLimits
from clearmark.media.copying import copy_range
from clearmark.media.limits import enforce_limit

VorbisFile = mutagen.flac.FLAC | mutagen.oggvorbis.OggVorbis | mutagen.oggopus.OggOpus
_LOADERS: dict[str, Callable[[BinaryIO], VorbisFile]] = {
    "flac": mutagen.flac.FLAC,
    "ogg_vorbis": mutagen.oggvorbis.OggVorbis,
    "opus": mutagen.oggopus.OggOpus,
}


def _load(kind: str, file: BinaryIO) -> VorbisFile:
    file.seek(0)
    try:
        return _LOADERS[kind](file)
    except PARSER_ERRORS as exc:
        raise InvalidMedia(f"not a well-formed {kind} file: {exc}") from exc


def read_vorbis_labels(kind: str, file: BinaryIO, limits: AudioLimits) -> tuple[AudioLabelEntry, ...]:
    """Every ``AIGC`` Vorbis comment of a FLAC / Ogg Vorbis / Opus file (``kind``)."""
    audio = _load(kind, file)
    if audio.tags is None:
        return ()
    return tuple(
        AudioLabelEntry(f"vorbis/{key}", value.rstrip("\x00"), None)
        for key, value in audio.tags
        if key.upper() == LABEL_KEY
    )


def copy_vorbis_with_label(kind: str, src: BinaryIO, dst: BinaryIO, text: str, limits: AudioLimits) -> None:
    """Write ``src`` to ``dst`` with exactly one ``AIGC`` comment holding ``text``; everything else kept.

    Raises:
        InvalidMedia: ``src`` is not a well-formed file of ``kind``.
    """
    _load(kind, src)  # validate before copying
    src.seek(0)
    shutil.copyfileobj(src, dst, 1 << 20)
    audio = _load(kind, dst)
    if audio.tags is None:
        audio.add_tags()
    audio.tags[LABEL_KEY] = [text]  # mutagen matches keys case-insensitively: every AIGC/aigc goes
    dst.seek(0)
    try:
        audio.save(dst)
    except PARSER_ERRORS as exc:
        raise InvalidMedia(f"cannot write the {kind} comments: {exc}") from exc


def flac_audio_offset(src: BinaryIO, limits: AudioLimits) -> int:
    """Where a FLAC file's frames start: after an ID3v2 tag (as mutagen skips it) and the metadata blocks.

    Block sizes are taken as declared; the whole head must fit in ``limits.max_tag_bytes``.

    Raises:
        InvalidMedia: no ``fLaC`` marker, or a block header is truncated.
        MediaTooLarge: the head exceeds ``max_tag_bytes`` or holds more than ``max_chunks`` blocks.
    """
    src.seek(0)
    head = src.read(10)
    offset = 0
    if head[:3] == b"ID3" and len(head) == 10:  # mutagen's rule: 10 + the syncsafe size, no footer
        offset = 10 + sum((byte & 0x7F) << (7 * (3 - index)) for index, byte in enumerate(head[6:10]))
    src.seek(offset)
    if src.read(4) != b"fLaC":
        raise InvalidMedia("no fLaC marker where the FLAC metadata should start")
    offset += 4
    count = 0
    last = False
    while not last:
        count += 1
        enforce_limit("max_chunks", count, limits.max_chunks, what="FLAC metadata block count")
        header = src.read(4)
        if len(header) < 4:
            raise InvalidMedia(f"FLAC metadata block header truncated at byte {offset}")
        last = bool(header[0] & 0x80)
        offset += 4 + int.from_bytes(header[1:4], "big")
        enforce_limit("max_tag_bytes", offset, limits.max_tag_bytes, what="FLAC metadata blocks")
        src.seek(offset)
    return offset


class _HeadBuffer(io.BytesIO):
    """A FLAC head in memory that notes where mutagen's block walk ended (it then seeks to the end)."""

    blocks_end: int | None = None

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == io.SEEK_END and self.blocks_end is None:
            self.blocks_end = self.tell()
        return super().seek(offset, whence)


def write_flac_head_label(src: BinaryIO, dst: BinaryIO, text: str, limits: AudioLimits, size: int) -> None:
    """What ``copy_vorbis_with_label("flac", ...)`` writes, holding only the metadata blocks in memory.

    The blocks are rewritten on their own bytes (mutagen's padding choice told the real size of the
    frames, so the padding is the same as on the whole file), then the frames are copied in pieces.

    Raises:
        InvalidMedia: the head is not well-formed FLAC, or its declared block sizes are not the ones
            mutagen reads (a head that would not come out as on the whole file).
        MediaTooLarge: the metadata blocks exceed ``max_tag_bytes`` or ``max_chunks``.
    """
    audio_offset = flac_audio_offset(src, limits)
    if audio_offset > size:
        raise InvalidMedia("the FLAC metadata blocks run past the end of the file")
    src.seek(0)
    head = _HeadBuffer(src.read(audio_offset))
    head.seek(0)
    head.blocks_end = None
    audio = _load("flac", head)
    blocks_end = head.tell() if head.blocks_end is None else head.blocks_end
    if blocks_end != audio_offset:  # mutagen reads comment and picture blocks by content, not declared size
        raise InvalidMedia("the FLAC metadata block sizes do not match their content")
    if audio.tags is None:
        audio.add_tags()
    audio.tags[LABEL_KEY] = [text]
    frames = size - audio_offset
    padding = lambda info: mutagen.PaddingInfo(info.padding, frames).get_default_padding()  # noqa: E731
    head.seek(0)
    try:
        audio.save(head, padding=padding)
    except PARSER_ERRORS as exc:
        raise InvalidMedia(f"cannot write the flac comments: {exc}") from exc
    dst.write(head.getvalue())
    copy_range(src, dst, audio_offset, frames)
