"""Attacks on audio for the watermark and rhythm benches: codecs through PyAV, resampling, noise, trims, level."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from clearmark.media.audio.pcm import decode_audio, encode_audio, resample

Audio = tuple[np.ndarray, int]  # (float32 (frames, channels), sample rate)


def codec_roundtrip(samples: np.ndarray, sr: int, fmt: str, bit_rate: int = 128_000) -> Audio:
    """Encode with ``fmt`` (``mp3``, ``aac``, ``opus``…) at ``bit_rate`` and decode again."""
    data = encode_audio(samples, sr, fmt, bit_rate=bit_rate)
    assert data is not None
    decoded = decode_audio(data)
    return decoded.samples, decoded.sample_rate


def add_noise(samples: np.ndarray, sr: int, snr_db: float, seed: int = 7) -> Audio:
    """White noise at ``snr_db`` below the signal's RMS."""
    rng = np.random.default_rng(seed)
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    noise = rng.standard_normal(samples.shape) * rms * 10.0 ** (-snr_db / 20.0)
    return (samples + noise).astype(np.float32), sr


def trim(samples: np.ndarray, sr: int, fraction: float, at_start: bool) -> Audio:
    """Cut ``fraction`` of the duration at the start or the end (speed and pitch unchanged)."""
    cut = int(round(samples.shape[0] * fraction))
    return (samples[cut:] if at_start else samples[: samples.shape[0] - cut]).copy(), sr


ATTACKS: dict[str, Callable[[np.ndarray, int], Audio]] = {
    "none": lambda x, sr: (x, sr),
    "mp3_128k": lambda x, sr: codec_roundtrip(x, sr, "mp3", 128_000),
    "aac_128k": lambda x, sr: codec_roundtrip(x, sr, "aac", 128_000),
    "opus_64k": lambda x, sr: codec_roundtrip(x, sr, "opus", 64_000),
    "resample_16k": lambda x, sr: (resample(x, sr, 16000), 16000),
    "noise_20db": lambda x, sr: add_noise(x, sr, 20.0),
    "trim_start_10pct": lambda x, sr: trim(x, sr, 0.10, at_start=True),
    "trim_end_10pct": lambda x, sr: trim(x, sr, 0.10, at_start=False),
    "gain_-12db": lambda x, sr: (x * np.float32(10 ** (-12 / 20)), sr),
    "mp3_128k+trim_start": lambda x, sr: trim(*codec_roundtrip(x, sr, "mp3", 128_000), 0.10, at_start=True),
}
