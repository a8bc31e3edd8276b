"""PCM through PyAV: round trips per format, streaming from a path, limits, resampling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.media.audio.conftest import RATE, tone

from clearmark.core.errors import InvalidMedia, MediaTooLarge, UnsupportedFormat
from clearmark.media.audio import AudioLimits, decode_audio, encode_audio, iter_pcm, probe_audio, resample, to_mono


@pytest.mark.parametrize(
    ("fmt", "codec", "lossless"),
    [("wav", "pcm_s16le", True), ("flac", "flac", True), ("mp3", "mp3float", False), ("aac", "aac", False),
     ("m4a", "aac", False), ("opus", "opus", False)],
)
def test_encode_decode_round_trip(fmt: str, codec: str, lossless: bool) -> None:
    pcm = tone(1.0)
    data = encode_audio(pcm, RATE, fmt)
    assert data is not None
    decoded = decode_audio(data)
    assert decoded.info.codec == codec and decoded.info.channels == 2
    assert decoded.samples.dtype == np.float32 and decoded.samples.shape[1] == 2
    if lossless:
        assert decoded.sample_rate == RATE and decoded.samples.shape == pcm.shape
        assert np.max(np.abs(decoded.samples - pcm)) < 1e-4
    else:
        assert abs(decoded.duration_s - 1.0) < 0.1


def test_decoding_a_path_streams_in_bounded_chunks(tmp_path: Path) -> None:
    path = tmp_path / "long.flac"
    encode_audio(tone(20.0, channels=1), RATE, "flac", output=path)
    sizes = [block.shape[0] for _, block in iter_pcm(path, chunk_frames=8192)]
    assert sum(sizes) == 20 * RATE
    assert max(sizes) < 8192 + 4 * 4608  # one chunk plus at most a few codec frames
    info = probe_audio(path)
    assert (info.container, info.channels, info.sample_rate) == ("flac", 1, RATE)
    assert info.duration_s == pytest.approx(20.0, abs=0.01)


@pytest.mark.parametrize(
    ("limits", "what"),
    [
        (AudioLimits(max_duration_s=1), "max_duration_s"),
        (AudioLimits(max_channels=1), "max_channels"),
        (AudioLimits(max_sample_rate=22050), "max_sample_rate"),
        (AudioLimits(max_bytes=1000), "max_bytes"),
    ],
)
def test_limits_are_enforced(limits: AudioLimits, what: str) -> None:
    data = encode_audio(tone(2.0), RATE, "wav")
    assert data is not None
    with pytest.raises(MediaTooLarge, match=what):
        decode_audio(data, limits)


@pytest.mark.parametrize("junk", [b"", b"not audio at all" * 50, b"RIFF\x10\x00\x00\x00WAVEfmt "])
def test_garbage_is_invalid_media(junk: bytes) -> None:
    with pytest.raises(InvalidMedia):
        decode_audio(junk)


def test_truncated_mp3_decodes_what_is_there_or_fails_cleanly() -> None:
    data = encode_audio(tone(2.0), RATE, "mp3") or b""
    decoded = decode_audio(data[: len(data) // 2])
    assert 0.5 < decoded.duration_s < 1.5


def test_unknown_output_format_is_refused() -> None:
    with pytest.raises(UnsupportedFormat):
        encode_audio(tone(0.1), RATE, "wma")


def test_resample_keeps_frequency_length_and_alignment() -> None:
    rate_in, rate_out = 44100, 16000
    t = np.arange(rate_in) / rate_in
    signal = np.sin(2 * np.pi * 1234.0 * t).astype(np.float32)
    out = resample(signal, rate_in, rate_out)
    assert out.shape == (rate_out,)
    spectrum = np.abs(np.fft.rfft(out * np.hanning(out.size)))
    assert np.argmax(spectrum) * rate_out / out.size == pytest.approx(1234.0, abs=1.5)
    expected = np.sin(2 * np.pi * 1234.0 * np.arange(rate_out) / rate_out)
    middle = slice(1000, rate_out - 1000)
    assert np.max(np.abs(out[middle] - expected[middle])) < 0.01
    stereo = resample(np.stack([signal, -signal], axis=1), rate_in, 48000)
    assert stereo.shape == (48000, 2) and np.allclose(stereo[:, 0], -stereo[:, 1])
    assert to_mono(stereo).shape == (48000,)
