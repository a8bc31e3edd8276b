"""Ogg Vorbis and Ogg Opus: the label is a Vorbis comment ``AIGC=``; c2pa-python does not handle Ogg."""

from __future__ import annotations

from clearmark.core.enums import MediaKind
from clearmark.media.audio.container import AudioLabelContainer
from clearmark.media.format import FormatSpec
from clearmark.media.registry import register_format

SPEC = register_format(
    FormatSpec(
        name="ogg",
        kind=MediaKind.AUDIO,
        mime_types=("audio/ogg", "audio/opus", "audio/vorbis", "application/ogg"),
        description="Ogg audio",
        matches=lambda probe: probe.starts_with(b"OggS"),
        container=AudioLabelContainer("ogg_vorbis", "opus"),
        label_carrier="vorbis:AIGC",
        streamable=True,
    )
)
