"""OOXML (DOCX, XLSX, PPTX): the label as custom property ``AIGC`` in docProps/custom.xml; DOCX notice paragraphs."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Collection, Mapping

from clearmark.core.aigc import parse_label_json
from clearmark.core.errors import InvalidMedia, LabelConflict, UnsupportedFormat
from clearmark.core.signals import Location
from clearmark.media.documents.package import (
    NS_CONTENT_TYPES,
    NS_RELS,
    Package,
    escape_text,
    insert_before_close,
    iterparse_xml,
    parse_xml,
    xml_text,
)
from clearmark.media.format import NO_PROPERTIES, Probe
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits
from clearmark.media.metadata import LabelCarrier, Metadata
from clearmark.media.source import Source
from clearmark.media.text import ExtractedText, NoticePosition, TextSegment, bare_label_fields, check_notice

NS_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
NS_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
NS_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS_W_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CT_CUSTOM = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_PART = "docProps/custom.xml"
FMTID_USER_DEFINED = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
LABEL_NAME = "AIGC"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'

TextReader = Callable[[Package, MediaLimits], list[tuple[str, int | None, int | None]]]


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


class OoxmlContainer:
    """One OOXML flavour: the custom-property label for all; text and notices where the flavour has them."""

    label_carrier: str | None

    def __init__(self, name: str, main_part: str, text_reader: TextReader, notice_supported: bool) -> None:
        self.name = name
        self.main_part = main_part
        self.label_carrier = f"{name}:custom.xml:{LABEL_NAME}"
        self.notice_supported = notice_supported
        self._text_reader = text_reader

    def _open(self, data: bytes, limits: MediaLimits) -> Package:
        return Package(data, limits, self.name.upper())

    def _custom_part(self, package: Package) -> tuple[str | None, bool]:
        """The custom-properties part name and whether the package relationships register it."""
        for rel in package.relationships():
            if rel.type == REL_CUSTOM and rel.target in package.names:
                return rel.target, True
        return (CUSTOM_PART, False) if CUSTOM_PART in package.names else (None, False)

    def read_metadata(self, source: Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> Metadata:
        """The custom-property label carriers of the package."""
        return Metadata(tuple(self.read_labels(source.read_bytes(limits.max_bytes), limits=limits)))

    def read_labels(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[LabelCarrier]:
        package = self._open(data, limits)
        part, registered = self._custom_part(package)
        if part is None:
            return []
        root = package.read_xml(part, limits.max_metadata_bytes)
        file_notes = [] if registered else ["unregistered-part"]
        if package.content_type_overrides().get(part) != CT_CUSTOM:
            file_notes.append("no-content-type")
        properties = [el for el in root if el.tag == f"{{{NS_CUSTOM}}}property"]
        pids = [el.get("pid", "") for el in properties]
        matching = [el for el in properties if el.get("name", "").casefold() == LABEL_NAME.casefold()]
        info = package.zip.getinfo(part)
        carriers = []
        for element in matching:
            notes = list(file_notes)
            name = element.get("name", "")
            if name != LABEL_NAME:
                notes.append("key-case")
            if len(matching) > 1:
                notes.append("duplicate-property")
            if pids.count(element.get("pid", "")) > 1:
                notes.append("duplicate-pid")
            value = next(iter(element), None)
            kind = _local(value.tag)[1] if value is not None else ""
            if kind != "lpwstr":
                notes.append(f"not-lpwstr:{kind or 'empty'}")
            raw = (value.text or "") if value is not None else ""
            carrier = f"{self.name}:custom.xml:{name}"
            carriers.append(
                LabelCarrier(
                    carrier,
                    Location(carrier=carrier, byte_offset=info.header_offset, byte_length=info.compress_size),
                    raw,
                    parse_label_json(raw),
                    standard=name == LABEL_NAME and registered and kind in ("lpwstr", "lpstr", "bstr"),
                    notes=tuple(notes),
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
        value = _json_of(bare_label_fields(label_json))
        package = self._open(data, limits)
        part, registered = self._custom_part(package)
        replacements: dict[str, bytes] = {}
        additions: dict[str, bytes] = {}
        if part is None:
            part = CUSTOM_PART
            additions[part] = _custom_xml([], value)
        else:
            root = package.read_xml(part, limits.max_metadata_bytes)
            if root.tag != f"{{{NS_CUSTOM}}}Properties":
                raise InvalidMedia(f"{part} is not a custom-properties part (root {root.tag})", reason="MALFORMED_XML")
            replacements[part] = _custom_xml(list(root), value)
        if not registered:
            replacements["_rels/.rels"] = _register_relationship(package, part)
        if package.content_type_overrides().get(part) != CT_CUSTOM:
            replacements["[Content_Types].xml"] = _register_content_type(package, part)
        return package.rewrite(replacements, additions)

    def extract_text(self, source: bytes | Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> ExtractedText:
        data = Source.of(source).read_bytes(limits.max_bytes)
        package = self._open(data, limits)
        pieces: list[str] = []
        segments: list[TextSegment] = []
        cursor = 0
        for text, page, paragraph in self._text_reader(package, limits):
            segments.append(TextSegment(cursor, cursor + len(text), page=page, paragraph=paragraph))
            pieces.append(text)
            cursor += len(text) + 1
        return ExtractedText("\n".join(pieces), tuple(segments), f"{self.name}:text")

    def insert_notice(
        self,
        data: bytes,
        notice: str,
        *,
        positions: Collection[NoticePosition] = (NoticePosition.START,),
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> bytes:
        chosen = check_notice(notice, positions)
        if not self.notice_supported:
            raise UnsupportedFormat(f"explicit notices are not written into {self.name.upper()} files yet")
        package = self._open(data, limits)
        part = package.main_part(self.main_part)
        raw = package.read(part)
        parse_xml(raw, f"{self.name.upper()} part {part!r}")  # refuse hostile or broken XML before editing
        text, encoding = xml_text(raw, part)
        text = _insert_paragraphs(text, notice, chosen, part)
        edited = text.encode(encoding)
        parse_xml(edited, f"edited {part!r}")
        return package.rewrite({part: edited}, {})


def _json_of(values: dict[str, str]) -> str:
    return json.dumps(values, separators=(",", ":"), ensure_ascii=True)


def _serialize(element: ET.Element) -> str:
    ns, local = _local(element.tag)
    if ns != NS_VT:
        element.tail = None
        return ET.tostring(element, encoding="unicode")
    attrs = "".join(f' {k}="{escape_text(v)}"' for k, v in element.attrib.items() if not k.startswith("{"))
    inner = escape_text(element.text or "") + "".join(_serialize(child) for child in element)
    return f"<vt:{local}{attrs}>{inner}</vt:{local}>"


def _custom_xml(properties: list[ET.Element], label_value: str) -> bytes:
    """custom.xml with every property kept and the ``AIGC`` one set (added with a fresh pid if absent)."""
    labelled = [el for el in properties if el.get("name", "").casefold() == LABEL_NAME.casefold()]
    if len(labelled) > 1:
        raise LabelConflict(f"custom.xml holds {len(labelled)} AIGC properties; which one to update is ambiguous")
    pids = [int(p) for el in properties if (p := el.get("pid", "")).isdigit()]
    body = []
    for element in properties:
        if element.tag != f"{{{NS_CUSTOM}}}property":
            continue
        attrs = dict(element.attrib)
        if element in labelled:
            attrs["name"] = LABEL_NAME
            children = f"<vt:lpwstr>{escape_text(label_value)}</vt:lpwstr>"
        else:
            children = "".join(_serialize(child) for child in element)
        attr_text = "".join(f' {k}="{escape_text(v)}"' for k, v in attrs.items() if not k.startswith("{"))
        body.append(f"<property{attr_text}>{children}</property>")
    if not labelled:
        pid = max([1, *pids]) + 1
        body.append(
            f'<property fmtid="{FMTID_USER_DEFINED}" pid="{pid}" name="{LABEL_NAME}">'
            f"<vt:lpwstr>{escape_text(label_value)}</vt:lpwstr></property>"
        )
    xml = f'<Properties xmlns="{NS_CUSTOM}" xmlns:vt="{NS_VT}">{"".join(body)}</Properties>'
    return (_XML_DECLARATION + xml).encode("utf-8")


def _register_relationship(package: Package, part: str) -> bytes:
    if "_rels/.rels" not in package.names:
        raise InvalidMedia(f"{package.what} has no _rels/.rels, so it is not an OPC package", reason="NOT_OOXML")
    raw = package.read("_rels/.rels", package.limits.max_metadata_bytes)
    root = parse_xml(raw, "_rels/.rels")
    ids = {el.get("Id", "") for el in root.iter(f"{{{NS_RELS}}}Relationship")}
    number = 1
    while f"rId{number}" in ids:
        number += 1
    text, encoding = xml_text(raw, "_rels/.rels")
    fragment = f'<Relationship Id="rId{number}" Type="{REL_CUSTOM}" Target="{escape_text(part)}"/>'
    return insert_before_close(text, "Relationships", fragment, "_rels/.rels").encode(encoding)


def _register_content_type(package: Package, part: str) -> bytes:
    raw = package.read("[Content_Types].xml", package.limits.max_metadata_bytes)
    root = parse_xml(raw, "[Content_Types].xml")
    text, encoding = xml_text(raw, "[Content_Types].xml")
    for element in root.iter(f"{{{NS_CONTENT_TYPES}}}Override"):
        if element.get("PartName", "").lstrip("/") == part:
            raise InvalidMedia(
                f"[Content_Types].xml gives {part} the type {element.get('ContentType')!r}, not {CT_CUSTOM}",
                reason="MALFORMED_PACKAGE",
            )
    fragment = f'<Override PartName="/{escape_text(part)}" ContentType="{CT_CUSTOM}"/>'
    return insert_before_close(text, "Types", fragment, "[Content_Types].xml").encode(encoding)


def _w_prefix(text: str) -> str:
    """The prefix bound to the WordprocessingML namespace on the document root ('' for a default namespace)."""
    for ns in (NS_W, NS_W_STRICT):
        match = re.search(rf'xmlns(?::([\w.-]+))?\s*=\s*["\']{re.escape(ns)}["\']', text)
        if match:
            return f"{match.group(1)}:" if match.group(1) else ""
    raise InvalidMedia("the document part does not use the WordprocessingML namespace", reason="NOT_OOXML")


def _insert_paragraphs(text: str, notice: str, positions: tuple[NoticePosition, ...], part: str) -> str:
    w = _w_prefix(text)
    paragraph = f'<{w}p><{w}r><{w}t xml:space="preserve">{escape_text(notice)}</{w}t></{w}r></{w}p>'
    body_open = re.search(rf"<{w}body(?:\s[^>]*)?>", text)
    body_close = text.rfind(f"</{w}body>")
    if body_open is None or body_close < body_open.end():
        raise InvalidMedia(f"{part} has no <{w}body> element", reason="MALFORMED_XML")
    if NoticePosition.END in positions:
        at = body_close
        closing = text.rfind(f"</{w}sectPr>", body_open.end(), body_close)
        if closing >= 0 and not text[closing + len(f"</{w}sectPr>") : body_close].strip():
            at = text.rfind(f"<{w}sectPr", body_open.end(), closing)
        else:
            empty = re.search(rf"<{w}sectPr(?:\s[^>]*)?/>\s*$", text[body_open.end() : body_close])
            if empty:
                at = body_open.end() + empty.start()
        text = text[:at] + paragraph + text[at:]
    if NoticePosition.START in positions:
        text = text[: body_open.end()] + paragraph + text[body_open.end() :]
    return text


def _paragraph_texts(raw: bytes, what: str, paragraph_ns: str, page: int | None) -> list[tuple[str, int | None, int]]:
    """Paragraph texts in document order; nested paragraphs (text boxes) are their own paragraphs."""
    p_tag, t_tag = f"{{{paragraph_ns}}}p", f"{{{paragraph_ns}}}t"
    breaks = {f"{{{paragraph_ns}}}{name}": text for name, text in (("tab", "\t"), ("br", "\n"), ("cr", "\n"))}
    stack: list[tuple[int, list[str]]] = []
    found: list[tuple[int, str]] = []
    count = 0
    for event, element in iterparse_xml(raw, what):
        if element.tag == p_tag:
            if event == "start":
                stack.append((count, []))
                count += 1
            elif stack:
                index, parts = stack.pop()
                found.append((index, "".join(parts)))
                element.clear()
        elif event == "end" and stack:
            if element.tag == t_tag:
                stack[-1][1].append(element.text or "")
            elif element.tag in breaks:
                stack[-1][1].append(breaks[element.tag])
    found.sort()
    return [(text, page, index) for index, text in found]


def _docx_text(package: Package, limits: MediaLimits) -> list[tuple[str, int | None, int | None]]:
    part = package.main_part("word/document.xml")
    raw = package.read(part)
    ns = NS_W_STRICT if NS_W_STRICT.encode() in raw[:4096] else NS_W
    return list(_paragraph_texts(raw, f"DOCX part {part!r}", ns, None))


def _pptx_text(package: Package, limits: MediaLimits) -> list[tuple[str, int | None, int | None]]:
    slides = sorted(
        (int(match.group(1)), name)
        for name in package.names
        if (match := re.fullmatch(r"ppt/slides/slide(\d+)\.xml", name))
    )
    texts: list[tuple[str, int | None, int | None]] = []
    for number, name in slides:
        texts += _paragraph_texts(package.read(name), f"PPTX part {name!r}", NS_A, number)
    return texts


def _xlsx_text(package: Package, limits: MediaLimits) -> list[tuple[str, int | None, int | None]]:
    if "xl/sharedStrings.xml" not in package.names:
        return []
    texts: list[tuple[str, int | None, int | None]] = []
    current: list[str] | None = None
    for event, element in iterparse_xml(package.read("xl/sharedStrings.xml"), "XLSX shared strings"):
        if element.tag == f"{{{NS_SML}}}si":
            if event == "start":
                current = []
            elif current is not None:
                texts.append(("".join(current), None, len(texts)))
                current = None
                element.clear()
        elif event == "end" and element.tag == f"{{{NS_SML}}}t" and current is not None:
            current.append(element.text or "")
    return texts


DOCX = OoxmlContainer("docx", "word/document.xml", _docx_text, notice_supported=True)
XLSX = OoxmlContainer("xlsx", "xl/workbook.xml", _xlsx_text, notice_supported=False)
PPTX = OoxmlContainer("pptx", "ppt/presentation.xml", _pptx_text, notice_supported=False)


def is_flavour(flavour: str) -> Callable[[Probe], bool]:
    """The signature test of one OOXML flavour: a ZIP whose members name that flavour's main part."""

    def matches(probe: Probe) -> bool:
        if not probe.starts_with(b"PK\x03\x04", b"PK\x05\x06"):
            return False
        try:
            with probe.source.open() as stream:
                names = zipfile.ZipFile(stream).namelist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, NotImplementedError):
            return False
        return ooxml_flavour(names) == flavour

    return matches


def ooxml_flavour(names: Collection[str]) -> str | None:
    """``docx``/``xlsx``/``pptx`` from a zip's member names, or None when it is no OOXML document."""
    if "[Content_Types].xml" not in names:
        return None
    for flavour, part in (("docx", "word/document.xml"), ("xlsx", "xl/workbook.xml"), ("pptx", "ppt/presentation.xml")):
        if part in names:
            return flavour
    return None
