"""Audio PCM through PyAV: probe, decode (whole or streamed in chunks) and encode, under limits."""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from clearmark.core.errors import InvalidMedia, MediaTooLarge, UnsupportedFormat
from clearmark.media.audio.limits import DEFAULT_AUDIO_LIMITS, AudioLimits
from clearmark.media.limits import enforce_limit

AudioSource = bytes | str | Path


@dataclass(frozen=True)
class AudioInfo:
    """What an audio file's first audio stream declares, read without decoding samples.

    Attributes:
        container: FFmpeg's name of the demuxer (``wav``, ``mp3``, ``flac``, ``ogg``, ``mov,mp4,…``).
        codec: FFmpeg's name of the audio codec.
        sample_rate: samples per second per channel.
        channels: channel count.
        duration_s: the declared duration, seconds (0.0 when the container does not say).
        bit_rate: the declared bit rate of the stream, bits per second (0 when unknown).
    """

    container: str
    codec: str
    sample_rate: int
    channels: int
    duration_s: float
    bit_rate: int


@dataclass(frozen=True)
class DecodedAudio:
    """Decoded PCM: ``samples`` is float32 of shape (frames, channels), nominally in [-1, 1]."""

    samples: np.ndarray
    sample_rate: int
    info: AudioInfo

    @property
    def duration_s(self) -> float:
        return self.samples.shape[0] / self.sample_rate


@dataclass(frozen=True)
class EncoderSpec:
    """How one output format is written: FFmpeg muxer, codec, and whether a bit rate applies."""

    muxer: str
    codec: str
    lossy: bool
    sample_rates: tuple[int, ...] = ()  # the rates the codec accepts; empty: any


# Output formats by name; a new output format is one line here.
ENCODERS: dict[str, EncoderSpec] = {
    "wav": EncoderSpec("wav", "pcm_s16le", lossy=False),
    "wav_f32": EncoderSpec("wav", "pcm_f32le", lossy=False),
    "flac": EncoderSpec("flac", "flac", lossy=False),
    "mp3": EncoderSpec("mp3", "libmp3lame", lossy=True),
    "aac": EncoderSpec("adts", "aac", lossy=True),
    "m4a": EncoderSpec("ipod", "aac", lossy=True),
    "opus": EncoderSpec("ogg", "libopus", lossy=True, sample_rates=(8000, 12000, 16000, 24000, 48000)),
}

_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


def _source_size(source: AudioSource) -> int:
    if isinstance(source, bytes):
        return len(source)
    try:
        return os.stat(source).st_size
    except OSError as exc:
        raise InvalidMedia(f"cannot read the audio file: {exc.strerror}") from exc


@contextmanager
def _open_input(source: AudioSource, limits: AudioLimits) -> Iterator[av.container.InputContainer]:
    enforce_limit("max_bytes", _source_size(source), limits.max_bytes, what="audio file size")
    target = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    try:
        container = av.open(target, mode="r", options={"probesize": str(limits.max_probe_bytes)})
    except (av.error.FFmpegError, ValueError, UnicodeDecodeError) as exc:
        raise InvalidMedia(f"not a readable audio file: {exc}") from exc
    try:
        yield container
    finally:
        container.close()


def _audio_stream(container: av.container.InputContainer, limits: AudioLimits) -> av.audio.stream.AudioStream:
    if not container.streams.audio:
        raise InvalidMedia("the file has no audio stream")
    stream = container.streams.audio[0]
    context = stream.codec_context
    if context.sample_rate <= 0 or context.channels <= 0:
        raise InvalidMedia("the audio stream declares no sample rate or channel count")
    enforce_limit("max_channels", context.channels, limits.max_channels, what="audio channel count")
    enforce_limit("max_sample_rate", context.sample_rate, limits.max_sample_rate, what="audio sample rate")
    return stream


