"""FLAC, Ogg Vorbis and Ogg Opus labels in the Vorbis comment ``AIGC=``, through mutagen.

Keys of Vorbis comments are case-insensitive; every ``AIGC`` comment is read, and writing leaves
exactly one (every other comment, picture and metadata block kept).
"""

from __future__ import annotations

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
