"""XmpDocument: defused parsing, property reads in every form, in-place edits, prefix-preserving output."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearmark.core.errors import InvalidMedia, InvalidRequest
from clearmark.media import NS_CLEARMARK, NS_DC, NS_IPTC_EXT, NS_TC260, NS_XMP, XmpDocument
from tests.media.samples import LABEL_JSON, TITLED_XMP, xmp_packet

NS_CUSTOM = "http://example.com/ns/custom/1.0/"
PHOTOSHOP_STYLE = b"""<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 9.1">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Editor 1.0"
    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
    Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"/>
  <rdf:Description rdf:about="" xmlns:my="http://example.com/ns/custom/1.0/">
   <my:Note>kept &amp; untouched</my:Note>
   <my:Link rdf:resource="https://example.com/a"/>
   <my:Keywords><rdf:Bag><rdf:li>one</rdf:li><rdf:li>two</rdf:li></rdf:Bag></my:Keywords>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>"""


def reparse(document: XmpDocument) -> XmpDocument:
    return XmpDocument.parse(document.to_packet())


def test_reads_attribute_element_resource_and_array_forms() -> None:
    doc = XmpDocument.parse(PHOTOSHOP_STYLE)
    assert doc.get(NS_XMP, "CreatorTool") == "Editor 1.0"
    assert doc.get(NS_IPTC_EXT, "DigitalSourceType").endswith("/trainedAlgorithmicMedia")
    assert doc.get(NS_CUSTOM, "Note") == "kept & untouched"
    assert doc.get(NS_CUSTOM, "Link") == "https://example.com/a"
    assert doc.get_all(NS_CUSTOM, "Keywords") == ["one", "two"]
    assert doc.get(NS_TC260, "AIGC") is None


def test_lang_alt_prefers_x_default() -> None:
    doc = XmpDocument.parse(
        xmp_packet(
            '<dc:title><rdf:Alt><rdf:li xml:lang="en">English</rdf:li>'
            '<rdf:li xml:lang="x-default">Default</rdf:li></rdf:Alt></dc:title>'
        )
    )
    assert doc.get(NS_DC, "title") == "Default"
    doc.set(NS_DC, "title", "New")
    assert reparse(doc).get_all(NS_DC, "title") == ["New", "English"]


def test_get_all_sees_duplicates_across_descriptions_and_forms() -> None:
    packet = xmp_packet(f"<TC260:AIGC>{LABEL_JSON.replace('&', '&amp;')}</TC260:AIGC>").replace(
        b"</rdf:RDF>",
        b'<rdf:Description rdf:about="" xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/" TC260:AIGC="x"/></rdf:RDF>',
    )
    doc = XmpDocument.parse(packet)
    assert doc.get_all(NS_TC260, "AIGC") == [LABEL_JSON, "x"]


def test_set_updates_attribute_in_place() -> None:
    doc = XmpDocument.parse(PHOTOSHOP_STYLE)
    doc.set(NS_XMP, "CreatorTool", "ClearMark")
    packet = doc.to_packet()
    assert b'xmp:CreatorTool="ClearMark"' in packet
    assert reparse(doc).get_all(NS_XMP, "CreatorTool") == ["ClearMark"]


def test_set_updates_element_in_place_and_replaces_resource() -> None:
    doc = XmpDocument.parse(PHOTOSHOP_STYLE)
    doc.set(NS_CUSTOM, "Note", "changed")
    doc.set(NS_CUSTOM, "Link", "plain")
    again = reparse(doc)
    assert (again.get(NS_CUSTOM, "Note"), again.get(NS_CUSTOM, "Link")) == ("changed", "plain")


def test_set_adds_element_to_first_description_with_known_prefix() -> None:
    doc = XmpDocument.parse(PHOTOSHOP_STYLE)
    doc.set(NS_TC260, "AIGC", LABEL_JSON)
    doc.set(NS_CLEARMARK, "Notice", "AI生成")
    packet = doc.to_packet()
    assert b'xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/"' in packet
    assert b"<TC260:AIGC>{&quot;" not in packet  # text is escaped for XML only where needed
    assert b'<TC260:AIGC>{"Label":"1"' in packet
    assert b"<clearmark:Notice>AI\xe7\x94\x9f\xe6\x88\x90</clearmark:Notice>" in packet
    again = XmpDocument.parse(packet)
    assert again.get(NS_TC260, "AIGC") == LABEL_JSON
    assert again.get(NS_CLEARMARK, "Notice") == "AI生成"


def test_every_other_property_and_prefix_survives() -> None:
    doc = XmpDocument.parse(PHOTOSHOP_STYLE)
    doc.set(NS_TC260, "AIGC", LABEL_JSON)
    packet = doc.to_packet()
    for fragment in (
        b'x:xmptk="Adobe XMP Core 9.1"',
        b"xmlns:my=",
        b"<my:Note>kept &amp; untouched</my:Note>",
        b'<my:Link rdf:resource="https://example.com/a"/>',
        b"<rdf:li>two</rdf:li>",
        b"xmlns:Iptc4xmpExt=",
    ):
        assert fragment in packet
    assert b"ns0:" not in packet and b"xmlns:ns" not in packet


def test_unknown_namespace_gets_a_fresh_prefix_without_clashing() -> None:
    doc = XmpDocument.parse(xmp_packet(""))
    doc.set("urn:other", "Thing", "1")
    doc.set("urn:another", "Thing", "2")
    again = reparse(doc)
    assert (again.get("urn:other", "Thing"), again.get("urn:another", "Thing")) == ("1", "2")


def test_known_prefix_already_bound_elsewhere_is_not_reused() -> None:
    packet = xmp_packet("").replace(
        b'xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/"', b'xmlns:TC260="urn:impostor"'
    )
    doc = XmpDocument.parse(packet)
    doc.set(NS_TC260, "AIGC", LABEL_JSON)
    again = reparse(doc)
    assert again.get(NS_TC260, "AIGC") == LABEL_JSON
    assert again.get("urn:impostor", "AIGC") is None


def test_empty_document_and_packet_wrapper() -> None:
    doc = XmpDocument.empty()
    doc.set(NS_TC260, "AIGC", LABEL_JSON)
    packet = doc.to_packet()
    assert packet.startswith('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'.encode())
    assert packet.endswith(b'<?xpacket end="w"?>')
    assert reparse(doc).get(NS_TC260, "AIGC") == LABEL_JSON


def test_parses_bare_rdf_and_trailing_nuls() -> None:
    doc = XmpDocument.parse(
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:a="urn:a" a:b="c"/></rdf:RDF>\x00\x00'
    )
    assert doc.get("urn:a", "b") == "c"
    doc.set("urn:a", "d", "e")
    assert reparse(doc).get("urn:a", "d") == "e"


def test_rdf_without_description_gets_one() -> None:
    doc = XmpDocument.parse(b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
    doc.set(NS_TC260, "AIGC", "v")
    assert reparse(doc).get(NS_TC260, "AIGC") == "v"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&lol9;</dc:title></rdf:Description>
</rdf:RDF></x:xmpmeta>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description>&xxe;</rdf:Description></rdf:RDF>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?><!DOCTYPE rdf:RDF SYSTEM "http://attacker.example/evil.dtd">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>"""
PLAIN_DOCTYPE = b"""<!DOCTYPE rdf:RDF><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>"""


