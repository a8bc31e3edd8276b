"""Re-encoding like the source: container, codec, rate, channels, bit depth or bit rate, and tags kept."""

from __future__ import annotations

import io
from pathlib import Path

import av
import mutagen.flac
import mutagen.id3
import mutagen.mp3
import numpy as np
import pytest
from tests.media.audio.conftest import RATE, tone

from clearmark.core.errors import UnsupportedFormat
from clearmark.media.audio import decode_audio, encode_audio
from clearmark.media.audio.recode import RECODERS, encode_like, source_codec


def _pcm_wav(codec: str, pcm: np.ndarray) -> bytes:
    """A WAV in a given PCM sample format, with a title tag, written by FFmpeg."""
    buffer = io.BytesIO()
    sample_format = RECODERS[codec].sample_format
    with av.open(buffer, "w", format="wav") as container:
        container.metadata["title"] = "kept"
        stream = container.add_stream(codec, rate=RATE, layout="stereo")
        stream.codec_context.format = sample_format
        resampler = av.AudioResampler(format=sample_format, layout="stereo", rate=RATE)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(pcm.T), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = RATE, 0
        for converted in resampler.resample(frame):
            for packet in stream.encode(converted):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


@pytest.mark.parametrize(("codec", "bits"), [("pcm_u8", 8), ("pcm_s16le", 16), ("pcm_s24le", 24), ("pcm_f32le", 32)])
def test_wav_keeps_its_sample_format_and_tags(tmp_path: Path, codec: str, bits: int) -> None:
    source = _pcm_wav(codec, tone())
    described = source_codec(source)
    assert (described.decoder, described.bits_per_sample, described.tags) == (codec, bits, (("title", "kept"),))
    output = tmp_path / "out.wav"
    encode_like(decode_audio(source).samples, described, output)
    assert source_codec(output) == described


def test_mp3_keeps_its_bit_rate_and_id3_version(tmp_path: Path) -> None:
    source = encode_audio(tone(2.0), RATE, "mp3", bit_rate=96_000, metadata={"title": "kept"})
    assert source is not None
    v23 = io.BytesIO(source)
    mutagen.id3.ID3(io.BytesIO(source)).save(v23, v2_version=3)  # FFmpeg writes v2.4; another tool v2.3
    described = source_codec(v23.getvalue())
    assert (described.bit_rate, described.id3v2_version) == (96_000, 3)
    output = tmp_path / "out.mp3"
    encode_like(decode_audio(source).samples, described, output)
    assert round(mutagen.mp3.MP3(output).info.bitrate, -3) == 96_000
    assert mutagen.id3.ID3(output).version[:2] == (2, 3)
    assert str(mutagen.id3.ID3(output)["TIT2"]) == "kept"


def test_flac_and_opus_keep_rate_channels_and_tags(tmp_path: Path) -> None:
    for fmt, suffix in (("flac", "flac"), ("opus", "ogg")):
        source = encode_audio(tone(2.0, channels=1), RATE, fmt, metadata={"title": "kept"})
        assert source is not None
        described = source_codec(source)
        output = tmp_path / f"out.{suffix}"
        encode_like(decode_audio(source).samples, described, output)
        again = source_codec(output)
        assert (again.decoder, again.sample_rate, again.channels) == (described.decoder, described.sample_rate, 1)
        assert ("title", "kept") in again.tags
    assert mutagen.flac.FLAC(tmp_path / "out.flac").info.bits_per_sample == 16


def test_samples_beyond_full_scale_are_clipped_not_wrapped(tmp_path: Path) -> None:
    source = _pcm_wav("pcm_s16le", tone())
    loud = np.full((RATE, 2), 1.7, dtype=np.float32)
    encode_like(loud, source_codec(source), tmp_path / "loud.wav")
    decoded = decode_audio(tmp_path / "loud.wav").samples
    assert decoded.min() > 0.99


def test_a_codec_it_cannot_write_again_is_unsupported() -> None:
    adpcm = io.BytesIO()
    with av.open(adpcm, "w", format="wav") as container:
        stream = container.add_stream("adpcm_ms", rate=RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 4096), np.int16), format="s16", layout="mono")
        frame.sample_rate, frame.pts = RATE, 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    with pytest.raises(UnsupportedFormat, match="adpcm_ms"):
        source_codec(adpcm.getvalue())
