"""OOXML: custom.xml label round trips (read back with python-docx and lxml), notices, and hostile packages."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from lxml import etree

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia, LabelConflict, MediaTooLarge, UnsupportedFormat
from clearmark.media import MediaLimits, sniff_format
from clearmark.media.registry import format_named
from clearmark.media.text import NoticePosition
from tests.media.documents.samples import (
    LABEL,
    LABEL_JSON,
    PLATFORM_LABEL,
    custom_xml,
    docx_bytes,
    replace_member,
    zip_bytes,
)

DOCX = format_named("docx").container
NS = {
    "cp": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
    "r": "http://schemas.openxmlformats.org/package/2006/relationships",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
}
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    b"<Properties>&lol2;</Properties>"
)


def part(data: bytes, name: str) -> etree._Element:
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(name))


@pytest.fixture(scope="module")
def plain_docx() -> bytes:
    return docx_bytes("Hello world", "第二段")


def test_sniffed_as_docx(plain_docx: bytes) -> None:
    info = sniff_format(plain_docx)
    assert (info.kind, info.name) == (MediaKind.DOCUMENT, "docx")
    assert info.mime_type.endswith("wordprocessingml.document")
    with pytest.raises(UnsupportedFormat, match="ZIP archive"):
        sniff_format(zip_bytes({"a.txt": b"x"}))


def test_label_round_trip_registered_in_rels_and_content_types(plain_docx: bytes) -> None:
    out = DOCX.write_label(plain_docx, LABEL_JSON)
    props = part(out, "docProps/custom.xml").findall("cp:property", NS)
    assert [(p.get("name"), p.get("pid"), p.findtext("vt:lpwstr", namespaces=NS)) for p in props] == [
        ("AIGC", "2", LABEL_JSON)
    ]
    rels = part(out, "_rels/.rels").findall("r:Relationship", NS)
    custom = [r for r in rels if r.get("Type").endswith("/custom-properties")]
    assert [r.get("Target") for r in custom] == ["docProps/custom.xml"]
    assert len({r.get("Id") for r in rels}) == len(rels)
    overrides = {
        o.get("PartName"): o.get("ContentType") for o in part(out, "[Content_Types].xml").findall("ct:Override", NS)
    }
    assert overrides["/docProps/custom.xml"] == "application/vnd.openxmlformats-officedocument.custom-properties+xml"
    reopened = docx.Document(io.BytesIO(out))  # python-docx still opens it, text and core properties intact
    assert [p.text for p in reopened.paragraphs] == ["Hello world", "第二段"]
    assert reopened.core_properties.title == "t"
    [carrier] = DOCX.read_labels(out)
    assert (carrier.carrier, carrier.standard, carrier.notes, carrier.parsed.label) == (
        "docx:custom.xml:AIGC",
        True,
        (),
        LABEL,
    )


def test_update_in_place_keeps_other_properties_and_pid(plain_docx: bytes) -> None:
    existing = custom_xml(("2", "Client", "<vt:lpwstr>ACME &amp; Co</vt:lpwstr>"), ("5", "Pages", "<vt:i4>3</vt:i4>"))
    first = DOCX.write_label(DOCX.write_label(plain_docx, LABEL_JSON), LABEL_JSON)
    seeded = replace_member(first, "docProps/custom.xml", existing)
    added = DOCX.write_label(seeded, LABEL_JSON)
    props = part(added, "docProps/custom.xml").findall("cp:property", NS)
    assert [(p.get("name"), p.get("pid")) for p in props] == [("Client", "2"), ("Pages", "5"), ("AIGC", "6")]
    assert props[0].findtext("vt:lpwstr", namespaces=NS) == "ACME & Co"
    assert props[1].findtext("vt:i4", namespaces=NS) == "3"
    updated = DOCX.write_label(added, PLATFORM_LABEL.to_json())
    props = part(updated, "docProps/custom.xml").findall("cp:property", NS)
    assert [(p.get("name"), p.get("pid")) for p in props] == [("Client", "2"), ("Pages", "5"), ("AIGC", "6")]
    assert DOCX.read_labels(updated)[0].parsed.label == PLATFORM_LABEL
    rels = part(updated, "_rels/.rels").findall("r:Relationship", NS)
    assert sum(r.get("Type").endswith("/custom-properties") for r in rels) == 1


def test_producer_mistakes_are_flagged(plain_docx: bytes) -> None:
    labelled = DOCX.write_label(plain_docx, LABEL_JSON)
    mistakes = custom_xml(
        ("2", "AIGC", f"<vt:lpstr>{LABEL_JSON.replace('&', '&amp;')}</vt:lpstr>"),
        ("2", "aigc", "<vt:i4>1</vt:i4>"),
    )
    carriers = DOCX.read_labels(replace_member(labelled, "docProps/custom.xml", mistakes))
    assert [c.notes for c in carriers] == [
        ("duplicate-property", "duplicate-pid", "not-lpwstr:lpstr"),
        ("key-case", "duplicate-property", "duplicate-pid", "not-lpwstr:i4"),
    ]
    assert carriers[0].parsed.label == LABEL and carriers[1].parsed is None
    with pytest.raises(LabelConflict):
        DOCX.write_label(replace_member(labelled, "docProps/custom.xml", mistakes), LABEL_JSON)


def test_unregistered_custom_part_is_flagged_then_registered(plain_docx: bytes) -> None:
    data = replace_member(
        plain_docx, "docProps/custom.xml", custom_xml(("2", "AIGC", f"<vt:lpwstr>{'{}'}</vt:lpwstr>"))
    )
    [carrier] = DOCX.read_labels(data)
    assert carrier.notes == ("unregistered-part", "no-content-type") and not carrier.standard
    fixed = DOCX.read_labels(DOCX.write_label(data, LABEL_JSON))
    assert [(c.notes, c.standard) for c in fixed] == [((), True)]


def test_notice_paragraphs_and_text_with_paragraph_indices(plain_docx: bytes) -> None:
    out = DOCX.insert_notice(plain_docx, "本内容由AI生成", positions=(NoticePosition.START, NoticePosition.END))
    assert [p.text for p in docx.Document(io.BytesIO(out)).paragraphs] == [
        "本内容由AI生成",
        "Hello world",
        "第二段",
        "本内容由AI生成",
    ]
    body = part(out, "word/document.xml").find("w:body", NS)
    assert etree.QName(body[-1]).localname == "sectPr"  # section properties stay the body's last child
    extracted = DOCX.extract_text(out)
    assert extracted.text == "本内容由AI生成\nHello world\n第二段\n本内容由AI生成"
    assert [s.paragraph for s in extracted.segments] == [0, 1, 2, 3]
    assert extracted.segment_at(extracted.text.index("第二段")).paragraph == 2


def test_xlsx_and_pptx_take_the_custom_property_only() -> None:
    members = {
        "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>',
        "_rels/.rels": b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>',
        "xl/workbook.xml": b"<workbook/>",
        "xl/sharedStrings.xml": (
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            "<si><t>AI生成</t></si><si><r><t>a</t></r><r><t>b</t></r></si></sst>"
        ).encode(),
    }
    data = zip_bytes(members)
    assert sniff_format(data).name == "xlsx"
    xlsx = format_named("xlsx").container
    assert xlsx.read_labels(xlsx.write_label(data, LABEL_JSON))[0].parsed.label == LABEL
    assert xlsx.extract_text(data).text == "AI生成\nab"
    with pytest.raises(UnsupportedFormat):
        xlsx.insert_notice(data, "AI生成")


@pytest.mark.parametrize(
    ("member", "payload"),
    [
        ("docProps/custom.xml", BILLION_LAUGHS),
        ("docProps/custom.xml", b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><Properties/>'),
        ("_rels/.rels", BILLION_LAUGHS),
    ],
)
def test_hostile_xml_is_refused(plain_docx: bytes, member: str, payload: bytes) -> None:
    data = replace_member(plain_docx, member, payload)
    if member == "docProps/custom.xml":
        data = replace_member(DOCX.write_label(plain_docx, LABEL_JSON), member, payload)
    with pytest.raises(InvalidMedia) as caught:
        DOCX.read_labels(data)
    assert caught.value.reason == "HOSTILE_XML"


def test_hostile_document_xml_is_refused_before_editing(plain_docx: bytes) -> None:
    data = replace_member(plain_docx, "word/document.xml", BILLION_LAUGHS)
    for call in (lambda: DOCX.insert_notice(data, "AI生成"), lambda: DOCX.extract_text(data)):
        with pytest.raises(InvalidMedia) as caught:
            call()
        assert caught.value.reason == "HOSTILE_XML"


def test_zip_bomb_member_is_refused(plain_docx: bytes) -> None:
    bomb = replace_member(plain_docx, "word/media/zeros.bin", b"\x00" * (8 * 1024 * 1024))
    with pytest.raises(MediaTooLarge, match="zip bomb"):
        DOCX.read_labels(bomb)


def test_member_count_and_total_size_are_capped(plain_docx: bytes) -> None:
    with pytest.raises(MediaTooLarge, match="member count"):
        DOCX.read_labels(plain_docx, limits=MediaLimits(max_chunks=5))
    many = zip_bytes({"[Content_Types].xml": b"<Types/>", **{f"m{i}.bin": b"\x00" * 90_000 for i in range(10)}})
    with pytest.raises(MediaTooLarge, match="total uncompressed"):
        DOCX.read_labels(many, limits=MediaLimits(max_bytes=100_000))


def test_duplicate_members_and_garbage_zips_are_invalid(plain_docx: bytes) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, pytest.warns(UserWarning):
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("[Content_Types].xml", b"<Types/>")
    with pytest.raises(InvalidMedia, match="two zip members"):
        DOCX.read_labels(buffer.getvalue())
    with pytest.raises(InvalidMedia):
        DOCX.read_labels(plain_docx[: len(plain_docx) // 2])
    with pytest.raises(InvalidMedia, match="not an OOXML"):
        DOCX.read_labels(zip_bytes({"word/document.xml": b"<x/>"}))
