"""An OOXML (OPC) package opened defensively: zip-bomb caps, defused XML only, and rewriting with parts replaced."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import defusedxml.ElementTree as DefusedET
from defusedxml.common import DefusedXmlException

from clearmark.core.errors import InvalidMedia, MediaTooLarge, UnsupportedFormat
from clearmark.media.limits import MediaLimits, check_media_size, enforce_limit

NS_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
)
# A deflate stream cannot exceed ~1032:1; XML of real documents stays far below 100:1.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_FROM = 1024 * 1024  # small members may compress arbitrarily well without harm
TOTAL_UNCOMPRESSED_FACTOR = 4  # whole package, in multiples of limits.max_bytes
_COPY_CHUNK = 1024 * 1024
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def parse_xml(raw: bytes, what: str) -> ET.Element:
    """Parse untrusted XML with defusedxml: no DTD, no entities, no external references.

    Raises:
        InvalidMedia: reason ``HOSTILE_XML`` for DTDs/entities, ``MALFORMED_XML`` otherwise.
    """
    try:
        return DefusedET.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise InvalidMedia(
            f"{what} uses a DTD or entity declarations ({type(exc).__name__})", reason="HOSTILE_XML"
        ) from None
    except (ET.ParseError, ValueError, LookupError, RecursionError) as exc:
        raise InvalidMedia(f"{what} is not well-formed XML: {exc}", reason="MALFORMED_XML") from None


def iterparse_xml(raw: bytes, what: str) -> Iterator[tuple[str, ET.Element]]:
    """Streaming ``(event, element)`` pairs (start and end) of untrusted XML, defused like ``parse_xml``."""
    try:
        yield from DefusedET.iterparse(io.BytesIO(raw), events=("start", "end"), forbid_dtd=True)
    except DefusedXmlException as exc:
        raise InvalidMedia(
            f"{what} uses a DTD or entity declarations ({type(exc).__name__})", reason="HOSTILE_XML"
        ) from None
    except (ET.ParseError, ValueError, LookupError, RecursionError) as exc:
        raise InvalidMedia(f"{what} is not well-formed XML: {exc}", reason="MALFORMED_XML") from None


def xml_text(raw: bytes, what: str) -> tuple[str, str]:
    """Decode an XML part for text-level edits: ``(text, encoding)``, UTF-8 or UTF-16 with BOM."""
    try:
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return raw.decode("utf-16"), "utf-16"
        return raw.decode("utf-8-sig" if raw[:3] == b"\xef\xbb\xbf" else "utf-8"), "utf-8"
    except UnicodeDecodeError:
        raise InvalidMedia(f"{what} is neither UTF-8 nor UTF-16", reason="MALFORMED_XML") from None


def escape_text(value: str) -> str:
    """XML character data / attribute value escaping."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def insert_before_close(text: str, root_local: str, fragment: str, what: str) -> str:
    """``fragment`` inserted before the last ``</[prefix:]root_local>`` closing tag."""
    matches = list(re.finditer(rf"</(?:[\w.-]+:)?{root_local}\s*>", text))
    if not matches:
        raise InvalidMedia(f"{what} has no closing </{root_local}> tag", reason="MALFORMED_XML")
    at = matches[-1].start()
    return text[:at] + fragment + text[at:]


@dataclass(frozen=True)
class Relationship:
    """One package-level relationship of ``_rels/.rels``."""

    id: str
    type: str
    target: str  # resolved part name, no leading slash