def _info(container: av.container.InputContainer, stream: av.audio.stream.AudioStream) -> AudioInfo:
    duration = 0.0
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / av.time_base
    context = stream.codec_context
    return AudioInfo(
        container=container.format.name,
        codec=context.name,
        sample_rate=context.sample_rate,
        channels=context.channels,
        duration_s=max(0.0, duration),
        bit_rate=int(stream.bit_rate or context.bit_rate or 0),
    )


def probe_audio(source: AudioSource, limits: AudioLimits = DEFAULT_AUDIO_LIMITS) -> AudioInfo:
    """The first audio stream's declared parameters.

    Raises:
        InvalidMedia: not a readable audio file, or no audio stream.
        MediaTooLarge: the file, channel count or sample rate exceeds ``limits``.
    """
    with _open_input(source, limits) as container:
        info = _info(container, _audio_stream(container, limits))
    enforce_limit("max_duration_s", math.ceil(info.duration_s), limits.max_duration_s, what="declared duration (s)")
    return info


def iter_pcm(
    source: AudioSource, limits: AudioLimits = DEFAULT_AUDIO_LIMITS, *, chunk_frames: int = 65536
) -> Iterator[tuple[AudioInfo, np.ndarray]]:
    """Decode the first audio stream in chunks of about ``chunk_frames`` frames, as float32 (frames, channels).

    The file is read and decoded as it goes; only one chunk of PCM is held at a time. The decoded
    duration is counted against ``limits.max_duration_s`` while decoding (a header that lies
    about its duration does not help).

    Raises:
        InvalidMedia: unreadable, corrupt beyond recovery, or no audio stream.
        MediaTooLarge: a limit of ``limits`` is exceeded.
    """
    with _open_input(source, limits) as container:
        stream = _audio_stream(container, limits)
        info = _info(container, stream)
        enforce_limit("max_duration_s", math.ceil(info.duration_s), limits.max_duration_s, what="declared duration (s)")
        layout = _LAYOUTS.get(info.channels, stream.codec_context.layout.name)
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=info.sample_rate)
        max_frames = int(limits.max_duration_s * info.sample_rate)
        pending: list[np.ndarray] = []
        pending_frames = 0
        total = 0
        try:
            for frame in container.decode(stream):
                for converted in resampler.resample(frame):
                    block = converted.to_ndarray().T
                    total += block.shape[0]
                    if total > max_frames:
                        raise MediaTooLarge(
                            f"decoded audio exceeds max_duration_s={limits.max_duration_s}", reason="MEDIA_TOO_LARGE"
                        )
                    pending.append(block)
                    pending_frames += block.shape[0]
                    if pending_frames >= chunk_frames:
                        yield info, np.ascontiguousarray(np.concatenate(pending), dtype=np.float32)
                        pending, pending_frames = [], 0
            for converted in resampler.resample(None):
                pending.append(converted.to_ndarray().T)
        except av.error.FFmpegError as exc:
            raise InvalidMedia(f"the audio stream does not decode: {exc}") from exc
        if pending:
            yield info, np.ascontiguousarray(np.concatenate(pending), dtype=np.float32)
        elif total == 0:
            raise InvalidMedia("the audio stream holds no decodable samples")


def decode_audio(source: AudioSource, limits: AudioLimits = DEFAULT_AUDIO_LIMITS) -> DecodedAudio:
    """Decode the whole first audio stream to float32 PCM (see ``iter_pcm`` for limits and errors)."""
    infos: list[AudioInfo] = []
    blocks: list[np.ndarray] = []
    for info, block in iter_pcm(source, limits):
        infos.append(info)
        blocks.append(block)
    return DecodedAudio(samples=np.concatenate(blocks), sample_rate=infos[0].sample_rate, info=infos[0])


