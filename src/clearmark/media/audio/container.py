"""The audio containers behind the format registry's ``Container`` protocol: labels in, labels out.

A format module registers ``AudioLabelContainer(<TAG_CODECS names>)`` as its ``container``; reading
streams from the ``Source`` (bounded by the limits, never the whole file in memory), writing returns
new bytes with exactly one label in the container's standard carrier.

``write_label_to`` writes file to file where the label lives in a bounded region: a WAV's top-level
chunks (the ``data`` chunk copied in pieces), an MP3's ID3v2 tag at the head (and an ID3v1 tag in
the last 128 bytes), a FLAC's metadata blocks; the output is byte-identical to ``write_label``'s.
Ogg Vorbis and Opus are written whole in memory (within ``max_bytes``): a longer comment packet
moves the following pages, whose sequence numbers and CRCs mutagen rewrites across the file.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

from clearmark.core.errors import InvalidMedia, InvalidRequest, LabelConflict, UnsupportedFormat
from clearmark.core.signals import Location
from clearmark.media.audio.entries import distinct_labels
from clearmark.media.audio.id3 import ID3V1_WINDOW, id3v2_tag_size, write_mp3_head_label
from clearmark.media.audio.limits import AudioLimits
from clearmark.media.audio.riff import copy_wav_with_label
from clearmark.media.audio.tags import TAG_CODECS, AudioTagCodec, sniff_audio_container, write_audio_label
from clearmark.media.audio.vorbis import write_flac_head_label
from clearmark.media.copying import atomic_output
from clearmark.media.format import NO_PROPERTIES
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits
from clearmark.media.metadata import LabelCarrier, Metadata, label_forms
from clearmark.media.source import Source


def audio_limits(limits: MediaLimits, *, streamed: bool = True) -> AudioLimits:
    """The audio limits that follow from a request's media limits."""
    return AudioLimits(
        max_bytes=limits.max_stream_bytes if streamed else limits.max_bytes,
        max_tag_bytes=limits.max_metadata_bytes,
        max_chunks=limits.max_chunks,
    )


def _write_wav_chunks(src: BinaryIO, dst: BinaryIO, text: str, limits: AudioLimits, size: int) -> None:
    copy_wav_with_label(src, dst, text, limits)  # already chunk by chunk: only label chunks are read whole


# Containers whose label sits in a bounded region, by TAG_CODECS name: (src, dst, text, limits, size).
HeadWriter = Callable[[BinaryIO, BinaryIO, str, AudioLimits, int], None]
STREAMING_WRITERS: dict[str, HeadWriter] = {
    "wav": _write_wav_chunks,
    "mp3": write_mp3_head_label,
    "flac": write_flac_head_label,
}


def _fits_in_pieces(codec: str, stream: BinaryIO, size: int) -> bool:
    """True when ``codec``'s streaming writer applies (an MP3 must be longer than its tags)."""
    if codec not in STREAMING_WRITERS:
        return False
    if codec == "mp3":
        stream.seek(0)
        return size - (id3v2_tag_size(stream.read(10)) or 0) >= ID3V1_WINDOW
    return True


def _write_whole(source: Source, output: Path, bare: str, codec: str, limits: MediaLimits) -> None:
    """``write_label``'s in-memory write, within ``max_bytes``, renamed onto ``output``."""
    whole = source.read_bytes(limits.max_bytes)
    written = write_audio_label(whole, bare, container=codec, limits=audio_limits(limits, streamed=False))
    assert written is not None
    with atomic_output(output) as (out, _):
        out.write(written)


