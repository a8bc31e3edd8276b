"""MP3: the label is an ID3v2 ``TXXX`` frame with description ``AIGC`` (v2.3 and v2.4 read and kept)."""

from __future__ import annotations

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia
from clearmark.media.audio.container import AudioLabelContainer
from clearmark.media.audio.id3 import id3v2_tag_size
from clearmark.media.format import C2paSupport, FormatSpec, Probe
from clearmark.media.registry import register_format

# MPEG audio: bitrate index 1..14, sample rate index 0..2, layer not reserved.
_FRAME_BYTES = {1: 144, 2: 144, 3: 12}


def _frame_length(head: bytes, at: int) -> int:
    """The length of the MPEG audio frame whose header starts at ``at``, or 0 when there is none."""
    if at + 4 > len(head) or head[at] != 0xFF or head[at + 1] & 0xE0 != 0xE0:
        return 0
    version, layer = (head[at + 1] >> 3) & 3, (head[at + 1] >> 1) & 3
    bitrate, rate = head[at + 2] >> 4, (head[at + 2] >> 2) & 3
    if version == 1 or layer == 0 or bitrate in (0, 15) or rate == 3:
        return 0
    kbps = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)[bitrate - 1]
    hz = (44100, 48000, 32000)[rate] >> (0 if version == 3 else 1)
    return _FRAME_BYTES[layer] * kbps * 1000 // hz + ((head[at + 2] >> 1) & 1)


def after_id3(probe: Probe) -> bytes | None:
    """The bytes after a leading ID3v2 tag (c2pa puts one in front of FLAC too), or None without one."""
    try:
        size = id3v2_tag_size(probe.head)
    except InvalidMedia:
        return b""
    if size is None:
        return None
    with probe.source.open() as stream:
        stream.seek(size)
        return stream.read(16)


def _is_mp3(probe: Probe) -> bool:
    """An ID3v2 tag not followed by FLAC, or an MPEG audio frame header followed by the next one."""
    rest = after_id3(probe)
    if rest is not None:
        return not rest.startswith(b"fLaC")
    length = _frame_length(probe.head, 0)
    if length == 0:
        return False
    return probe.source.size <= length or _frame_length(probe.head, length) > 0


SPEC = register_format(
    FormatSpec(
        name="mp3",
        kind=MediaKind.AUDIO,
        mime_types=("audio/mpeg", "audio/mp3", "audio/x-mp3", "audio/mpeg3"),
        description="MP3 audio",
        matches=_is_mp3,
        container=AudioLabelContainer("mp3"),
        label_carrier="id3:TXXX:AIGC",
        c2pa=C2paSupport("id3:GEOB"),  # c2pa-python 0.38.1 signs and validates it (tests/media/audio)
        streamable=True,
    )
)
