"""PDF: the label in the document Info dictionary ``/AIGC`` (incremental update), notices as a visible line.

pikepdf (qpdf) reads structure and builds objects; ``pdf_update`` appends them as an incremental
update so existing signatures keep hashing to the same digest. pypdf extracts text (pikepdf has no
text extraction). Anything a hostile file makes either library raise becomes ``InvalidMedia``.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Array, Name

from clearmark.core.aigc import parse_label_json
from clearmark.core.enums import MediaKind
from clearmark.core.errors import ClearMarkError, InvalidMedia, LabelConflict, MediaTooLarge, UnsupportedFormat
from clearmark.core.signals import Location
from clearmark.media.documents.pdf_font import SubsetFont, embed_font, subset_for
from clearmark.media.documents.pdf_update import append_update, flate_stream
from clearmark.media.format import NO_PROPERTIES, C2paSupport, FormatSpec
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, check_media_size, enforce_limit
from clearmark.media.metadata import LabelCarrier, Metadata
from clearmark.media.registry import register_format
from clearmark.media.source import Source
from clearmark.media.text import ExtractedText, NoticePosition, TextSegment, bare_label_fields, check_notice
from clearmark.media.xmp import NS_TC260, XmpDocument

CARRIER = "pdf:info:/AIGC"
XMP_CARRIER = "pdf:xmp:TC260:AIGC"
_LABEL_KEY = Name("/AIGC")
logging.getLogger("pypdf").setLevel(logging.ERROR)  # hostile files make pypdf log per object


@dataclass(frozen=True)
class PdfSignature:
    """One signature field of a PDF: what its ``/ByteRange`` covers and any DocMDP restriction."""

    field: str
    byte_range: tuple[int, ...]
    docmdp_permission: int | None  # 1: no changes allowed, 2: forms/signing, 3: also annotations

    @property
    def signed_end(self) -> int:
        """One past the last byte the signature covers."""
        return self.byte_range[-2] + self.byte_range[-1] if len(self.byte_range) >= 2 else 0


@dataclass(frozen=True)
class PdfWrite:
    """What a PDF write produced and how: incremental (original bytes kept as prefix) or a full rewrite."""

    data: bytes
    incremental: bool
    reason: str = ""


@contextmanager
def _pdf_errors(action: str) -> Iterator[None]:
    try:
        yield
    except ClearMarkError:
        raise
    except pikepdf.PasswordError:
        raise UnsupportedFormat("PDF is encrypted with a password", reason="ENCRYPTED") from None
    except MemoryError:
        raise MediaTooLarge(f"PDF {action}: out of memory", reason="MEDIA_TOO_LARGE") from None
    except Exception as exc:  # noqa: BLE001 - qpdf/pypdf raise many types on hostile input; all mean "malformed"
        detail = f"{type(exc).__name__}: {exc}"[:300]
        raise InvalidMedia(f"PDF {action} failed: {detail}", reason="MALFORMED_PDF") from None


def _open(content: bytes | Source, limits: MediaLimits) -> pikepdf.Pdf:
    """Open a PDF from bytes, or lazily from a file (qpdf reads objects on demand)."""
    source = Source.of(content)
    if source.in_memory:
        check_media_size(source.data, limits)  # type: ignore[arg-type]
    enforce_limit("max_stream_bytes", source.size, limits.max_stream_bytes, what="PDF size")
    if not source.head(5) == b"%PDF-":
        raise InvalidMedia("content does not start with %PDF-", reason="MALFORMED_PDF")
    pdf = pikepdf.open(io.BytesIO(source.data) if source.in_memory else source.path)
    enforce_limit("max_chunks", len(pdf.pages), limits.max_chunks, what="PDF page count")
    return pdf


def _label_keys(info: pikepdf.Object) -> list[Name]:
    return [Name(key) for key in info.keys() if key.casefold() == "/aigc"]


def _xmp_labels(pdf: pikepdf.Pdf, limits: MediaLimits) -> list[str]:
    metadata = pdf.Root.get(Name.Metadata)
    if not isinstance(metadata, pikepdf.Stream):
        return []
    enforce_limit("max_metadata_bytes", int(metadata.get(Name.Length, 0)), limits.max_metadata_bytes, what="PDF XMP")
    packet = metadata.read_bytes()
    enforce_limit("max_metadata_bytes", len(packet), limits.max_metadata_bytes, what="PDF XMP")
    try:
        document = XmpDocument.parse(packet)
    except InvalidMedia as exc:
        if exc.reason == "HOSTILE_XML":
            raise
        return []  # malformed XMP carries no readable label; the Info dictionary is the standard place
    return document.get_all(NS_TC260, "AIGC")


def signatures(data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[PdfSignature]:
    """Every signature field with a value: its ByteRange and the document's DocMDP permission, if any."""
    with _pdf_errors("signature listing"):
        pdf = _open(data, limits)
        permission = None
        perms = pdf.Root.get(Name.Perms)
        docmdp = perms.get(Name.DocMDP) if isinstance(perms, pikepdf.Dictionary) else None
        if isinstance(docmdp, pikepdf.Dictionary):
            for reference in docmdp.get(Name.Reference, Array()):
                params = reference.get(Name.TransformParams) if isinstance(reference, pikepdf.Dictionary) else None
                if isinstance(params, pikepdf.Dictionary):
                    permission = int(params.get(Name.P, 2))
        found = []
        acroform = pdf.Root.get(Name.AcroForm)
        fields = list(acroform.get(Name.Fields, Array())) if isinstance(acroform, pikepdf.Dictionary) else []
        seen = 0
        while fields and seen < limits.max_chunks:
            field = fields.pop(0)
            seen += 1
            if not isinstance(field, pikepdf.Dictionary):
                continue
            fields.extend(field.get(Name.Kids, Array()))
            value = field.get(Name.V)
            if field.get(Name.FT) == Name.Sig and isinstance(value, pikepdf.Dictionary):
                byte_range = tuple(int(v) for v in value.get(Name.ByteRange, Array()))
                found.append(PdfSignature(str(field.get(Name.T, "")), byte_range, permission))
        return found


