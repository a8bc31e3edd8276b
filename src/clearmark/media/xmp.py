"""An XMP packet as a document: parsed only with defusedxml, edited property by property, prefixes kept."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from io import BytesIO

import defusedxml.ElementTree as DefusedET
from defusedxml.common import DefusedXmlException

from clearmark.core.errors import InvalidMedia, InvalidRequest

NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_X = "adobe:ns:meta/"
NS_XMP = "http://ns.adobe.com/xap/1.0/"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_PHOTOSHOP = "http://ns.adobe.com/photoshop/1.0/"
NS_TC260 = "http://www.tc260.org.cn/ns/AIGC/1.0/"
NS_IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
NS_CLEARMARK = "https://clearmark.dev/ns/1.0/"
NS_XML = "http://www.w3.org/XML/1998/namespace"

KNOWN_PREFIXES: dict[str, str] = {
    NS_RDF: "rdf",
    NS_X: "x",
    NS_XMP: "xmp",
    NS_DC: "dc",
    NS_PHOTOSHOP: "photoshop",
    NS_TC260: "TC260",
    NS_IPTC_EXT: "Iptc4xmpExt",
    NS_CLEARMARK: "clearmark",
}
XPACKET_ID = "W5M0MpCehiHzreSzNTczkc9d"
MAX_DEPTH = 128

_DESCRIPTION = f"{{{NS_RDF}}}Description"
_RESOURCE = f"{{{NS_RDF}}}resource"
_ARRAYS = {f"{{{NS_RDF}}}{kind}" for kind in ("Alt", "Bag", "Seq")}
_LI = f"{{{NS_RDF}}}li"
_LANG = f"{{{NS_XML}}}lang"
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"}
)


class XmpDocument:
    """A mutable XMP document; unknown properties, whitespace and namespace prefixes survive edits."""

    def __init__(self, root: ET.Element, declarations: dict[ET.Element, list[tuple[str, str]]]) -> None:
        rdf = root if root.tag == f"{{{NS_RDF}}}RDF" else root.find(f".//{{{NS_RDF}}}RDF")
        if rdf is None:
            raise InvalidMedia("XML packet has no rdf:RDF element, so it is not XMP", reason="NOT_XMP")
        self._root = root
        self._rdf = rdf
        self._declarations = declarations
        self._preferred = dict(KNOWN_PREFIXES)
        for decls in declarations.values():
            for prefix, uri in decls:
                if prefix:
                    self._preferred.setdefault(uri, prefix)

    @classmethod
    def parse(cls, packet: bytes) -> XmpDocument:
        """Parse a packet (with or without its ``<?xpacket?>`` wrapper).

        Raises:
            InvalidMedia: reason ``HOSTILE_XML`` for DTDs, entity declarations or external
                references; ``MALFORMED_XML`` for anything not well-formed; ``NOT_XMP`` when no
                ``rdf:RDF`` is present.
        """
        body = packet if packet[:2] in (b"\xff\xfe", b"\xfe\xff") else packet.rstrip(b"\x00")
        declarations: dict[ET.Element, list[tuple[str, str]]] = {}
        pending: list[tuple[str, str]] = []
        depth = 0
        try:
            events = DefusedET.iterparse(BytesIO(body), events=("start-ns", "start", "end"), forbid_dtd=True)
            for event, item in events:
                if event == "start-ns":
                    pending.append(item)
                elif event == "start":
                    depth += 1
                    if depth > MAX_DEPTH:
                        raise InvalidMedia(f"XMP nests deeper than {MAX_DEPTH} elements", reason="MALFORMED_XML")
                    if pending:
                        declarations[item], pending = pending, []
                else:
                    depth -= 1
            root = events.root  # type: ignore[attr-defined]
        except DefusedXmlException as exc:
            raise InvalidMedia(
                f"XMP packet uses a forbidden XML feature ({type(exc).__name__})", reason="HOSTILE_XML"
            ) from None
        except (ET.ParseError, ValueError, LookupError) as exc:
            raise InvalidMedia(f"XMP packet is not well-formed XML: {exc}", reason="MALFORMED_XML") from None
        return cls(root, declarations)

    @classmethod
    def empty(cls) -> XmpDocument:
        """A document with one empty ``rdf:Description``."""
        root = ET.Element(f"{{{NS_X}}}xmpmeta")
        rdf = ET.SubElement(root, f"{{{NS_RDF}}}RDF")
        description = ET.SubElement(rdf, _DESCRIPTION, {f"{{{NS_RDF}}}about": ""})
        root.text, rdf.text, description.tail, rdf.tail = "\n ", "\n  ", "\n ", "\n"
        return cls(root, {root: [("x", NS_X)], rdf: [("rdf", NS_RDF)]})

    def get(self, ns_uri: str, name: str) -> str | None:
        """The first value of a top-level property, or None when absent (x-default wins for Alt)."""
        values = self.get_all(ns_uri, name)
        return values[0] if values else None

    def get_all(self, ns_uri: str, name: str) -> list[str]:
        """Every value of a top-level property in document order: one per occurrence, arrays expanded."""
        tag = f"{{{ns_uri}}}{name}"
        values: list[str] = []
        for description in self._descriptions():
            if tag in description.attrib:
                values.append(description.attrib[tag])
            for element in description.findall(tag):
                values.extend(_element_values(element))
        return values

    def get_local(self, name: str) -> list[tuple[str, str]]:
        """``(namespace, value)`` of every top-level property called ``name`` in any namespace."""
        found: list[tuple[str, str]] = []
        for description in self._descriptions():
            for key, value in description.attrib.items():
                if key.startswith("{") and key.rpartition("}")[2] == name:
                    found.append((key[1:].partition("}")[0], value))
            for element in description:
                if isinstance(element.tag, str) and element.tag.rpartition("}")[2] == name:
                    found.extend((element.tag[1:].partition("}")[0], v) for v in _element_values(element))
        return found

    def set(self, ns_uri: str, name: str, value: str) -> None:
        """Set a simple property in place (attribute or element form as found) or add it as an element.

        Raises:
            InvalidRequest: ``value`` holds characters XML cannot carry.
        """
        if _NOT_XML_CHAR.search(value):
            raise InvalidRequest(f"value of {name} holds characters XML 1.0 cannot carry")
        tag = f"{{{ns_uri}}}{name}"
        descriptions = self._descriptions()
        for description in descriptions:
            if tag in description.attrib:
                description.attrib[tag] = value
                return
            element = description.find(tag)
            if element is not None:
                _set_element_value(element, value)
                return
        if descriptions:
            description = descriptions[0]
        else:
            description = ET.SubElement(self._rdf, _DESCRIPTION, {f"{{{NS_RDF}}}about": ""})
        self._declare(description, ns_uri)
        _append_indented(description, ET.Element(tag)).text = value

    def to_packet(self, *, padding: int = 2048) -> bytes:
        """The document as a UTF-8 packet inside an ``<?xpacket?>`` wrapper with writable padding."""
        parts = [f'<?xpacket begin="\ufeff" id="{XPACKET_ID}"?>\n']
        self._write(self._root, {"xml": NS_XML}, parts)
        parts.append("\n")
        parts.extend(" " * 99 + "\n" for _ in range(padding // 100))
        parts.append('<?xpacket end="w"?>')
        return "".join(parts).encode("utf-8")

    def _descriptions(self) -> list[ET.Element]:
        return self._rdf.findall(_DESCRIPTION)

    def _declare(self, description: ET.Element, uri: str) -> None:
        """Declare ``uri`` on a top-level rdf:Description unless a prefix for it is already in scope there."""
        parents = {child: parent for parent in self._root.iter() for child in parent}
        path = [description]
        while path[-1] in parents:
            path.append(parents[path[-1]])
        scope = {prefix: bound for element in reversed(path) for prefix, bound in self._declarations.get(element, ())}
        if any(bound == uri for prefix, bound in scope.items() if prefix):
            return
        preferred = self._preferred.get(uri)
        prefix = preferred if preferred and preferred not in scope else _fresh_prefix(scope)
        self._declarations.setdefault(description, []).append((prefix, uri))

    def _write(self, element: ET.Element, scope: dict[str, str], parts: list[str]) -> None:
        declared = list(self._declarations.get(element, ()))
        scope = {**scope, **dict(declared)}
        name = self._qualify(element.tag, scope, declared, attribute=False)
        attributes = [
            (self._qualify(key, scope, declared, attribute=True), value) for key, value in element.attrib.items()
        ]
        parts.append(f"<{name}")
        for prefix, uri in declared:
            parts.append(
                f' xmlns:{prefix}="{uri.translate(_ATTR_ESCAPES)}"'
                if prefix
                else f' xmlns="{uri.translate(_ATTR_ESCAPES)}"'
            )
        parts.extend(f' {key}="{value.translate(_ATTR_ESCAPES)}"' for key, value in attributes)
        if element.text is None and len(element) == 0:
            parts.append("/>")
        else:
            parts.append(">" + (element.text or "").translate(_TEXT_ESCAPES))
            for child in element:
                self._write(child, scope, parts)
            parts.append(f"</{name}>")
        parts.append((element.tail or "").translate(_TEXT_ESCAPES))

    def _qualify(self, tag: str, scope: dict[str, str], declared: list[tuple[str, str]], *, attribute: bool) -> str:
        """The prefixed name of ``tag``; declares a prefix on this element when none is in scope."""
        if not tag.startswith("{"):
            if not attribute and scope.get(""):
                scope[""] = ""
                declared.append(("", ""))
            return tag
        uri, local = tag[1:].split("}", 1)
        candidates = [prefix for prefix, bound in scope.items() if bound == uri and (prefix or not attribute)]
        preferred = self._preferred.get(uri)
        if candidates:
            prefix = preferred if preferred in candidates else candidates[-1]
        else:
            prefix = preferred if preferred and preferred not in scope else _fresh_prefix(scope)
            scope[prefix] = uri
            declared.append((prefix, uri))
        return f"{prefix}:{local}" if prefix else local


def _fresh_prefix(scope: dict[str, str]) -> str:
    index = 1
    while f"ns{index}" in scope:
        index += 1
    return f"ns{index}"


def _element_values(element: ET.Element) -> list[str]:
    """Values of one property element: its text, its rdf:resource, or the items of its array."""
    if _RESOURCE in element.attrib:
        return [element.attrib[_RESOURCE]]
    if len(element) == 0:
        return [element.text or ""]
    array = element[0] if element[0].tag in _ARRAYS else None
    if array is None:
        return []  # a struct: not a simple value
    items = array.findall(_LI)
    items.sort(key=lambda item: item.get(_LANG) != "x-default")
    return [item.text or "" for item in items if len(item) == 0]


def _set_element_value(element: ET.Element, value: str) -> None:
    array = element[0] if len(element) and element[0].tag in _ARRAYS else None
    items = array.findall(_LI) if array is not None else []
    if items:
        chosen = next((item for item in items if item.get(_LANG) == "x-default"), items[0])
        chosen.text = value
        return
    for child in list(element):
        element.remove(child)
    element.attrib.pop(_RESOURCE, None)
    element.text = value


def _append_indented(parent: ET.Element, child: ET.Element) -> ET.Element:
    """Append ``child`` using the indentation its new siblings already use (three spaces if none)."""
    if len(parent):
        last = parent[-1]
        child.tail, last.tail = last.tail, parent.text
    else:
        parent.text, child.tail = "\n   ", "\n  "
    parent.append(child)
    return child
