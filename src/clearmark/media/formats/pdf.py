"""PDF: the label in the document Info dictionary ``/AIGC`` (incremental update), notices as a visible line.

pypdf reads structure lazily (objects on demand from a file stream) and extracts text; ``pdf_update``
appends changed and new objects as an incremental update so existing signatures keep hashing to the
same digest. A write first reads the file strictly: a file pypdf can only read by repairing it is
rewritten whole (and says why). Anything a hostile file makes pypdf raise becomes ``InvalidMedia``.
"""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.errors import FileNotDecryptedError, LimitReachedError
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

from clearmark.core.aigc import parse_label_json
from clearmark.core.enums import MediaKind
from clearmark.core.errors import ClearMarkError, InvalidMedia, LabelConflict, MediaTooLarge, UnsupportedFormat
from clearmark.core.signals import Location
from clearmark.media.documents.pdf_font import SubsetFont, embed_font, subset_for
from clearmark.media.documents.pdf_reading import NOTICE_FONT_PREFIX, page_text_in_display_order
from clearmark.media.documents.pdf_update import (
    PdfUpdate,
    append_update,
    append_update_to,
    flate_stream,
    pdf_string,
)
from clearmark.media.format import NO_PROPERTIES, C2paSupport, FormatSpec
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, check_media_size, enforce_limit
from clearmark.media.metadata import LabelCarrier, Metadata
from clearmark.media.registry import register_format
from clearmark.media.source import Source
from clearmark.media.text import ExtractedText, NoticePosition, TextSegment, bare_label_fields, check_notice
from clearmark.media.xmp import NS_TC260, XmpDocument

CARRIER = "pdf:info:/AIGC"
XMP_CARRIER = "pdf:xmp:TC260:AIGC"
_LABEL_KEY = NameObject("/AIGC")
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
    except FileNotDecryptedError:
        raise UnsupportedFormat("PDF is encrypted with a password", reason="ENCRYPTED") from None
    except (MemoryError, LimitReachedError) as exc:
        detail = f": {exc}"[:200] if isinstance(exc, LimitReachedError) else ""
        raise MediaTooLarge(
            f"PDF {action}: out of memory or over a pypdf limit{detail}", reason="MEDIA_TOO_LARGE"
        ) from None
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on hostile input; all mean "malformed"
        detail = f"{type(exc).__name__}: {exc}"[:300]
        raise InvalidMedia(f"PDF {action} failed: {detail}", reason="MALFORMED_PDF") from None


@contextmanager
def _opened(
    content: bytes | Source,
    limits: MediaLimits,
    *,
    strict: bool = False,
    whole_file_limit: bool = True,
    walk_pages: bool = True,
) -> Iterator[PdfReader]:
    """A pypdf reader over bytes, or over a file stream that it reads on demand (never whole).

    The page limit is checked on the walked page tree, or on its declared /Count when ``walk_pages``
    is false (for readers that never touch a page: the label, the signatures).

    Raises:
        InvalidMedia: not a PDF. UnsupportedFormat: encrypted with a user password.
        MediaTooLarge: over the size or page limits.
    """
    source = Source.of(content)
    if source.in_memory and whole_file_limit:
        check_media_size(source.data, limits)  # type: ignore[arg-type]
    enforce_limit("max_stream_bytes", source.size, limits.max_stream_bytes, what="PDF size")
    if not source.head(5) == b"%PDF-":
        raise InvalidMedia("content does not start with %PDF-", reason="MALFORMED_PDF")
    with source.open() as stream:
        reader = PdfReader(stream, strict=strict)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnsupportedFormat("PDF is encrypted with a password", reason="ENCRYPTED")
        pages = len(reader.pages) if walk_pages else _declared_page_count(reader)
        enforce_limit("max_chunks", pages, limits.max_chunks, what="PDF page count")
        yield reader


def _declared_page_count(reader: PdfReader) -> int:
    """The page tree's own /Count, walking the tree only when it has none (readers that never touch pages)."""
    pages = _resolved(reader.root_object.get("/Pages"))
    count = _resolved(pages.get("/Count")) if isinstance(pages, DictionaryObject) else None
    return int(count) if isinstance(count, int) and not isinstance(count, bool) else len(reader.pages)


def _label_keys(info: DictionaryObject) -> list[str]:
    return [key for key in info if key.casefold() == "/aigc"]


def _unparse(value: PdfObject, limits: MediaLimits) -> str:
    buffer = io.BytesIO()
    value.write_to_stream(buffer)
    enforce_limit("max_metadata_bytes", buffer.tell(), limits.max_metadata_bytes, what="PDF Info value")
    return buffer.getvalue().decode("latin-1")


