"""Small real audio files of every container, encoded by FFmpeg through PyAV."""

from __future__ import annotations

import numpy as np
import pytest

from clearmark.core.aigc import AigcLabel
from clearmark.media.audio import encode_audio

PRODUCER = "001191440300708461136T1XGW3"
PLATFORM = "001191440300708461136T2PLAT"
LABEL = AigcLabel("1", PRODUCER, "CM-AUDIO-1", "", PRODUCER, "CM-AUDIO-1", "")
RATE = 44100


def tone(seconds: float = 1.0, rate: int = RATE, channels: int = 2) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.3 * np.sin(2 * np.pi * 440 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t))
    return np.repeat(mono[:, None], channels, axis=1).astype(np.float32)


@pytest.fixture(scope="session")
def audio_files() -> dict[str, bytes]:
    """One short file per labelled container (with a title tag to be kept), keyed by TAG_CODECS name."""
    pcm = tone()
    meta = {"title": "ClearMark test tone", "artist": "ClearMark"}
    files = {
        "wav": encode_audio(pcm, RATE, "wav", metadata=meta),
        "mp3": encode_audio(pcm, RATE, "mp3", metadata=meta),
        "flac": encode_audio(pcm, RATE, "flac", metadata=meta),
        "opus": encode_audio(pcm, RATE, "opus", metadata=meta),
    }
    return {name: data for name, data in files.items() if data is not None}