@pytest.mark.parametrize(
    "packet",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PLAIN_DOCTYPE],
    ids=["billion-laughs", "external-entity", "external-dtd", "doctype"],
)
def test_hostile_xml_is_refused_quickly(packet: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidMedia) as caught:
        XmpDocument.parse(packet)
    assert caught.value.reason == "HOSTILE_XML"
    assert time.perf_counter() - started < 0.5
    assert "root:" not in caught.value.message


@pytest.mark.parametrize(
    ("packet", "reason"),
    [
        (b"", "MALFORMED_XML"),
        (b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><unclosed>", "MALFORMED_XML"),
        (b"<a>&undefined;</a>", "MALFORMED_XML"),
        (b"<p:a/>", "MALFORMED_XML"),  # unbound prefix
        (b'<?xml version="1.0" encoding="no-such-encoding"?><a/>', "MALFORMED_XML"),
        (b"<a>" * 200 + b"</a>" * 200, "MALFORMED_XML"),  # nesting bomb
        (b"<just-xml/>", "NOT_XMP"),
    ],
)
def test_malformed_xml_is_invalid_media(packet: bytes, reason: str) -> None:
    with pytest.raises(InvalidMedia) as caught:
        XmpDocument.parse(packet)
    assert caught.value.reason == reason


def test_value_xml_cannot_carry_is_refused() -> None:
    with pytest.raises(InvalidRequest):
        XmpDocument.empty().set(NS_TC260, "AIGC", "bad\x00value")


def test_existing_titled_packet_round_trips() -> None:
    doc = XmpDocument.parse(TITLED_XMP)
    doc.set(NS_TC260, "AIGC", LABEL_JSON)
    again = reparse(doc)
    assert again.get(NS_DC, "title") == "Sunset"
    assert again.get(NS_XMP, "CreatorTool") == "PaintTool"


_XML_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff", min_codepoint=0x09).filter(
        lambda ch: ch >= " " or ch in "\t\n\r"
    ),
    max_size=80,
)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(value=_XML_TEXT, as_attribute=st.booleans())
def test_any_value_round_trips_unchanged(value: str, as_attribute: bool) -> None:
    body = 'TC260:AIGC="seed"' if as_attribute else ""
    doc = XmpDocument.parse(xmp_packet("").replace(b'xmp:CreatorTool="PaintTool"', body.encode()))
    doc.set(NS_TC260, "AIGC", value)
    doc.set(NS_CLEARMARK, "Notice", value)
    again = reparse(doc)
    assert again.get(NS_TC260, "AIGC") == value
    assert again.get(NS_CLEARMARK, "Notice") == value
