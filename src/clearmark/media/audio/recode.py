"""Re-encoding audio like its source: same container, codec, sample rate, channels, bit depth or bit rate, tags.

``source_codec`` reads what a file's first audio stream is (without decoding it) and
``encode_like`` writes new PCM the same way. A codec is one row of ``RECODERS`` (decoder name ->
encoder); a new one is one row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from clearmark.core.errors import UnsupportedFormat
from clearmark.media.audio.id3 import id3v2_tag_size
from clearmark.media.audio.limits import DEFAULT_AUDIO_LIMITS, AudioLimits
from clearmark.media.audio.pcm import AudioSource, _audio_stream, _info, _open_input

_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}
# Tags FFmpeg adds or derives itself; copying them would only stack its own notes.
# A label tag is never carried over by FFmpeg: the label is written by the container code, exactly once.
_DERIVED_TAGS = frozenset(
    {"encoder", "major_brand", "minor_version", "compatible_brands", "handler_name", "vendor_id", "aigc"}
)


@dataclass(frozen=True)
class Recoder:
    """How a decoded codec is written again: the encoder, its sample format, whether a bit rate applies."""

    encoder: str
    sample_format: str
    lossy: bool
    options: tuple[tuple[str, str], ...] = ()


# FFmpeg decoder name -> how to encode it again. PCM keeps its sample format (bit depth); FLAC's bit
# depth is set per file (16 or 24 bits in s16/s32); lossy codecs keep the source's bit rate.
RECODERS: dict[str, Recoder] = {
    "pcm_u8": Recoder("pcm_u8", "u8", lossy=False),
    "pcm_s16le": Recoder("pcm_s16le", "s16", lossy=False),
    "pcm_s24le": Recoder("pcm_s24le", "s32", lossy=False),
    "pcm_s32le": Recoder("pcm_s32le", "s32", lossy=False),
    "pcm_f32le": Recoder("pcm_f32le", "flt", lossy=False),
    "pcm_f64le": Recoder("pcm_f64le", "dbl", lossy=False),
    "flac": Recoder("flac", "s16", lossy=False),
    "mp3": Recoder("libmp3lame", "fltp", lossy=True),
    "mp3float": Recoder("libmp3lame", "fltp", lossy=True),
    "opus": Recoder("libopus", "flt", lossy=True),
    "libopus": Recoder("libopus", "flt", lossy=True),
    # FFmpeg's own Vorbis encoder (libvorbis is not in PyAV's wheel) is marked experimental.
    "vorbis": Recoder("vorbis", "fltp", lossy=True, options=(("strict", "experimental"),)),
    "aac": Recoder("aac", "fltp", lossy=True),
    "alac": Recoder("alac", "s16p", lossy=False),
}
# FFmpeg demuxer name -> the muxer that writes the same container.
MUXERS: dict[str, str] = {"wav": "wav", "mp3": "mp3", "flac": "flac", "ogg": "ogg", "mov,mp4,m4a,3gp,3g2,mj2": "ipod"}


@dataclass(frozen=True)
class SourceCodec:
    """What a file's first audio stream is, as needed to write new PCM the same way.

    Attributes:
        muxer: FFmpeg muxer of the container.
        decoder: FFmpeg decoder name of the stream (the key of ``RECODERS``).
        sample_rate, channels: as declared.
        bits_per_sample: bit depth of lossless audio (0 for lossy codecs).
        bit_rate: bits per second of lossy audio (declared, or size / duration), 0 for lossless.
        tags: the container's and stream's tags (title, artist, …), FFmpeg's own notes left out.
        id3v2_version: 3 or 4 for an MP3 that carries an ID3v2 tag (0: none).
    """

    muxer: str
    decoder: str
    sample_rate: int
    channels: int
    bits_per_sample: int
    bit_rate: int
    tags: tuple[tuple[str, str], ...] = ()
    id3v2_version: int = 0

    @property
    def recoder(self) -> Recoder:
        return RECODERS[self.decoder]


def _flac_bits(head: bytes) -> int:
    """Bits per sample from a FLAC STREAMINFO block (after any ID3v2 tag), 16 when unreadable."""
    offset = id3v2_tag_size(head) or 0
    info = head[offset + 8 : offset + 8 + 34]
    if head[offset : offset + 4] != b"fLaC" or len(info) < 14:
        return 16
    return (((info[12] & 1) << 4) | (info[13] >> 4)) + 1


def _head(source: AudioSource, size: int = 1 << 16) -> bytes:
    if isinstance(source, bytes):
        return source[:size]
    with open(source, "rb") as handle:
        return handle.read(size)


def _payload_bit_rate(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream, limits: AudioLimits
) -> int:
    """The stream's mean bit rate from its packets' sizes and timestamps (Ogg declares none); 0 if unknown."""
    size, end, packets = 0, 0, 0
    for packet in container.demux(stream):
        if packet.size == 0 or packet.pts is None:
            continue
        packets += 1
        if packets > limits.max_duration_s * 1000:  # a packet is >= 2.5 ms of audio: this is no real stream
            break
        size += packet.size
        end = max(end, packet.pts + (packet.duration or 0))
    seconds = float(end * stream.time_base) if stream.time_base is not None else 0.0
    return int(size * 8 / seconds) if seconds > 0 else 0


def source_codec(source: AudioSource, limits: AudioLimits = DEFAULT_AUDIO_LIMITS) -> SourceCodec:
    """How ``source``'s first audio stream is coded (nothing is decoded).

    Raises:
        InvalidMedia: not a readable audio file, or no audio stream.
        MediaTooLarge: the file, channel count or sample rate exceeds ``limits``.
        UnsupportedFormat: a container or codec ClearMark cannot write again.
    """
    with _open_input(source, limits) as container:
        stream = _audio_stream(container, limits)
        info = _info(container, stream)
        tags = {**dict(container.metadata), **dict(stream.metadata)}
        lossy = info.codec in RECODERS and RECODERS[info.codec].lossy
        bit_rate = _payload_bit_rate(container, stream, limits) if lossy and info.bit_rate <= 0 else info.bit_rate
    muxer = MUXERS.get(info.container)
    if muxer is None or info.codec not in RECODERS:
        raise UnsupportedFormat(f"cannot write {info.codec} audio in a {info.container} container again")
    head = _head(source)
    recoder = RECODERS[info.codec]
    bits = 0
    if not recoder.lossy:
        bits = (
            _flac_bits(head)
            if info.codec == "flac"
            else {"u8": 8, "s16": 16, "s16p": 16, "flt": 32, "dbl": 64}.get(
                recoder.sample_format, 24 if info.codec == "pcm_s24le" else 32
            )
        )
    if recoder.lossy:
        bit_rate = max(8_000, int(round(bit_rate / 1000.0)) * 1000) if bit_rate > 0 else 128_000
    else:
        bit_rate = 0
    version = 0
    if muxer == "mp3" and id3v2_tag_size(head) is not None:
        version = 3 if head[3] == 3 else 4
    kept = tuple((key, value) for key, value in sorted(tags.items()) if key.lower() not in _DERIVED_TAGS)
    return SourceCodec(muxer, info.codec, info.sample_rate, info.channels, bits, bit_rate, kept, version)


def encode_like(samples: np.ndarray, codec: SourceCodec, output: str | Path) -> None:
    """Write float32 PCM (frames, channels) at ``codec.sample_rate`` to ``output`` the way ``codec`` says.

    Samples are clipped to [-1, 1] before integer formats; FLAC keeps 16 or 24 bits.

    Raises:
        UnsupportedFormat: a channel count without a standard layout.
    """
    recoder = codec.recoder
    pcm = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    if pcm.ndim == 1:
        pcm = pcm[:, None]
    layout = _LAYOUTS.get(pcm.shape[1])
    if layout is None:
        raise UnsupportedFormat(f"cannot encode {pcm.shape[1]} channels")
    options = dict(recoder.options)
    sample_format = recoder.sample_format
    if codec.decoder == "flac" and codec.bits_per_sample > 16:
        sample_format, options["bits_per_raw_sample"] = "s32", str(min(24, codec.bits_per_sample))
    container_options = {"id3v2_version": str(codec.id3v2_version)} if codec.id3v2_version else {}
    with av.open(str(output), mode="w", format=codec.muxer, options=container_options) as container:
        stream = container.add_stream(recoder.encoder, rate=codec.sample_rate, layout=layout, options=options)
        stream.codec_context.format = sample_format
        if recoder.lossy:
            stream.bit_rate = codec.bit_rate
        for key, value in codec.tags:
            container.metadata[key] = value
        resampler = av.AudioResampler(format=sample_format, layout=layout, rate=codec.sample_rate)
        step = 1 << 16
        for start in range(0, pcm.shape[0], step):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(pcm[start : start + step].T), format="fltp", layout=layout
            )
            frame.sample_rate = codec.sample_rate
            frame.pts = start
            for converted in resampler.resample(frame):
                for packet in stream.encode(converted):
                    container.mux(packet)
        for converted in resampler.resample(None):
            for packet in stream.encode(converted):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
