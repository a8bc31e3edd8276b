"""The audio watermark: payload round trip, the attacks of the issue, no false reading, PCM shape kept."""

from __future__ import annotations

import numpy as np
import pytest
from bench.audio.attacks import ATTACKS
from bench.audio.signals import music_like, speech_like

from clearmark.core.errors import UnsupportedFormat
from clearmark.watermark.audio import MIN_DETECT_S, decode_audio_watermark, embed_audio_watermark
from clearmark.watermark.payload import payload_for_produce_id

KEY = b"test-audio-watermark-key-0123456"
PAYLOAD = payload_for_produce_id("CM-AUDIO-TEST-1")
RATE = 22050


@pytest.fixture(scope="module")
def host() -> np.ndarray:
    left = speech_like(3, 30.0, RATE)
    right = 0.8 * left + 0.2 * music_like(5, 30.0, RATE)
    return np.stack([left, right], axis=1)


@pytest.fixture(scope="module")
def marked(host: np.ndarray) -> np.ndarray:
    return embed_audio_watermark(host, RATE, PAYLOAD, KEY)


def test_marking_keeps_shape_rate_and_range_and_stays_below_the_host(host: np.ndarray, marked: np.ndarray) -> None:
    assert marked.shape == host.shape and marked.dtype == np.float32
    assert np.max(np.abs(marked)) <= 1.0
    difference = (marked - host).astype(np.float64)
    snr_db = 10 * np.log10(np.sum(host.astype(np.float64) ** 2) / np.sum(difference**2))
    assert snr_db > 12.0


@pytest.mark.parametrize("attack", ["none", "mp3_128k+trim_start", "resample_16k", "noise_20db", "trim_end_10pct"])
def test_payload_survives(marked: np.ndarray, attack: str) -> None:
    attacked, rate = ATTACKS[attack](marked, RATE)
    reading = decode_audio_watermark(attacked, rate, KEY)
    assert reading is not None, attack
    assert reading.payload == PAYLOAD
    assert reading.bit_errors <= 18 and reading.sync_z >= 5.0


def test_unmarked_audio_and_a_wrong_key_read_nothing(host: np.ndarray, marked: np.ndarray) -> None:
    assert decode_audio_watermark(host, RATE, KEY) is None
    assert decode_audio_watermark(marked, RATE, b"another-deployment-key") is None


def test_audio_shorter_than_one_repetition_reads_nothing(marked: np.ndarray) -> None:
    short = marked[: int((MIN_DETECT_S - 1.0) * RATE)]
    assert decode_audio_watermark(short, RATE, KEY) is None


def test_mono_input_stays_mono_and_low_rates_are_refused() -> None:
    mono = speech_like(9, 6.0, 16000)
    assert embed_audio_watermark(mono, 16000, PAYLOAD, KEY, iterations=0).shape == mono.shape
    with pytest.raises(UnsupportedFormat):
        embed_audio_watermark(mono[::2], 8000, PAYLOAD, KEY)
    with pytest.raises(ValueError):
        embed_audio_watermark(mono, 16000, b"short", KEY)


@pytest.mark.parametrize("frames", [44101, 661504])  # lengths whose round trip through 16 kHz loses a sample
def test_any_length_keeps_its_shape(frames: int) -> None:
    host = np.repeat(music_like(3, frames / 44100 + 0.1, 44100)[:frames, None], 2, axis=1)
    assert embed_audio_watermark(host, 44100, PAYLOAD, KEY, iterations=0).shape == (frames, 2)
