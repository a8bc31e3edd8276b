"""GB 45438 labels in audio containers: one codec per container by name, over bytes or file paths.

``read_audio_labels`` returns every carrier found; ``write_audio_label`` writes exactly one label
(the container's standard carrier; a ``LIST/INFO`` copy already in a WAV is kept in step), keeps
every other tag, writes paths atomically (a temporary file beside the output, then a rename) and
reads the result back before returning. Whether a write is allowed (never rewriting another party's
fields) is the caller's decision: this layer only carries text.
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO

from clearmark.core.aigc import AigcLabel
from clearmark.core.errors import InvalidMedia, UnsupportedFormat
from clearmark.media.audio.entries import AudioLabelEntry
from clearmark.media.audio.id3 import copy_mp3_with_label, id3v2_tag_size, read_mp3_labels
from clearmark.media.audio.limits import DEFAULT_AUDIO_LIMITS, AudioLimits
from clearmark.media.audio.riff import copy_wav_with_label, is_wav, read_wav_labels
from clearmark.media.audio.vorbis import copy_vorbis_with_label, read_vorbis_labels
from clearmark.media.limits import enforce_limit

LabelReader = Callable[[BinaryIO, AudioLimits], tuple[AudioLabelEntry, ...]]
LabelCopier = Callable[[BinaryIO, BinaryIO, str, AudioLimits], None]


@dataclass(frozen=True)
class AudioTagCodec:
    """How one audio container carries the label: its reader and its copy-with-label writer."""

    name: str
    carrier: str
    read: LabelReader
    write: LabelCopier


TAG_CODECS: dict[str, AudioTagCodec] = {
    "wav": AudioTagCodec("wav", "RIFF chunk AIGC", read_wav_labels, copy_wav_with_label),
    "mp3": AudioTagCodec("mp3", "ID3v2 TXXX:AIGC", read_mp3_labels, copy_mp3_with_label),
    "flac": AudioTagCodec(
        "flac", "Vorbis comment AIGC", partial(read_vorbis_labels, "flac"), partial(copy_vorbis_with_label, "flac")
    ),
    "ogg_vorbis": AudioTagCodec(
        "ogg_vorbis",
        "Vorbis comment AIGC",
        partial(read_vorbis_labels, "ogg_vorbis"),
        partial(copy_vorbis_with_label, "ogg_vorbis"),
    ),
    "opus": AudioTagCodec(
        "opus", "Vorbis comment AIGC", partial(read_vorbis_labels, "opus"), partial(copy_vorbis_with_label, "opus")
    ),
}

_MPEG_AUDIO_LAYER3 = {0xFA, 0xFB, 0xF2, 0xF3, 0xE2, 0xE3}


def sniff_audio_container(file: BinaryIO) -> str | None:
    """The ``TAG_CODECS`` name of the container ``file`` holds, or None when it is none of them.

    An ID3v2 tag in front is skipped (FLAC files sometimes carry one); MPEG-4 audio (M4A) is left
    to the MP4 container code.
    """
    file.seek(0)
    head = file.read(64)
    offset = 0
    size = id3v2_tag_size(head)
    if size is not None:
        offset = size
        file.seek(offset)
        head = file.read(64)
        if not head:
            return "mp3"  # a tag with no audio after it yet: still an MP3 tag block
    if is_wav(head):
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS" and len(head) >= 28:
        segments = head[26]
        packet = head[27 + segments : 27 + segments + 8]
        if packet.startswith(b"\x01vorbis"):
            return "ogg_vorbis"
        if packet.startswith(b"OpusHead"):
            return "opus"
        return None
    if len(head) >= 2 and head[0] == 0xFF and head[1] in _MPEG_AUDIO_LAYER3:
        return "mp3"
    return "mp3" if offset else None


def _codec(file: BinaryIO, container: str | None) -> AudioTagCodec:
    name = container or sniff_audio_container(file)
    if name is None:
        raise UnsupportedFormat("not an audio container ClearMark labels (WAV, MP3, FLAC, Ogg Vorbis, Opus)")
    codec = TAG_CODECS.get(name)
    if codec is None:
        raise UnsupportedFormat(f"no label codec for audio container {name!r}")
    return codec


def _open(source: bytes | str | Path, limits: AudioLimits) -> BinaryIO:
    if isinstance(source, bytes):
        enforce_limit("max_bytes", len(source), limits.max_bytes, what="audio file size")
        return io.BytesIO(source)
    try:
        handle = open(source, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise InvalidMedia(f"cannot read the audio file: {exc.strerror}") from exc
    size = os.fstat(handle.fileno()).st_size
    if size > limits.max_bytes:
        handle.close()
        enforce_limit("max_bytes", size, limits.max_bytes, what="audio file size")
    return handle


def read_audio_labels(
    source: bytes | str | Path, *, container: str | None = None, limits: AudioLimits = DEFAULT_AUDIO_LIMITS
) -> tuple[AudioLabelEntry, ...]:
    """Every GB 45438 label carrier in an audio file, in file order (empty when there is none).

    Raises:
        UnsupportedFormat: not a container of ``TAG_CODECS``.
        InvalidMedia: the container or its tags are malformed or truncated.
        MediaTooLarge: a limit of ``limits`` is exceeded.
    """
    with _open(source, limits) as file:
        codec = _codec(file, container)
        try:
            return codec.read(file, limits)
        except (struct.error, EOFError, IndexError) as exc:
            raise InvalidMedia(f"malformed {codec.name} container: {exc}") from exc


def _label_text(label: AigcLabel | str) -> str:
    return label.to_json() if isinstance(label, AigcLabel) else label


def _verify(data: BinaryIO, codec: AudioTagCodec, text: str, limits: AudioLimits) -> None:
    entries = codec.read(data, limits)
    primary = [entry for entry in entries if not entry.is_mirror]
    if len(primary) != 1 or primary[0].text != text or any(entry.text != text for entry in entries):
        raise InvalidMedia(f"the {codec.carrier} label did not read back as written")


def write_audio_label(
    source: bytes | str | Path,
    label: AigcLabel | str,
    *,
    output: str | Path | None = None,
    container: str | None = None,
    limits: AudioLimits = DEFAULT_AUDIO_LIMITS,
) -> bytes | None:
    """Write ``label`` (an ``AigcLabel``, written bare, or raw text) as the file's one label.

    Returns the new file's bytes, or None when written to ``output`` (atomically). The result is
    read back before returning.

    Raises:
        UnsupportedFormat: not a container of ``TAG_CODECS``.
        InvalidMedia: the input is malformed, or the label did not read back.
        MediaTooLarge: a limit of ``limits`` is exceeded.
    """
    text = _label_text(label)
    with _open(source, limits) as src:
        codec = _codec(src, container)
        if output is None:
            buffer = io.BytesIO()
            codec.write(src, buffer, text, limits)
            _verify(buffer, codec, text, limits)
            return buffer.getvalue()
        target = Path(output)
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w+b") as dst:
                codec.write(src, dst, text, limits)
                dst.flush()
                _verify(dst, codec, text, limits)
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
    return None
