"""GB 45438 label forms other implementations write, each read (and flagged where it does not conform).

Byte forms are made the way those implementations make them: XMP written as attribute or element,
with or without the xpacket wrapper and quotes escaped or not (Java and Dart writers found with the
search tool build the packet as a string), libxmp/exempi's serialisation (``cntc260``), PNG text
chunks holding UTF-8, EXIF UserComment with and without its charset prefix, ``omitempty`` JSON.
"""

from __future__ import annotations

import json

import pytest

from clearmark.media import NS_TC260
from tests.media.samples import (
    LABEL,
    LABEL_JSON,
    png_with_text,
    read_metadata,
    rgb,
    save,
    user_comment_exif,
    with_exif,
    with_xmp,
)

ESCAPED = LABEL_JSON.replace('"', "&quot;")
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def packet(description: str, *, wrapper: bool = True, bom: bool = False, ns: str = NS_TC260) -> bytes:
    body = (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}">'
        f'<rdf:Description rdf:about="" xmlns:TC260="{ns}"{description}</rdf:Description></rdf:RDF></x:xmpmeta>'
    )
    if wrapper:
        body = f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>{body}<?xpacket end="w"?>'
    return (("\ufeff" if bom else "") + body).encode()


def attribute_form(value: str) -> str:
    return f' TC260:AIGC="{value}">'


def element_form(value: str) -> str:
    return f"><TC260:AIGC>{value}</TC260:AIGC>"


XMP_FORMS = {
    "element-escaped": packet(element_form(ESCAPED)),
    "element-raw-quotes": packet(element_form(LABEL_JSON)),
    "attribute-escaped": packet(attribute_form(ESCAPED)),
    "attribute-apos-quoted": packet(" TC260:AIGC='" + LABEL_JSON + "'>"),
    "no-xpacket-wrapper": packet(element_form(ESCAPED), wrapper=False),
    "bom-before-packet": packet(element_form(ESCAPED), wrapper=False, bom=True),
    "xml-declaration": b'<?xml version="1.0" encoding="UTF-8"?>' + packet(element_form(ESCAPED), wrapper=False),
}


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp"])
@pytest.mark.parametrize("form", XMP_FORMS, ids=list(XMP_FORMS))
def test_xmp_forms_are_read(fmt: str, form: str) -> None:
    [carrier] = read_metadata(with_xmp(fmt, XMP_FORMS[form])).label_carriers
    assert carrier.parsed is not None and carrier.parsed.label == LABEL
    assert carrier.standard


def test_a_tc260_prefix_on_a_wrong_namespace_is_read_and_flagged() -> None:
    wrong = packet(element_form(ESCAPED), ns="http://www.tc260.org.cn/ns/AIGC/1.0")  # no trailing slash
    [carrier] = read_metadata(with_xmp("jpeg", wrong)).label_carriers
    assert carrier.parsed is not None and carrier.parsed.label == LABEL
    assert not carrier.standard and "wrong-namespace" in carrier.notes


@pytest.mark.parametrize("kind", ["tEXt", "zTXt", "iTXt"])
def test_png_text_chunks_holding_utf8_are_decoded_as_utf8(kind: str) -> None:
    fields = json.loads(LABEL.with_propagator("某平台", "上传-42").to_json())
    chinese = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    data = png_with_text(kind, "AIGC", chinese) if kind == "iTXt" else _png_utf8_text(kind, chinese)
    [carrier] = read_metadata(data).label_carriers
    assert carrier.parsed is not None and carrier.parsed.label.content_propagator == "某平台"


def _png_utf8_text(kind: str, text: str) -> bytes:
    """A tEXt/zTXt chunk whose text is UTF-8 bytes (what most writers do, though the spec says Latin-1)."""
    import struct
    import zlib

    data = save(rgb(), "png")
    payload = b"AIGC\x00" + (b"\x00" + zlib.compress(text.encode()) if kind == "zTXt" else text.encode())
    chunk = struct.pack(">I", len(payload)) + kind.encode() + payload
    chunk += struct.pack(">I", zlib.crc32(kind.encode() + payload))
    at = data.index(b"IDAT") - 4
    return data[:at] + chunk + data[at:]


