"""Per-modality label writers that Stamp and Label share: a new label (with its notice), or an update in place.

Writers never decide policy: which label, which wording and whether to mark are the caller's.

Output ownership: a writer returns small outputs as bytes; an output it writes to a file (long media,
anything it streams) goes in ``WriterSettings.work_dir`` (see ``new_output_file``) and comes back as a
``Source``. The work directory is the caller's: the service makes one per request and removes it,
with every file in it, once the response is sent and the replay stored, or on any failure, cancel or
deadline. A writer never deletes it and never writes outside it.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import AppliedLabel, Corner, MediaKind
from clearmark.core.errors import LabelConflict, UnsupportedFormat
from clearmark.media.asset import Asset
from clearmark.media.metadata import LabelCarrier
from clearmark.media.source import Content
from clearmark.notice import RenderedNotice
from clearmark.notice.audio_rhythm import DEFAULT_RHYTHM, RhythmStyle


@dataclass(frozen=True)
class WriterSettings:
    """What writers need from the deployment's configuration; small and picklable.

    Attributes:
        notice_corner: where image notices go when the request names no corner.
        notice_height_ratio: glyph height as a fraction of the image's shortest side (>= 0.05).
        font_path: the notice font (None: the bundled, checksum-verified subset).
        jpeg_quality, webp_quality: re-encoding quality after a notice or mark changed pixels.
        text_notice_positions: "start" and/or "end" for text and documents.
        watermark_key: the key of ClearMark's invisible mark; None embeds no mark.
        audio_rhythm: how the audible rhythm 短长短短 sounds (unit, tone, level).
        audio_notice_positions: "start", "middle" and/or "end" of audio that get the audible notice.
        audio_spoken_notice: an operator's recorded spoken notice (WAV/MP3) used instead of the rhythm.
        work_dir: the request's work directory, where file outputs go (``new_output_file``); None:
            no directory was given, outputs stay bytes (the caller owns and removes the directory).
        video_notice_start_s: how long a video's start-screen notice stays (>= 2 s).
        video_notice_middle_s, video_notice_end_s: also this long around the middle / at the end (0: not).
        video_badge: a persistent corner badge on every video frame as well.
    """

    notice_corner: Corner = Corner.BOTTOM_RIGHT
    notice_height_ratio: float = 0.06
    font_path: Path | None = None
    jpeg_quality: int = 95
    webp_quality: int = 90
    text_notice_positions: tuple[str, ...] = ("start",)
    watermark_key: bytes | None = field(default=None, repr=False)
    audio_rhythm: RhythmStyle = DEFAULT_RHYTHM
    audio_notice_positions: tuple[str, ...] = ("start",)
    audio_spoken_notice: Path | None = None
    work_dir: Path | None = None
    video_notice_start_s: float = 2.0
    video_notice_middle_s: float = 0.0
    video_notice_end_s: float = 0.0
    video_badge: bool = False


@dataclass(frozen=True)
class Written:
    """What a writer produced: the content (bytes, or a ``Source`` file in the work directory), the labels
    applied, the notice, anything the caller must know."""

    content: Content
    applied: tuple[AppliedLabel, ...]
    notice: RenderedNotice | None = None
    notice_text: str = ""
    notice_positions: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    watermark_id: str = ""


@dataclass(frozen=True)
class NewLabel:
    """A label to write where the content has none.

    Attributes:
        label: the seven fields.
        metadata_kind: producer or propagator fields (what ``applied`` reports).
        notice_text: the explicit notice's wording; "" draws none.
        corner: where an image notice goes (unspecified: the configured corner).
        source_type: IPTC digital source type to record beside the label ("" for none).
        mark_id: a ProduceID or PropagateID to carry in an invisible mark ("" for none).
        xmp_extra: further XMP properties ((namespace, name) -> value), e.g. the C2PA pointer.
    """

    label: AigcLabel
    metadata_kind: AppliedLabel
    notice_text: str = ""
    corner: Corner = Corner.CORNER_UNSPECIFIED
    source_type: str = ""
    mark_id: str = ""
    xmp_extra: tuple[tuple[tuple[str, str], str], ...] = ()


class ModalityWriter(Protocol):
    """Writes labels into one modality's files."""

    def write_new(self, asset: Asset, new: NewLabel, settings: WriterSettings) -> Written:
        """The content with a new label and, unless ``new.notice_text`` is empty, its explicit notice."""
        ...

    def update(
        self,
        asset: Asset,
        carrier: LabelCarrier,
        label: AigcLabel,
        settings: WriterSettings,
        xmp_extra: tuple[tuple[tuple[str, str], str], ...] = (),
    ) -> Written:
        """The content with an existing label's carrier rewritten in place (propagator fields).

        Raises:
            LabelConflict: the carrier cannot be rewritten without writing a second label.
        """
        ...


def refuse_second_label(carrier: LabelCarrier, *, updatable: bool) -> None:
    """Refuse to update a label outside the format's standard carrier unless that carrier can be rewritten.

    Raises:
        LabelConflict: ``carrier`` is a compat carrier and ``updatable`` is false.
    """
    if not carrier.standard and not updatable:
        raise LabelConflict(
            f"the label sits in {carrier.carrier}, not the format's standard carrier; updating it would "
            "write a second label"
        )


def new_output_file(work_dir: Path | None, suffix: str = "") -> Path:
    """A new, empty, private file in the request's work directory, for an output written in pieces.

    Raises:
        ValueError: no work directory was given (the caller wanted bytes; write to memory instead).
    """
    if work_dir is None:
        raise ValueError("file outputs need the request's work directory (WriterSettings.work_dir)")
    handle, name = tempfile.mkstemp(prefix="output-", suffix=suffix, dir=work_dir)
    os.close(handle)
    return Path(name)


_WRITERS: dict[MediaKind, ModalityWriter] = {}


def register_writer(*kinds: MediaKind):  # type: ignore[no-untyped-def]
    """Class decorator: one instance of the writer serves each of ``kinds``."""

    def register(cls: type) -> type:
        for kind in kinds:
            _WRITERS[kind] = cls()
        return cls

    return register


def writer_for(kind: MediaKind) -> ModalityWriter:
    """The writer of a modality.

    Raises:
        UnsupportedFormat: no writer for that modality yet.
    """
    import clearmark.labels.audio_writer  # noqa: F401  (registers)
    import clearmark.labels.document_writer  # noqa: F401  (registers)
    import clearmark.labels.image_writer  # noqa: F401  (registers)
    import clearmark.labels.video_writer  # noqa: F401  (registers)

    try:
        return _WRITERS[kind]
    except KeyError:
        raise UnsupportedFormat(f"no label writer for {kind.name.lower()} content yet") from None