def encode_audio(
    samples: np.ndarray,
    sample_rate: int,
    fmt: str,
    *,
    bit_rate: int = 128_000,
    output: str | Path | None = None,
    metadata: dict[str, str] | None = None,
) -> bytes | None:
    """Encode float32 PCM (frames, channels) to ``fmt`` (a key of ``ENCODERS``).

    Returns the file's bytes, or None when written to ``output``. Codecs with a fixed set of
    sample rates (Opus) get the PCM resampled to the nearest rate they accept.

    Raises:
        UnsupportedFormat: ``fmt`` is not a known output format.
    """
    spec = ENCODERS.get(fmt)
    if spec is None:
        raise UnsupportedFormat(f"no audio encoder for {fmt!r}; known: {sorted(ENCODERS)}")
    pcm = np.asarray(samples, dtype=np.float32)
    if pcm.ndim == 1:
        pcm = pcm[:, None]
    if spec.sample_rates and sample_rate not in spec.sample_rates:
        target = min(spec.sample_rates, key=lambda rate: (rate < sample_rate, abs(rate - sample_rate)))
        pcm, sample_rate = resample(pcm, sample_rate, target), target
    channels = pcm.shape[1]
    layout = _LAYOUTS.get(channels)
    if layout is None:
        raise UnsupportedFormat(f"cannot encode {channels} channels")
    target: io.BytesIO | str = io.BytesIO() if output is None else str(output)
    with av.open(target, mode="w", format=spec.muxer) as container:
        stream = container.add_stream(spec.codec, rate=sample_rate, layout=layout)
        if spec.lossy:
            stream.bit_rate = bit_rate
        for key, value in (metadata or {}).items():
            container.metadata[key] = value
        step = 1 << 16
        for start in range(0, pcm.shape[0], step):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(pcm[start : start + step].T), format="fltp", layout=layout
            )
            frame.sample_rate = sample_rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return target.getvalue() if isinstance(target, io.BytesIO) else None


def _fast_multiple(minimum: int, factor: int) -> int:
    """The smallest multiple of ``factor`` >= ``minimum`` whose cofactor is 5-smooth (fast FFT sizes)."""
    count = max(1, -(-minimum // factor))
    while True:
        rest = count
        for prime in (2, 3, 5):
            while rest % prime == 0:
                rest //= prime
        if rest == 1:
            return count * factor
        count += 1


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Band-limited resampling by FFT (zero-padded ends, exact rational length), float32 out.

    ``samples`` is (frames,) or (frames, channels); the output keeps that shape with
    ``round(frames * to_rate / from_rate)`` frames, time-aligned with the input.
    """
    data = np.asarray(samples, dtype=np.float32)
    if from_rate == to_rate:
        return data.copy()
    gcd = math.gcd(from_rate, to_rate)
    up, down = to_rate // gcd, from_rate // gcd
    frames = data.shape[0]
    out_frames = int(round(frames * to_rate / from_rate))
    pad = max(64, int(0.01 * from_rate))
    length = _fast_multiple(frames + 2 * pad, down)
    padded = np.zeros((length,) + data.shape[1:], dtype=np.float32)
    padded[pad : pad + frames] = data
    spectrum = np.fft.rfft(padded, axis=0)
    out_length = length // down * up
    kept = min(spectrum.shape[0], out_length // 2 + 1)
    resized = np.zeros((out_length // 2 + 1,) + data.shape[1:], dtype=spectrum.dtype)
    resized[:kept] = spectrum[:kept]
    if out_length < length and out_length % 2 == 0:
        resized[-1] *= 0.5  # the new Nyquist bin is shared by both halves of the spectrum
    out = np.fft.irfft(resized, n=out_length, axis=0) * (out_length / length)
    start = int(round(pad * to_rate / from_rate))
    return np.ascontiguousarray(out[start : start + out_frames], dtype=np.float32)


def to_mono(samples: np.ndarray) -> np.ndarray:
    """The channel mean of (frames, channels) PCM; 1-D input is returned as float32."""
    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 1:
        return data
    return data @ np.full(data.shape[1], 1.0 / data.shape[1], dtype=np.float32)  # much faster than mean(axis=1)
