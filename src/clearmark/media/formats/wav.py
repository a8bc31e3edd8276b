"""WAV (RIFF/WAVE): the label is a top-level RIFF chunk ``AIGC`` (a ``LIST/INFO`` copy is read as compat)."""

from __future__ import annotations

from clearmark.core.enums import MediaKind
from clearmark.media.audio.container import AudioLabelContainer
from clearmark.media.format import C2paSupport, FormatSpec
from clearmark.media.registry import register_format

SPEC = register_format(
    FormatSpec(
        name="wav",
        kind=MediaKind.AUDIO,
        mime_types=("audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"),
        description="WAV audio",
        matches=lambda probe: probe.head[:4] == b"RIFF" and probe.head[8:12] == b"WAVE",
        container=AudioLabelContainer("wav"),
        label_carrier="riff:AIGC",
        c2pa=C2paSupport("riff:C2PA"),  # c2pa-python 0.38.1 signs and validates it (tests/media/audio)
        streamable=True,
    )
)
