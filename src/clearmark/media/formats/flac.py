"""FLAC: the label is a Vorbis comment ``AIGC=``; c2pa's manifest rides in an ID3v2 tag in front of ``fLaC``."""

from __future__ import annotations

from clearmark.core.enums import MediaKind
from clearmark.media.audio.container import AudioLabelContainer
from clearmark.media.format import C2paSupport, FormatSpec, Probe
from clearmark.media.formats.mp3 import after_id3
from clearmark.media.registry import register_format


def _is_flac(probe: Probe) -> bool:
    if probe.starts_with(b"fLaC"):
        return True
    rest = after_id3(probe)
    return rest is not None and rest.startswith(b"fLaC")


SPEC = register_format(
    FormatSpec(
        name="flac",
        kind=MediaKind.AUDIO,
        mime_types=("audio/flac", "audio/x-flac"),
        description="FLAC audio",
        matches=_is_flac,
        precedence=60,  # before MP3, whose test also accepts a leading ID3v2 tag
        container=AudioLabelContainer("flac"),
        label_carrier="vorbis:AIGC",
        c2pa=C2paSupport("id3:GEOB"),  # c2pa-python 0.38.1 signs and validates it (tests/media/audio)
        streamable=True,
    )
)
