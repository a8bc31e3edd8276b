"""Sample documents built with independent tools (python-docx, pikepdf, zipfile), never with our writers."""

from __future__ import annotations

import io
import zipfile

import pikepdf

from clearmark.core.aigc import AigcLabel

PRODUCER = "001191440300708461136T1XGW3"
PLATFORM = "001191440300708461136T2PLAT"
LABEL = AigcLabel("1", PRODUCER, "gen-0001", "", PRODUCER, "gen-0001", "")
LABEL_JSON = LABEL.to_json()
WRAPPED_JSON = LABEL.to_json(wrapped=True)
PLATFORM_LABEL = LABEL.with_propagator(PLATFORM, "up-42")


def docx_bytes(*paragraphs: str, title: str = "t") -> bytes:
    """A DOCX made by python-docx."""
    import docx

    document = docx.Document()
    for text in paragraphs or ("Hello world", "第二段"):
        document.add_paragraph(text)
    document.core_properties.title = title
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_bytes(*page_texts: str, object_streams: bool = False, rotate: int = 0) -> bytes:
    """A PDF made by pikepdf: one page per text, Helvetica, Info /Title."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    for text in page_texts or ("Hello PDF world",):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.obj.Contents = pdf.make_stream(f"BT /F1 12 Tf 72 700 Td ({text}) Tj ET".encode("latin-1"))
        if rotate:
            page.obj.Rotate = rotate
    pdf.docinfo[pikepdf.Name.Title] = "sample"
    buffer = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if object_streams else pikepdf.ObjectStreamMode.disable
    pdf.save(buffer, object_stream_mode=mode, deterministic_id=True)
    return buffer.getvalue()


def pdf_with_info(**entries: object) -> bytes:
    """A one-page PDF whose Info dictionary holds ``entries`` (keys without the slash)."""
    with pikepdf.open(io.BytesIO(pdf_bytes())) as pdf:
        for key, value in entries.items():
            pdf.docinfo[pikepdf.Name("/" + key)] = value
        buffer = io.BytesIO()
        pdf.save(buffer, deterministic_id=True)
        return buffer.getvalue()


def zip_bytes(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip holding ``members`` in order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


def replace_member(data: bytes, name: str, payload: bytes) -> bytes:
    """A copy of a zip with one member's bytes replaced (or added)."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    members[name] = payload
    return zip_bytes(members)


def custom_xml(*properties: tuple[str, str, str]) -> bytes:
    """docProps/custom.xml with (pid, name, value-element) properties."""
    body = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" name="{name}">{value}</property>'
        for pid, name, value in properties
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        f'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{body}</Properties>'
    ).encode()
