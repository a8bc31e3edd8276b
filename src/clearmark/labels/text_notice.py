"""Writers for text and documents: the explicit notice line and the implicit label, each read back after writing.

Policy-free: which wording, which positions and which label to write are the caller's decisions.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path

from clearmark.core.aigc import AigcLabel
from clearmark.core.errors import ClearMarkError, InvalidRequest, UnsupportedFormat
from clearmark.media.format import FormatSpec, TextCodec, write_label_file
from clearmark.media.formats.pdf import PdfContainer
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits
from clearmark.media.metadata import LabelCarrier
from clearmark.media.source import Source
from clearmark.media.text import NoticePosition
from clearmark.notice.glyphs import has_required_elements


class DocumentWriteFailed(ClearMarkError):
    """What was written could not be read back (a writer bug; never shipped silently)."""

    default_reason = "LABEL_READ_BACK_FAILED"


@dataclass(frozen=True)
class TextNoticeSpec:
    """The notice to add: its wording and where (START and/or END)."""

    text: str
    positions: tuple[NoticePosition, ...] = (NoticePosition.START,)

    def __post_init__(self) -> None:
        if not has_required_elements(self.text):
            raise InvalidRequest(
                f"notice {self.text!r} lacks the AI element or the generation element (GB 45438)",
                reason="INVALID_NOTICE",
            )


def _codec(spec: FormatSpec, font_path: Path | None) -> TextCodec:
    if spec.text is None:
        raise UnsupportedFormat(f"{spec.description} takes no text notice")
    if isinstance(spec.text, PdfContainer) and font_path is not None:
        return PdfContainer(font_path)  # the deployment's own notice font
    return spec.text


def add_text_notice(
    data: bytes,
    fmt: FormatSpec,
    spec: TextNoticeSpec,
    *,
    limits: MediaLimits = DEFAULT_LIMITS,
    font_path: Path | None = None,
) -> bytes:
    """The document with ``spec.text`` as a visible line at each position, checked by extracting the text back.

    Raises:
        UnsupportedFormat: the format takes no notice (XLSX/PPTX for now).
        DocumentWriteFailed: the notice is not found in the written document's text.
    """
    codec = _codec(fmt, font_path)
    written = codec.insert_notice(data, spec.text, positions=spec.positions, limits=limits)
    before = codec.extract_text(Source(data=data), limits=limits).text.count(spec.text)
    after = codec.extract_text(Source(data=written), limits=limits).text.count(spec.text)
    if after < before + len(spec.positions):
        raise DocumentWriteFailed(f"notice {spec.text!r} does not read back from the written {fmt.name}")
    return written


def add_text_notice_file(
    source: Source,
    output: Path,
    fmt: FormatSpec,
    spec: TextNoticeSpec,
    *,
    limits: MediaLimits = DEFAULT_LIMITS,
    font_path: Path | None = None,
) -> None:
    """``add_text_notice`` from a file into the file ``output``, in pieces where the codec can
    (``insert_notice_to``), else whole within ``limits.max_bytes``; read back the same way.

    Raises:
        UnsupportedFormat, DocumentWriteFailed: as ``add_text_notice``.
    """
    codec = _codec(fmt, font_path)
    streaming = getattr(codec, "insert_notice_to", None)
    if streaming is not None:
        streaming(source, output, spec.text, positions=spec.positions, limits=limits)
    else:
        data = source.read_bytes(limits.max_bytes)
        output.write_bytes(codec.insert_notice(data, spec.text, positions=spec.positions, limits=limits))
    # A streaming codec's notice sits on the first and/or last page: the head and tail windows of a
    # tiny text budget (one page each side) read it back without extracting a long document whole.
    edges = replace(limits, max_text_chars=4 * len(spec.text) + 64) if streaming is not None else limits
    before = codec.extract_text(source, limits=edges).text.count(spec.text)
    after = codec.extract_text(Source(path=output), limits=edges).text.count(spec.text)
    if after < before + len(spec.positions):
        raise DocumentWriteFailed(f"notice {spec.text!r} does not read back from the written {fmt.name}")


def write_document_label_file(
    source: Source, output: Path, fmt: FormatSpec, label: AigcLabel, *, limits: MediaLimits = DEFAULT_LIMITS
) -> None:
    """``write_document_label`` from a file into the file ``output`` (``write_label_file``), read back from it.

    Raises:
        UnsupportedFormat, LabelConflict, DocumentWriteFailed: as ``write_document_label``.
    """
    container = fmt.container
    if container is None:
        raise UnsupportedFormat(f"{fmt.description} is not supported")
    write_label_file(container, source, output, label.to_json(), limits=limits)
    _check_label(container.read_metadata(Source(path=output), limits=limits).label_carriers, label)


def _check_label(carriers: tuple[LabelCarrier, ...], label: AigcLabel) -> None:
    standard = [c for c in carriers if c.standard]
    parsed = [c.parsed.label for c in standard if c.parsed is not None]
    if parsed != [label]:
        raise DocumentWriteFailed(f"label read back as {parsed!r} from {len(standard)} carriers, wrote {label!r}")


def write_document_label(
    data: bytes, fmt: FormatSpec, label: AigcLabel, *, limits: MediaLimits = DEFAULT_LIMITS
) -> bytes:
    """The document with ``label`` in its standard carrier (added, or updated in place), read back once.

    Raises:
        UnsupportedFormat: plain text (no metadata container: rely on the explicit notice).
        LabelConflict: two or more standard carriers already.
        DocumentWriteFailed: the label does not read back exactly once and equal.
    """
    container = fmt.container
    if container is None:
        raise UnsupportedFormat(f"{fmt.description} is not supported")
    written = container.write_label(data, label.to_json(), limits=limits)
    _check_label(container.read_metadata(Source(data=written), limits=limits).label_carriers, label)
    return written


def notice_positions(names: Collection[str]) -> tuple[NoticePosition, ...]:
    """Positions from configuration words ("start", "end")."""
    try:
        return tuple(NoticePosition(name.lower()) for name in names)
    except ValueError:
        raise InvalidRequest(f"notice positions must be 'start'/'end', got {sorted(names)}") from None