class Package:
    """A zip container checked against bombs before any member is inflated.

    Raises (constructor):
        InvalidMedia: not a readable zip, duplicate member names, no ``[Content_Types].xml``.
        MediaTooLarge: too many members, too much declared uncompressed data, an implausible ratio.
        UnsupportedFormat: encrypted members or a compression method other than stored/deflate.
    """

    def __init__(self, data: bytes, limits: MediaLimits, what: str) -> None:
        check_media_size(data, limits)
        self.limits = limits
        self.what = what
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, NotImplementedError) as exc:
            raise InvalidMedia(f"{what} is not a readable zip package: {exc}", reason="MALFORMED_ZIP") from None
        enforce_limit("max_chunks", len(infos), limits.max_chunks, what=f"{what}: zip member count")
        names: set[str] = set()
        total = 0
        for info in infos:
            if info.filename in names:
                raise InvalidMedia(f"{what} holds two zip members named {info.filename!r}", reason="MALFORMED_ZIP")
            names.add(info.filename)
            if info.flag_bits & 0x1:
                raise UnsupportedFormat(f"{what} member {info.filename!r} is encrypted", reason="ENCRYPTED")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise UnsupportedFormat(
                    f"{what} member {info.filename!r} uses zip compression method {info.compress_type}",
                    reason="UNSUPPORTED_COMPRESSION",
                )
            enforce_limit("max_bytes", info.file_size, limits.max_bytes, what=f"{what} member {info.filename!r}")
            if info.file_size > RATIO_CHECK_FROM and info.file_size > MAX_COMPRESSION_RATIO * max(
                1, info.compress_size
            ):
                raise MediaTooLarge(
                    f"{what} member {info.filename!r} inflates {info.compress_size} bytes to {info.file_size} "
                    f"(ratio above {MAX_COMPRESSION_RATIO}): refused as a zip bomb",
                    reason="MEDIA_TOO_LARGE",
                )
            total += info.file_size
        limit = TOTAL_UNCOMPRESSED_FACTOR * limits.max_bytes
        enforce_limit("4*max_bytes", total, limit, what=f"{what}: total uncompressed size")
        self.infos = infos
        self.names = names
        if "[Content_Types].xml" not in names:
            raise InvalidMedia(f"{what} has no [Content_Types].xml, so it is not an OOXML package", reason="NOT_OOXML")

    def read(self, name: str, cap: int | None = None) -> bytes:
        """One member's bytes, never inflating more than ``cap`` (default ``limits.max_bytes``).

        Raises:
            InvalidMedia: a corrupt member (CRC, deflate, truncation) or a missing one.
            MediaTooLarge: the member inflates past ``cap``.
        """
        cap = self.limits.max_bytes if cap is None else cap
        try:
            with self.zip.open(name) as member:
                raw = member.read(cap + 1)
        except KeyError:
            raise InvalidMedia(f"{self.what} has no part {name!r}", reason="MISSING_PART") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise InvalidMedia(f"{self.what} part {name!r} is corrupt: {exc}", reason="MALFORMED_ZIP") from None
        enforce_limit("cap", len(raw), cap, what=f"{self.what} part {name!r}")
        return raw

    def read_xml(self, name: str, cap: int | None = None) -> ET.Element:
        """One member parsed with defused XML."""
        return parse_xml(self.read(name, cap), f"{self.what} part {name!r}")

    def relationships(self) -> list[Relationship]:
        """The package relationships (``_rels/.rels``); empty when the part is absent."""
        if "_rels/.rels" not in self.names:
            return []
        root = self.read_xml("_rels/.rels", self.limits.max_metadata_bytes)
        rels = []
        for element in root.iter(f"{{{NS_RELS}}}Relationship"):
            if element.get("TargetMode") == "External":
                continue
            target = element.get("Target", "")
            rels.append(Relationship(element.get("Id", ""), element.get("Type", ""), target.lstrip("/")))
        return rels

    def content_type_overrides(self) -> dict[str, str]:
        """``PartName`` (no leading slash) -> content type, from ``[Content_Types].xml`` overrides."""
        root = self.read_xml("[Content_Types].xml", self.limits.max_metadata_bytes)
        return {
            element.get("PartName", "").lstrip("/"): element.get("ContentType", "")
            for element in root.iter(f"{{{NS_CONTENT_TYPES}}}Override")
        }

    def main_part(self, default: str) -> str:
        """The office document part named by the package relationships, or ``default``."""
        for rel in self.relationships():
            if rel.type in REL_OFFICE_DOCUMENT and rel.target in self.names:
                return rel.target
        return default

    def rewrite(self, replacements: dict[str, bytes], additions: dict[str, bytes]) -> bytes:
        """A new zip: every member in order (replaced ones with new bytes), then the additions.

        Untouched members are re-deflated from a bounded stream; names, order, times and
        compression methods are kept.
        """
        out = io.BytesIO()
        try:
            with zipfile.ZipFile(out, "w", allowZip64=True) as target:
                for info in self.infos:
                    copy = zipfile.ZipInfo(info.filename, info.date_time)
                    copy.compress_type = info.compress_type
                    copy.external_attr = info.external_attr
                    copy.create_system = info.create_system
                    copy.comment = info.comment
                    if info.filename in replacements:
                        target.writestr(copy, replacements[info.filename])
                        continue
                    with (
                        self.zip.open(info) as source,
                        target.open(copy, "w", force_zip64=info.file_size > 2**31) as sink,
                    ):
                        while chunk := source.read(_COPY_CHUNK):
                            sink.write(chunk)
                for name, payload in additions.items():
                    info = zipfile.ZipInfo(name, _FIXED_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    target.writestr(info, payload)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise InvalidMedia(f"{self.what} has a corrupt member: {exc}", reason="MALFORMED_ZIP") from None
        return out.getvalue()