class PdfContainer:
    """PDF documents; ``font_path`` injects the notice font (default: the bundled, checksum-verified one)."""

    notice_supported = True

    def __init__(self, font_path: Path | None = None) -> None:
        self.font_path = font_path

    def read_metadata(self, source: Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> Metadata:
        """The Info ``/AIGC`` label (and compat XMP copies), read lazily from a file or from bytes."""
        return Metadata(tuple(self.read_labels(source, limits=limits)))

    def read_labels(self, data: bytes | Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[LabelCarrier]:
        with _pdf_errors("label reading"):
            pdf = _open(data, limits)
            carriers: list[LabelCarrier] = []
            info = pdf.trailer.get(Name.Info)
            if isinstance(info, pikepdf.Dictionary):
                keys = _label_keys(info)
                for key in keys:
                    value = info[key]
                    notes = [] if str(key) == "/AIGC" else ["key-case"]
                    if len(keys) > 1:
                        notes.append("duplicate-key")
                    if isinstance(value, pikepdf.String):
                        raw = str(value)
                    else:
                        notes.append("not-a-string")
                        raw = value.unparse(resolved=True).decode("latin-1")
                    carrier = f"pdf:info:{key}"
                    carriers.append(
                        LabelCarrier(
                            carrier,
                            Location(carrier=carrier),
                            raw,
                            parse_label_json(raw),
                            standard=str(key) == "/AIGC" and isinstance(value, pikepdf.String),
                            notes=tuple(notes),
                        )
                    )
            for raw in _xmp_labels(pdf, limits):
                carriers.append(
                    LabelCarrier(
                        XMP_CARRIER,
                        Location(carrier=XMP_CARRIER),
                        raw,
                        parse_label_json(raw),
                        standard=False,
                        notes=("xmp-carrier",),
                    )
                )
            return carriers

    def write_label(
        self,
        data: bytes,
        label_json: str,
        *,
        extra_properties: Mapping[tuple[str, str], str] = NO_PROPERTIES,
        target: LabelCarrier | None = None,
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> bytes:
        return self.write_label_report(data, label_json, limits=limits).data

    def write_label_report(self, data: bytes, label_json: str, *, limits: MediaLimits = DEFAULT_LIMITS) -> PdfWrite:
        """Like ``write_label``, saying whether the update was incremental and, if not, why."""
        value = _json(bare_label_fields(label_json))
        with _pdf_errors("label writing"):
            pdf = _open(data, limits)
            _refuse_encrypted(pdf)
            info = pdf.trailer.get(Name.Info)
            if not isinstance(info, pikepdf.Dictionary):
                info = pdf.make_indirect(pikepdf.Dictionary())
                pdf.trailer[Name.Info] = info
            elif not info.is_indirect:
                info = pdf.make_indirect(pikepdf.Dictionary(info))
                pdf.trailer[Name.Info] = info
            keys = _label_keys(info)
            if len(keys) > 1:
                raise LabelConflict(f"PDF Info holds {len(keys)} AIGC keys; which one to update is ambiguous")
            for key in keys:
                del info[key]
            info[_LABEL_KEY] = pikepdf.String(value)
            return _finish(data, pdf, [info], check=lambda out: str(out.docinfo.get(_LABEL_KEY, "")) == value)

    def extract_text(self, source: bytes | Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> ExtractedText:
        """Page texts in order; past ``max_text_chars`` the leading and trailing pages only, each half the budget."""
        from pypdf import PdfReader

        source = Source.of(source)
        enforce_limit("max_stream_bytes", source.size, limits.max_stream_bytes, what="PDF size")
        with _pdf_errors("text extraction"), source.open() as stream:
            reader = PdfReader(stream, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise UnsupportedFormat("PDF is encrypted with a password", reason="ENCRYPTED")
            count = len(reader.pages)
            enforce_limit("max_chunks", count, limits.max_chunks, what="PDF page count")
            half = limits.max_text_chars // 2
            head, used, number = [], 0, 0
            while number < count and used < half:
                text = reader.pages[number].extract_text() or ""
                head.append((number + 1, text))
                used += len(text)
                number += 1
            tail: list[tuple[int, str]] = []
            used, last = 0, count - 1
            while last >= number and used < half:
                text = reader.pages[last].extract_text() or ""
                tail.insert(0, (last + 1, text))
                used += len(text)
                last -= 1
            pieces: list[str] = []
            segments: list[TextSegment] = []
            cursor = 0
            for page_number, text in head + tail:
                segments.append(TextSegment(cursor, cursor + len(text), page=page_number))
                pieces.append(text)
                cursor += len(text) + 1
            return ExtractedText("\n".join(pieces), tuple(segments), "pdf:text", truncated=last >= number)

    def insert_notice(
        self,
        data: bytes,
        notice: str,
        *,
        positions: Collection[NoticePosition] = (NoticePosition.START,),
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> bytes:
        return self.insert_notice_report(data, notice, positions=positions, limits=limits).data

    def insert_notice_report(
        self,
        data: bytes,
        notice: str,
        *,
        positions: Collection[NoticePosition] = (NoticePosition.START,),
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> PdfWrite:
        """Like ``insert_notice``: START draws the line at the top of the first page, END at the foot of the last."""
        chosen = check_notice(notice, positions)
        font = subset_for(notice, self.font_path)
        with _pdf_errors("notice writing"):
            pdf = _open(data, limits)
            _refuse_encrypted(pdf)
            if not len(pdf.pages):
                raise InvalidMedia("PDF has no pages to put a notice on", reason="MALFORMED_PDF")
            font_ref, changed = embed_font(pdf, font)
            for position in chosen:
                page = pdf.pages[0] if position is NoticePosition.START else pdf.pages[-1]
                changed += _stamp_page(pdf, page, font_ref, font, notice, top=position is NoticePosition.START)
            return _finish(data, pdf, changed, check=lambda out: len(out.pages) == len(pdf.pages))


def _json(values: dict[str, str]) -> str:
    return json.dumps(values, separators=(",", ":"), ensure_ascii=True)


def _refuse_encrypted(pdf: pikepdf.Pdf) -> None:
    if pdf.is_encrypted:
        raise UnsupportedFormat("encrypted PDFs are read but not written", reason="ENCRYPTED")


def _finish(data: bytes, pdf: pikepdf.Pdf, changed: list[pikepdf.Object], check) -> PdfWrite:  # type: ignore[no-untyped-def]
    """Append an incremental update when the file parsed cleanly and reads back; else rewrite it whole."""
    warnings = pdf.get_warnings()
    if not warnings:
        updated = append_update(data, pdf, changed)
        try:
            with pikepdf.open(io.BytesIO(updated)) as reopened:
                if check(reopened) and not reopened.get_warnings():
                    return PdfWrite(updated, incremental=True)
                reason = "the incremental update did not read back cleanly"
        except pikepdf.PdfError as exc:
            reason = f"the incremental update did not reopen: {exc}"
    else:
        reason = f"qpdf repaired the file while reading ({len(warnings)} warnings): {warnings[0][:120]}"
    buffer = io.BytesIO()
    pdf.save(buffer, deterministic_id=True)
    return PdfWrite(buffer.getvalue(), incremental=False, reason=reason)


def _stamp_page(
    pdf: pikepdf.Pdf, page: pikepdf.Page, font_ref: pikepdf.Object, font: SubsetFont, notice: str, *, top: bool
) -> list[pikepdf.Object]:
    """Draw ``notice`` on a white plate at the top-left (or bottom-left) of the page as displayed."""
    changed: list[pikepdf.Object] = [page.obj]
    resources = page.obj.get(Name.Resources)
    if not isinstance(resources, pikepdf.Dictionary):
        inherited = _inherited(page.obj, Name.Resources)
        resources = pikepdf.Dictionary(inherited) if isinstance(inherited, pikepdf.Dictionary) else pikepdf.Dictionary()
        page.obj[Name.Resources] = resources
    elif resources.is_indirect:
        changed.append(resources)
    fonts = resources.get(Name.Font)
    if not isinstance(fonts, pikepdf.Dictionary):
        fonts = pikepdf.Dictionary()
        resources[Name.Font] = fonts
    elif fonts.is_indirect:
        changed.append(fonts)
    number = 0
    while Name(f"/CMNotice{number}") in fonts:
        number += 1
    font_name = Name(f"/CMNotice{number}")
    fonts[font_name] = font_ref

    box = [float(v) for v in (page.obj.get(Name.CropBox) or _inherited(page.obj, Name.CropBox) or page.mediabox)]
    llx, lly, urx, ury = min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3])
    rotate = int(_inherited(page.obj, Name.Rotate) or 0) % 360
    width, height = (ury - lly, urx - llx) if rotate in (90, 270) else (urx - llx, ury - lly)
    matrix = {
        0: (1, 0, 0, 1, llx, lly),
        90: (0, 1, -1, 0, urx, lly),
        180: (-1, 0, 0, -1, urx, ury),
        270: (0, -1, 1, 0, llx, ury),
    }.get(rotate, (1, 0, 0, 1, llx, lly))
    size = max(9.0, min(24.0, 0.02 * height))
    margin = 0.04 * min(width, height)
    pad = 0.3 * size
    ascent, descent = font.ascent * size / 1000, font.descent * size / 1000
    baseline = height - margin - ascent if top else margin - descent
    text_width = font.width(notice, size)
    plate = (margin - pad, baseline + descent - pad, text_width + 2 * pad, ascent - descent + 2 * pad)
    content = "Q q {} cm 1 1 1 rg {} re f 0 0 0 rg BT /{} {:.2f} Tf 1 0 0 1 {:.2f} {:.2f} Tm <{}> Tj ET Q\n".format(
        " ".join(f"{v:g}" for v in matrix),
        " ".join(f"{v:.2f}" for v in plate),
        str(font_name)[1:],
        size,
        margin,
        baseline,
        font.encode(notice).hex().upper(),
    )
    opening = flate_stream(pdf, b"q\n")
    stamp = flate_stream(pdf, content.encode("ascii"))
    contents = page.obj.get(Name.Contents)
    existing = list(contents) if isinstance(contents, pikepdf.Array) else ([contents] if contents is not None else [])
    page.obj[Name.Contents] = Array([opening, *existing, stamp])
    return [*changed, opening, stamp]


def _inherited(node: pikepdf.Object, key: Name) -> pikepdf.Object | None:
    seen = 0
    while isinstance(node, pikepdf.Dictionary) and seen < 64:
        if key in node:
            return node[key]
        node = node.get(Name.Parent)
        seen += 1
    return None


PDF = PdfContainer()


def _signed(data: bytes) -> bool:
    return bool(signatures(data))


SPEC = register_format(
    FormatSpec(
        name="pdf",
        kind=MediaKind.DOCUMENT,
        mime_types=("application/pdf",),
        description="PDF document",
        matches=lambda probe: probe.starts_with(b"%PDF-"),
        container=PDF,
        label_carrier=CARRIER,
        text=PDF,
        c2pa=C2paSupport("pdf:c2pa-embedded-file"),
        streamable=True,
        notice_blocked_by_signature=_signed,
    )
)