class AudioLabelContainer:
    """GB 45438 labels of audio containers, as the registry's ``Container``.

    ``codecs`` names the ``TAG_CODECS`` this container may hold; with more than one (Ogg: Vorbis or
    Opus), each file's own header decides.
    """

    def __init__(self, *codecs: str) -> None:
        self.codecs = tuple(TAG_CODECS[name] for name in codecs)
        self.carrier = self.codecs[0].carrier

    def _codec(self, stream: BinaryIO) -> AudioTagCodec:
        if len(self.codecs) == 1:
            return self.codecs[0]
        name = sniff_audio_container(stream)
        for codec in self.codecs:
            if codec.name == name:
                return codec
        raise UnsupportedFormat(f"this stream holds none of {[codec.name for codec in self.codecs]}")

    def read_metadata(self, source: Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> Metadata:
        """Every label carrier, in file order; a ``LIST/INFO`` copy or a WAV's ID3 frame is a compat carrier.

        A ``LIST/INFO`` copy with the same text as the standard chunk is the same label (other writers
        add it for players that show only INFO): it is not reported as a second carrier.

        Raises:
            InvalidMedia: the container or its tags are malformed or truncated.
            MediaTooLarge: a size or count limit was exceeded.
        """
        with source.open() as stream:
            entries = distinct_labels(self._codec(stream).read(stream, audio_limits(limits)))
        carriers = tuple(
            LabelCarrier(
                entry.carrier,
                Location(carrier=entry.carrier, byte_offset=entry.offset),
                entry.text,
                entry.parsed,
                standard=not (entry.is_mirror or entry.carrier.startswith("riff/id3/")),
            )
            for entry in entries
        )
        return Metadata(label_carriers=carriers)

    def write_label(
        self,
        data: bytes,
        label_json: str,
        *,
        extra_properties: Mapping[tuple[str, str], str] = NO_PROPERTIES,
        target: LabelCarrier | None = None,
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> bytes:
        """The content with ``label_json`` (bare form) as its one standard label; every other tag kept.

        ``target`` may name the existing standard carrier (it is replaced in place); a ``LIST/INFO``
        copy is kept in step.

        Raises:
            InvalidRequest: ``label_json`` is not a label, or ``extra_properties`` were given (audio
                containers carry no XMP).
            LabelConflict: the content holds two or more different standard labels.
            InvalidMedia: the container is malformed.
        """
        bare = self._checked(Source.of(data), label_json, extra_properties, target, limits)
        codec = self._codec(io.BytesIO(data))
        written = write_audio_label(data, bare, container=codec.name, limits=audio_limits(limits, streamed=False))
        assert written is not None
        return written

    def write_label_to(
        self,
        source: Source,
        output: Path,
        label_json: str,
        *,
        extra_properties: Mapping[tuple[str, str], str] = NO_PROPERTIES,
        target: LabelCarrier | None = None,
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> None:
        """Write what ``write_label`` returns to ``output`` (atomically), in pieces for WAV and MP3.

        WAV, MP3 and FLAC hold only their tags in memory, within ``max_stream_bytes``; Ogg (and an
        MP3 shorter than its tags) are written whole, within ``max_bytes``. The label is read back
        from the output before it is renamed into place.

        A head the piecewise writer refuses (a FLAC block whose declared size is not its content's)
        is written whole when the file is within ``max_bytes``, so both writers take the same files there.

        Raises: as ``write_label``; MediaTooLarge past the limit that applies. ``output`` is untouched on any error.
        """
        bare = self._checked(source, label_json, extra_properties, target, limits)
        streamed = audio_limits(limits)
        with source.open() as stream:
            codec = self._codec(stream)
            if _fits_in_pieces(codec.name, stream, source.size):
                try:
                    with atomic_output(output) as (out, temp):
                        STREAMING_WRITERS[codec.name](stream, out, bare, streamed, source.size)
                        out.close()
                        with open(temp, "rb") as back:
                            entries = codec.read(back, streamed)
                        if not entries or any(entry.text != bare for entry in entries):
                            raise InvalidMedia(f"the {codec.carrier} label did not read back as written")
                    return
                except InvalidMedia:
                    # A head the piecewise writer cannot take as declared (a FLAC block size that lies):
                    # the whole-file writer is the judge, within max_bytes.
                    if source.size > limits.max_bytes:
                        raise
        _write_whole(source, output, bare, codec.name, limits)

    def _checked(
        self,
        source: Source,
        label_json: str,
        extra_properties: Mapping[tuple[str, str], str],
        target: LabelCarrier | None,
        limits: MediaLimits,
    ) -> str:
        """The bare label, after refusing extra properties, a second standard label or a stale target."""
        bare, _ = label_forms(label_json)
        if extra_properties:
            raise InvalidRequest("audio containers carry no extra metadata properties", reason="NO_XMP_IN_AUDIO")
        existing = self.read_metadata(source, limits=limits).label_carriers
        standard = {carrier.raw_text for carrier in existing if carrier.standard}
        if len(standard) > 1:
            raise LabelConflict(
                f"the file already holds {len(standard)} different {self.carrier} labels", reason="DUPLICATE_LABEL"
            )
        if target is not None and target.raw_text not in {carrier.raw_text for carrier in existing}:
            raise InvalidRequest("the target label carrier no longer matches the content", reason="STALE_TARGET")
        return bare
