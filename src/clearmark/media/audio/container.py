"""The audio containers behind the format registry's ``Container`` protocol: labels in, labels out.

A format module registers ``AudioLabelContainer(<TAG_CODECS names>)`` as its ``container``; reading
streams from the ``Source`` (bounded by the limits, never the whole file in memory), writing returns
new bytes with exactly one label in the container's standard carrier.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import BinaryIO

from clearmark.core.errors import InvalidRequest, LabelConflict, UnsupportedFormat
from clearmark.core.signals import Location
from clearmark.media.audio.entries import distinct_labels
from clearmark.media.audio.limits import AudioLimits
from clearmark.media.audio.tags import TAG_CODECS, AudioTagCodec, sniff_audio_container, write_audio_label
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
        bare, _ = label_forms(label_json)
        if extra_properties:
            raise InvalidRequest("audio containers carry no extra metadata properties", reason="NO_XMP_IN_AUDIO")
        existing = self.read_metadata(Source.of(data), limits=limits).label_carriers
        standard = {carrier.raw_text for carrier in existing if carrier.standard}
        if len(standard) > 1:
            raise LabelConflict(
                f"the file already holds {len(standard)} different {self.carrier} labels", reason="DUPLICATE_LABEL"
            )
        if target is not None and target.raw_text not in {carrier.raw_text for carrier in existing}:
            raise InvalidRequest("the target label carrier no longer matches the content", reason="STALE_TARGET")
        codec = self._codec(io.BytesIO(data))
        written = write_audio_label(data, bare, container=codec.name, limits=audio_limits(limits, streamed=False))
        assert written is not None
        return written
