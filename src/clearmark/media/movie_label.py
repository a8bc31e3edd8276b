"""The MP4/MOV/M4A label container: reads every carrier, writes the one ``AIGC`` key by copying the file in chunks.

Writing never decodes media and never holds more than ``moov`` (plus one ``moof``/``mfra`` of a
fragmented file) in memory: the top-level boxes are copied range by range (``copy_file_range`` when
both sides are files, ``media.copying``), ``moov`` is replaced by its edited copy. Growth of ``moov`` is absorbed by a
``free`` box right after it when one is large enough; otherwise the media after ``moov`` moves and
its offsets are patched (``media.movie_edit``). A shrunk ``moov`` is padded with a ``free`` box.
The label is read back from the output before it is handed over (GB 45438 practice: FFmpeg drops
MP4 keys silently without ``use_metadata_tags``, so a write is only trusted once read).

Not written: XMP (``extra_properties`` raise ``InvalidRequest`` reason ``NO_XMP_IN_MOVIE``; the
C2PA manifest carries the provenance for MP4/MOV), compat carriers (``udta/AIGC``, XMP ``uuid``)
are read and reported, never rewritten. A C2PA manifest already in the file is copied as it is;
its hard binding no longer matches after any edit, so sign after writing the label.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import BinaryIO

from clearmark.core.errors import InvalidRequest
from clearmark.media.bmff import BoxCounter, make_box
from clearmark.media.copied_label import CopiedLabelContainer, check_single_label
from clearmark.media.copying import copy_range
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits
from clearmark.media.metadata import LabelCarrier, Metadata, label_forms
from clearmark.media.movie_boxes import Layout, read_box, read_manifest_store, read_movie_metadata
from clearmark.media.movie_edit import set_label_key, shift_fragment_offsets, shift_moov_offsets
from clearmark.media.source import Source

_PADDING = (b"free", b"skip")


class MovieContainer(CopiedLabelContainer):
    """GB 45438 labels of an ISO-BMFF movie (MP4, MOV, M4A), as the registry's ``Container``.

    Args:
        name: the format's name, the prefix of its carrier names (``mp4:udta/meta/keys/AIGC``).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.label_carrier = f"{name}:udta/meta/keys/AIGC"

    def read_metadata(self, source: Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> Metadata:
        """Every label carrier and XMP packet, in file order (see ``media.movie_boxes``).

        Raises:
            InvalidMedia: the box structure is broken.
            MediaTooLarge: ``moov``, the metadata or the box count exceed their limits.
        """
        with source.open() as stream:
            return read_movie_metadata(stream, source.size, self.name, limits)[2]

    def manifest_store(self, source: Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> bytes | None:
        """The C2PA manifest store embedded in the file, or None when there is not exactly one.

        Raises:
            InvalidMedia / MediaTooLarge: as ``movie_boxes.read_manifest_store``.
        """
        with source.open() as stream:
            return read_manifest_store(stream, source.size, limits)

    def _write(
        self,
        source: Source,
        out: BinaryIO,
        label_json: str,
        extra_properties: Mapping[tuple[str, str], str],
        target: LabelCarrier | None,
        limits: MediaLimits,
    ) -> str:
        """Copy with ``label_json`` as the one ``AIGC`` key; every other box kept.

        Raises:
            InvalidRequest: ``label_json`` is not a label, ``extra_properties`` were given
                (``NO_XMP_IN_MOVIE``), or ``target`` no longer matches (``STALE_TARGET``).
            LabelConflict: two different standard labels, or the label sits in a compat carrier only.
            InvalidMedia / MediaTooLarge: the structure is broken or past a limit.
            UnsupportedFormat: two ``mdta`` meta boxes side by side. Offsets that would pass 32 bits
                are widened (``stco`` → ``co64``, ``saio``/``tfra`` version 0 → 1), never refused.
        """
        bare, _ = label_forms(label_json)
        if extra_properties:
            raise InvalidRequest(
                "MP4/MOV/M4A labels carry no extra XMP properties here; the C2PA manifest carries provenance",
                reason="NO_XMP_IN_MOVIE",
            )
        with source.open() as stream:
            layout, moov, metadata = read_movie_metadata(stream, source.size, self.name, limits)
            check_single_label(metadata, target, self.label_carrier)
            counter = BoxCounter(limits)
            _copy_edited(stream, out, layout, set_label_key(moov, bare, counter), limits, counter)
        return bare


def _copy_edited(
    stream: BinaryIO, out: BinaryIO, layout: Layout, new_moov: bytes, limits: MediaLimits, counter: BoxCounter
) -> None:
    """Copy the file box by box with ``moov`` replaced, absorbing or shifting its change in size."""
    moov = layout.moov
    delta = len(new_moov) - moov.size
    index = layout.boxes.index(moov)
    following = layout.boxes[index + 1] if index + 1 < len(layout.boxes) else None
    replaced: dict[int, bytes] = {}
    shift = delta
    if delta > 0 and following is not None and following.type in _PADDING and following.header == 8:
        room = following.size - delta
        if room == 0 or room >= 8:
            replaced[following.offset] = make_box(b"free", bytes(room - 8)) if room else b""
            shift = 0
    elif delta <= -8:
        new_moov += make_box(b"free", bytes(-delta - 8))
        shift = 0
    if shift:
        new_moov = shift_moov_offsets(new_moov, moov.end, shift, counter)
        shift = len(new_moov) - moov.size  # grown further where a 32-bit stco had to become co64
    for box in layout.boxes:
        if box is moov:
            out.write(new_moov)
        elif box.offset in replaced:
            out.write(replaced[box.offset])
        elif shift and box.offset > moov.offset and box.type in (b"moof", b"mfra"):
            fragment = read_box(stream, box, limits.max_movie_box_bytes, "max_movie_box_bytes")
            out.write(shift_fragment_offsets(fragment, moov.end, shift, counter))
        else:
            copy_range(stream, out, box.offset, box.size)
