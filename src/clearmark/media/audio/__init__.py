"""Audio media: PCM decode/encode through PyAV under limits, and GB 45438 labels in WAV, MP3, FLAC, Ogg, Opus."""

from clearmark.media.audio.entries import AudioLabelEntry, distinct_labels
from clearmark.media.audio.limits import DEFAULT_AUDIO_LIMITS, AudioLimits
from clearmark.media.audio.pcm import (
    ENCODERS,
    AudioInfo,
    DecodedAudio,
    decode_audio,
    encode_audio,
    iter_pcm,
    probe_audio,
    resample,
    to_mono,
)
from clearmark.media.audio.tags import TAG_CODECS, read_audio_labels, sniff_audio_container, write_audio_label

__all__ = [
    "DEFAULT_AUDIO_LIMITS",
    "ENCODERS",
    "TAG_CODECS",
    "AudioInfo",
    "AudioLabelEntry",
    "AudioLimits",
    "DecodedAudio",
    "decode_audio",
    "distinct_labels",
    "encode_audio",
    "iter_pcm",
    "probe_audio",
    "read_audio_labels",
    "resample",
    "sniff_audio_container",
    "to_mono",
    "write_audio_label",
]