def _resolved(value: object) -> object:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _xmp_labels(reader: PdfReader, limits: MediaLimits) -> list[str]:
    metadata = _resolved(reader.root_object.get("/Metadata"))
    if not isinstance(metadata, StreamObject):
        return []
    length = _resolved(metadata.get("/Length", 0))
    encoded = int(length) if isinstance(length, int) else 0
    enforce_limit("max_metadata_bytes", encoded, limits.max_metadata_bytes, what="PDF XMP")
    packet = metadata.get_data()
    enforce_limit("max_metadata_bytes", len(packet), limits.max_metadata_bytes, what="PDF XMP")
    try:
        document = XmpDocument.parse(packet)
    except InvalidMedia as exc:
        if exc.reason == "HOSTILE_XML":
            raise
        return []  # malformed XMP carries no readable label; the Info dictionary is the standard place
    return document.get_all(NS_TC260, "AIGC")


def signatures(data: bytes | Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[PdfSignature]:
    """Every signature field with a value: its ByteRange and the document's DocMDP permission, if any."""
    with _pdf_errors("signature listing"), _opened(data, limits, walk_pages=False) as reader:
        root = reader.root_object
        permission = None
        perms = _resolved(root.get("/Perms"))
        docmdp = _resolved(perms.get("/DocMDP")) if isinstance(perms, DictionaryObject) else None
        if isinstance(docmdp, DictionaryObject):
            references = _resolved(docmdp.get("/Reference", ArrayObject()))
            for reference in references if isinstance(references, ArrayObject) else []:
                reference = _resolved(reference)
                params = (
                    _resolved(reference.get("/TransformParams")) if isinstance(reference, DictionaryObject) else None
                )
                if isinstance(params, DictionaryObject):
                    permission = int(_resolved(params.get("/P", 2)))  # type: ignore[call-overload]
        found = []
        acroform = _resolved(root.get("/AcroForm"))
        fields = _resolved(acroform.get("/Fields", ArrayObject())) if isinstance(acroform, DictionaryObject) else None
        queue = list(fields) if isinstance(fields, ArrayObject) else []
        seen = 0
        while queue and seen < limits.max_chunks:
            field = _resolved(queue.pop(0))
            seen += 1
            if not isinstance(field, DictionaryObject):
                continue
            kids = _resolved(field.get("/Kids"))
            queue.extend(kids if isinstance(kids, ArrayObject) else [])
            value = _resolved(field.get("/V"))
            if _resolved(field.get("/FT")) == "/Sig" and isinstance(value, DictionaryObject):
                byte_range = _resolved(value.get("/ByteRange", ArrayObject()))
                numbers = tuple(int(_resolved(v)) for v in byte_range) if isinstance(byte_range, ArrayObject) else ()
                name = _resolved(field.get("/T", ""))
                found.append(PdfSignature(str(name), numbers, permission))
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
        with _pdf_errors("label reading"), _opened(data, limits, walk_pages=False) as reader:
            carriers: list[LabelCarrier] = []
            info = _resolved(reader.trailer.get("/Info"))
            if isinstance(info, DictionaryObject):
                keys = _label_keys(info)
                for key in keys:
                    value = _resolved(info.raw_get(key))
                    notes = [] if key == "/AIGC" else ["key-case"]
                    if len(keys) > 1:
                        notes.append("duplicate-key")
                    is_string = isinstance(value, (TextStringObject, ByteStringObject))
                    if isinstance(value, TextStringObject):
                        raw = str(value)
                    elif isinstance(value, ByteStringObject):
                        raw = bytes(value).decode("latin-1")
                    else:
                        notes.append("not-a-string")
                        raw = _unparse(value, limits)  # type: ignore[arg-type]
                    carrier = f"pdf:info:{key}"
                    carriers.append(
                        LabelCarrier(
                            carrier,
                            Location(carrier=carrier),
                            raw,
                            parse_label_json(raw),
                            standard=key == "/AIGC" and is_string,
                            notes=tuple(notes),
                        )
                    )
            for raw in _xmp_labels(reader, limits):
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
        edit, check = _label_edit(label_json)
        with _pdf_errors("label writing"):
            return _write(data, limits, edit, check, walk_pages=False)

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
        """``write_label`` from a file into the file ``output``: the original copied in pieces, the update
        appended, so memory follows the document's structure, not its size.

        Raises:
            MediaTooLarge: the file needs a whole rewrite (pypdf reads it only by repairing it) and is
                larger than ``limits.max_bytes``.
        """
        edit, check = _label_edit(label_json)
        with _pdf_errors("label writing"):
            _write_to(source, output, limits, edit, check)

    def extract_text(self, source: bytes | Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> ExtractedText:
        """Page texts in order, each page's lines top to bottom as displayed (``pdf_reading``); past
        ``max_text_chars`` the leading and trailing pages only, each half the budget.

        Each page's objects are dropped from pypdf's cache once its text is out, so memory follows
        the pages read, not the file.
        """
        with _pdf_errors("text extraction"), _opened(source, limits, whole_file_limit=False) as reader:
            count = len(reader.pages)

            def page_text(number: int) -> str:
                text = page_text_in_display_order(reader.pages[number])
                reader.resolved_objects.clear()
                return text

            half = limits.max_text_chars // 2
            head, used, number = [], 0, 0
            while number < count and used < half:
                text = page_text(number)
                head.append((number + 1, text))
                used += len(text)
                number += 1
            tail: list[tuple[int, str]] = []
            used, last = 0, count - 1
            while last >= number and used < half:
                text = page_text(last)
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
        edit, check = _notice_edit(notice, positions, self.font_path)
        with _pdf_errors("notice writing"):
            return _write(data, limits, edit, check, walk_pages=False)

    def insert_notice_to(
        self,
        source: Source,
        output: Path,
        notice: str,
        *,
        positions: Collection[NoticePosition] = (NoticePosition.START,),
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> None:
        """``insert_notice`` from a file into the file ``output`` (an incremental update appended to a copy).

        Raises:
            MediaTooLarge: the file needs a whole rewrite and is larger than ``limits.max_bytes``.
        """
        edit, check = _notice_edit(notice, positions, self.font_path)
        with _pdf_errors("notice writing"):
            _write_to(source, output, limits, edit, check)


def _label_edit(label_json: str) -> tuple[Edit, Check]:
    """The update that puts ``label_json`` in the Info dictionary, and the check that it reads back."""
    value = _json(bare_label_fields(label_json))

    def edit(reader: PdfReader, update: PdfUpdate) -> IndirectObject:
        reference = reader.trailer.raw_get("/Info") if "/Info" in reader.trailer else None
        info = _resolved(reference)
        fresh = DictionaryObject()
        for key, entry in info.items() if isinstance(info, DictionaryObject) else ():
            fresh[key] = pdf_string(entry) if isinstance(entry, TextStringObject) and entry.isascii() else entry
        keys = _label_keys(fresh)
        if len(keys) > 1:
            raise LabelConflict(f"PDF Info holds {len(keys)} AIGC keys; which one to update is ambiguous")
        for key in keys:
            del fresh[key]
        fresh[_LABEL_KEY] = pdf_string(value)
        if isinstance(reference, IndirectObject) and isinstance(info, DictionaryObject):
            update.replace(reference, fresh)
            return reference
        return update.add(fresh)

    def check(reader: PdfReader) -> bool:
        info = _resolved(reader.trailer.get("/Info"))
        return isinstance(info, DictionaryObject) and _resolved(info.get(_LABEL_KEY)) == value

    return edit, check


def _notice_edit(notice: str, positions: Collection[NoticePosition], font_path: Path | None) -> tuple[Edit, Check]:
    """The update that draws ``notice`` on the first and/or last page, and the check on the page count."""
    chosen = check_notice(notice, positions)
    font = subset_for(notice, font_path)
    pages = 0

    def edit(reader: PdfReader, update: PdfUpdate) -> None:
        nonlocal pages
        pages = _declared_page_count(reader)
        if pages <= 0:
            raise InvalidMedia("PDF has no pages to put a notice on", reason="MALFORMED_PDF")
        font_ref = embed_font(update, font)
        for position in chosen:
            start = position is NoticePosition.START
            reference, inherited = _edge_page(reader, last=not start) or _walked_page(reader, 0 if start else -1)
            _stamp_page(update, reference, inherited, font_ref, font, notice, top=start)

    return edit, lambda reader: _declared_page_count(reader) == pages


def _json(values: dict[str, str]) -> str:
    return json.dumps(values, separators=(",", ":"), ensure_ascii=True)


Edit = Callable[[PdfReader, PdfUpdate], "IndirectObject | None"]
Check = Callable[[PdfReader], bool]


def _write(
    data: bytes, limits: MediaLimits, edit: Edit, check: Callable[[PdfReader], bool], *, walk_pages: bool
) -> PdfWrite:
    """Append ``edit``'s update when pypdf reads the file strictly and the result reads back; else rewrite it whole.

    Raises:
        UnsupportedFormat: the file is encrypted (read, never written).
    """
    try:
        updated, written = _update(data, limits, edit, walk_pages)
        reason = "the incremental update did not read back cleanly"
        if _reads_back(updated, limits, check, written):
            return PdfWrite(updated, incremental=True)
    except (ClearMarkError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - strict pypdf raises what a lenient read repairs
        reason = f"pypdf repaired the file while reading ({type(exc).__name__}: {exc})"[:300]
    with _opened(data, limits) as reader:
        _refuse_encrypted(reader)
        buffer = io.BytesIO()
        PdfWriter(clone_from=reader).write(buffer)
    rewritten, written = _update(buffer.getvalue(), limits, edit, walk_pages)
    if not _reads_back(rewritten, limits, check, written):
        raise InvalidMedia("PDF could not be rewritten so that it reads back", reason="MALFORMED_PDF")
    return PdfWrite(rewritten, incremental=False, reason=reason)


def _update(data: bytes, limits: MediaLimits, edit: Edit, walk_pages: bool) -> tuple[bytes, dict[tuple[int, int], str]]:
    """``data`` with ``edit``'s objects appended, and the kind of each object written, by number."""
    with _opened(data, limits, strict=True, walk_pages=walk_pages) as reader:
        _refuse_encrypted(reader)
        update = PdfUpdate(reader)
        info = edit(reader, update)
        written = {(number, generation): _kind(obj) for number, (generation, obj) in update.objects.items()}
        return append_update(data, update, info=info), written


def _write_to(source: Source, output: Path, limits: MediaLimits, edit: Edit, check: Check) -> None:
    """``_write`` from a file into a file: the incremental update appended to a copy made in pieces;
    a file that needs a whole rewrite is rewritten in memory only within ``max_bytes``. ``output``
    appears whole or not at all (a temporary sibling renamed onto it).

    Raises:
        UnsupportedFormat: the file is encrypted (read, never written).
        MediaTooLarge: a whole rewrite is needed and the file is larger than ``limits.max_bytes``.
    """
    temporary = output.with_name(f".{output.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    try:
        with _opened(source, limits, strict=True, whole_file_limit=False, walk_pages=False) as reader:
            _refuse_encrypted(reader)
            update = PdfUpdate(reader)
            info = edit(reader, update)
            written = {(number, generation): _kind(obj) for number, (generation, obj) in update.objects.items()}
            with temporary.open("wb") as stream:
                append_update_to(source, update, stream, info=info)
        reason = "the incremental update did not read back cleanly"
        if _reads_back(Source(path=temporary), limits, check, written):
            os.replace(temporary, output)
            return
    except (ClearMarkError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - strict pypdf raises what a lenient read repairs
        reason = f"pypdf repaired the file while reading ({type(exc).__name__}: {exc})"[:300]
    finally:
        temporary.unlink(missing_ok=True)
    if source.size > limits.max_bytes:
        raise MediaTooLarge(
            f"this PDF needs a whole rewrite ({reason}), done in memory only up to {limits.max_bytes} bytes"
        )
    rewritten = _write(source.read_bytes(limits.max_bytes), limits, edit, check, walk_pages=False)
    try:
        temporary.write_bytes(rewritten.data)
        os.replace(temporary, output)
    finally:
        temporary.unlink(missing_ok=True)


def _reads_back(
    data: bytes | Source, limits: MediaLimits, check: Callable[[PdfReader], bool], written: dict[tuple[int, int], str]
) -> bool:
    """A strict reader finds every written object where the new xref says, of its kind, and ``check`` holds."""
    with _opened(data, limits, strict=True, walk_pages=False) as reader:
        for (number, generation), kind in written.items():
            if _kind(reader.get_object(IndirectObject(number, generation, reader))) != kind:
                return False
        return check(reader)


def _kind(obj: object) -> str:
    if isinstance(obj, StreamObject):
        return "stream"
    return "dictionary" if isinstance(obj, DictionaryObject) else type(obj).__name__


def _refuse_encrypted(reader: PdfReader) -> None:
    if reader.is_encrypted:
        raise UnsupportedFormat("encrypted PDFs are read but not written", reason="ENCRYPTED")


def _page_box(page: DictionaryObject) -> list[float]:
    for key in ("/CropBox", "/MediaBox"):
        box = _resolved(page.get(key))
        if isinstance(box, ArrayObject) and len(box) == 4:
            return [float(_resolved(v)) for v in box]  # type: ignore[arg-type]
    return [0.0, 0.0, 612.0, 792.0]  # US Letter, what readers assume without a MediaBox


_INHERITABLE = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


def _edge_page(reader: PdfReader, *, last: bool) -> tuple[IndirectObject, DictionaryObject] | None:
    """The first (or last) page and what it inherits, descending one edge of the page tree.

    None when that edge is not a plain chain of /Pages nodes ending in an indirect page (then the
    caller walks the whole tree, as pypdf does, and takes the page from there).
    """
    inherited = DictionaryObject()
    node_ref = reader.root_object.raw_get("/Pages") if "/Pages" in reader.root_object else None
    for _ in range(64):
        node = _resolved(node_ref)
        if not isinstance(node, DictionaryObject) or not isinstance(node_ref, IndirectObject):
            return None
        kids = _resolved(node.get("/Kids"))
        if _resolved(node.get("/Type")) == "/Page" or kids is None:
            return node_ref, inherited
        inherited.update({key: node.raw_get(key) for key in _INHERITABLE if key in node})
        if not isinstance(kids, ArrayObject) or not kids:
            return None
        node_ref = kids[-1 if last else 0]
    return None


def _walked_page(reader: PdfReader, index: int) -> tuple[IndirectObject, DictionaryObject]:
    flattened = reader.pages[index]  # pypdf's copy: inherited attributes filled in
    if flattened.indirect_reference is None:
        raise InvalidMedia("PDF page is not an indirect object", reason="MALFORMED_PDF")
    inherited = DictionaryObject({key: flattened.raw_get(key) for key in _INHERITABLE if key in flattened})
    return flattened.indirect_reference, inherited


def _stamp_page(
    update: PdfUpdate,
    reference: IndirectObject,
    inherited: DictionaryObject,
    font_ref: IndirectObject,
    font: SubsetFont,
    notice: str,
    *,
    top: bool,
) -> None:
    """Draw ``notice`` on a white plate at the top-left (or bottom-left) of the page as displayed."""
    page = update.edit(reference)
    if page is None:
        raise InvalidMedia("PDF page is not a dictionary", reason="MALFORMED_PDF")
    effective = DictionaryObject(inherited)
    effective.update(page)
    resources = _editable(update, effective.raw_get("/Resources") if "/Resources" in effective else None)
    page[NameObject("/Resources")] = resources.entry
    fonts = _editable(update, resources.value.raw_get("/Font") if "/Font" in resources.value else None)
    resources.value[NameObject("/Font")] = fonts.entry
    number = 0
    while f"{NOTICE_FONT_PREFIX}{number}" in fonts.value:
        number += 1
    font_name = f"{NOTICE_FONT_PREFIX[1:]}{number}"
    fonts.value[NameObject("/" + font_name)] = font_ref

    box = _page_box(effective)
    llx, lly, urx, ury = min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3])
    rotation = _resolved(effective.get("/Rotate", 0))
    rotate = (int(rotation) if isinstance(rotation, (int, float)) else 0) % 360
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
        font_name,
        size,
        margin,
        baseline,
        font.encode(notice).hex().upper(),
    )
    opening = update.add(flate_stream(b"q\n"))
    stamp = update.add(flate_stream(content.encode("ascii")))
    contents = page.raw_get("/Contents") if "/Contents" in page else None
    resolved = _resolved(contents)
    existing = list(resolved) if isinstance(resolved, ArrayObject) else ([contents] if contents is not None else [])
    page[NameObject("/Contents")] = ArrayObject([opening, *existing, stamp])


@dataclass(frozen=True)
class _Editable:
    """A dictionary to change: a copy written back under ``reference`` when it was indirect, else held inline."""

    value: DictionaryObject
    reference: IndirectObject | None

    @property
    def entry(self) -> PdfObject:
        """What the parent dictionary holds: the reference, or the dictionary itself."""
        return self.value if self.reference is None else self.reference


def _editable(update: PdfUpdate, raw: object) -> _Editable:
    if isinstance(raw, IndirectObject):
        edited = update.edit(raw)
        if edited is not None:
            return _Editable(edited, raw)
    resolved = _resolved(raw)
    is_dictionary = isinstance(resolved, DictionaryObject) and not isinstance(resolved, StreamObject)
    return _Editable(DictionaryObject(resolved) if is_dictionary else DictionaryObject(), None)


PDF = PdfContainer()


def _signed(data: bytes | Source) -> bool:
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