@pytest.mark.parametrize(
    "comment",
    [
        pytest.param(b"ASCII\x00\x00\x00" + json.dumps({"AIGC": json.loads(LABEL_JSON)}).encode(), id="ascii-wrapped"),
        pytest.param(b"UNICODE\x00" + json.dumps({"AIGC": json.loads(LABEL_JSON)}).encode("utf-16-le"), id="unicode"),
        pytest.param(json.dumps({"AIGC": json.loads(LABEL_JSON)}).encode(), id="no-charset-prefix-wrapped"),
        pytest.param(b"ASCII\x00\x00\x00" + LABEL_JSON.encode(), id="ascii-bare"),
        pytest.param(LABEL_JSON.encode(), id="no-charset-prefix-bare"),
    ],
)
def test_exif_user_comment_forms(comment: bytes) -> None:
    [carrier] = read_metadata(with_exif("jpeg", user_comment_exif(comment))).label_carriers
    assert carrier.parsed is not None and carrier.parsed.label == LABEL


def test_omitempty_and_non_string_values_are_read_and_flagged() -> None:
    omitted = json.dumps(
        {"Label": "1", "ContentProducer": LABEL.content_producer, "ProduceID": "gen-0001", "ReservedCode1": 7}
    )
    [carrier] = read_metadata(with_xmp("png", packet(element_form(omitted.replace('"', "&quot;"))))).label_carriers
    parsed = carrier.parsed
    assert parsed is not None and parsed.label.produce_id == "gen-0001"
    assert parsed.non_string_keys == ("ReservedCode1",) and parsed.label.reserved_code1 == "7"
    assert set(parsed.keys_in_order) == {"Label", "ContentProducer", "ProduceID", "ReservedCode1"}


def test_a_bare_aigc_blob_in_a_jpeg_appn_segment_is_read() -> None:
    import struct

    data = save(rgb(), "jpeg")
    payload = b"AIGC" + LABEL_JSON.encode()
    segment = b"\xff\xeb" + struct.pack(">H", len(payload) + 2) + payload  # APP11, as one producer writes it
    blob = data[:2] + segment + data[2:]
    [carrier] = read_metadata(blob).label_carriers
    assert carrier.parsed is not None and carrier.parsed.label == LABEL and not carrier.standard


def test_a_non_standard_xmp_header_in_jpeg_is_read_and_flagged() -> None:
    import struct

    data = save(rgb(), "jpeg")
    payload = b"XMP\x00XMP\x00" + packet(element_form(ESCAPED))
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    [carrier] = read_metadata(data[:2] + segment + data[2:]).label_carriers
    assert carrier.parsed is not None and carrier.parsed.label == LABEL
    assert not carrier.standard and "nonstandard-xmp-header" in carrier.notes


def test_label_never_adds_a_second_label_beside_a_misbound_one() -> None:
    from clearmark.core.errors import LabelConflict
    from tests.media.samples import PLATFORM_JSON, write_label

    wrong = with_xmp("png", packet(element_form(ESCAPED), ns="http://www.tc260.org.cn/ns/AIGC/1.0"))
    [carrier] = read_metadata(wrong).label_carriers
    with pytest.raises(LabelConflict):
        write_label(wrong, PLATFORM_JSON, target=carrier)


@pytest.mark.parametrize("form", ["no-charset-prefix-bare", "ascii-bare"])
def test_propagator_fields_keep_the_bare_form_of_a_user_comment(form: str) -> None:
    from tests.media.samples import PLATFORM_JSON, write_label

    comment = LABEL_JSON.encode() if form.startswith("no-") else b"ASCII\x00\x00\x00" + LABEL_JSON.encode()
    data = with_exif("jpeg", user_comment_exif(comment))
    [carrier] = read_metadata(data).label_carriers
    [updated] = read_metadata(write_label(data, PLATFORM_JSON, target=carrier)).label_carriers
    assert updated.raw_text == PLATFORM_JSON  # bare stays bare
