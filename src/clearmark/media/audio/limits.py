"""Size limits for untrusted audio: file bytes, duration, channels, sample rate, tag bytes."""

from __future__ import annotations

from dataclasses import dataclass

from clearmark.media.limits import MIB


@dataclass(frozen=True)
class AudioLimits:
    """Upper bounds on what one audio file may make ClearMark read or decode.

    Attributes:
        max_bytes: size of the whole file.
        max_duration_s: decoded duration (counted while decoding, not trusted from the header).
        max_channels: channel count of the audio stream.
        max_sample_rate: samples per second per channel.
        max_tag_bytes: bytes of one tag block (ID3v2 tag, RIFF metadata chunk, FLAC/Ogg comment packet).
        max_chunks: chunks, frames or metadata blocks walked in one container.
        max_probe_bytes: bytes FFmpeg may read to identify the stream.
    """

    max_bytes: int = 1024 * MIB
    max_duration_s: int = 4 * 3600
    max_channels: int = 16
    max_sample_rate: int = 384_000
    max_tag_bytes: int = 16 * MIB
    max_chunks: int = 10_000
    max_probe_bytes: int = 5 * MIB


DEFAULT_AUDIO_LIMITS = AudioLimits()
