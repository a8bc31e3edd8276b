"""The notice font for PDF: the bundled CJK font subset to the notice's glyphs, embedded as a Type0 CIDFont.

The bundled OTF is CID-keyed CFF (ROS Adobe-Identity-0), so its CFF table goes into ``/FontFile3``
with subtype ``CIDFontType0C`` under a ``CIDFontType0`` descendant; codes are 2-byte CIDs
(``Identity-H``) and a ToUnicode CMap makes the text extractable. fontTools does the subsetting
(imported lazily: only PDF notices need it).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
)

from clearmark.core.errors import InvalidRequest
from clearmark.media.documents.pdf_update import PdfUpdate, flate_stream, pdf_string
from clearmark.notice.font import load_notice_font


@dataclass(frozen=True)
class SubsetFont:
    """A subset of the notice font covering one text: CFF bytes, CID per character, metrics in 1/1000 em."""

    cff: bytes
    base_name: str
    cids: dict[str, int]
    widths: dict[int, int]
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int

    def encode(self, text: str) -> bytes:
        """The 2-byte Identity-H codes of ``text``."""
        return b"".join(self.cids[ch].to_bytes(2, "big") for ch in text)

    def width(self, text: str, size: float) -> float:
        """The advance width of ``text`` at ``size`` points."""
        return sum(self.widths[self.cids[ch]] for ch in text) * size / 1000


@functools.lru_cache(maxsize=32)
def subset_for(text: str, font_path: Path | None = None) -> SubsetFont:
    """The notice font subset to the characters of ``text`` (cached per text and font).

    Raises:
        InvalidRequest: the font has no glyph for some character of ``text``.
        NoticeFontError: the font file is missing or fails its checksum.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font_file = load_notice_font(font_path)
    missing = font_file.missing_characters(text)
    if missing:
        raise InvalidRequest(f"the notice font has no glyph for {missing!r}", reason="INVALID_NOTICE")
    font = TTFont(str(font_file.path))
    options = subset.Options()
    options.layout_features = []
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    cmap = font.getBestCmap()
    units = font["head"].unitsPerEm
    cids: dict[str, int] = {}
    widths: dict[int, int] = {}
    for ch in dict.fromkeys(text):
        glyph = cmap[ord(ch)]
        cid = int(glyph[3:]) if glyph.startswith("cid") else font.getGlyphID(glyph)
        cids[ch] = cid
        widths[cid] = round(font["hmtx"][glyph][0] * 1000 / units)
    head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
    scale = 1000 / units
    buffer = io.BytesIO()
    font["CFF "].cff.compile(buffer, font)
    tag = "".join(chr(ord("A") + b % 26) for b in font_file.sha256.encode()[:3] + text.encode("utf-8")[-3:])
    return SubsetFont(
        cff=buffer.getvalue(),
        base_name=f"{tag}+NotoSansSC-Bold",
        cids=cids,
        widths=widths,
        bbox=tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)),  # type: ignore[arg-type]
        ascent=round(hhea.ascent * scale),
        descent=round(hhea.descent * scale),
        cap_height=round(getattr(os2, "sCapHeight", 700) * scale),
    )


def _to_unicode(font: SubsetFont) -> bytes:
    entries = "\n".join(
        f"<{cid:04X}> <{ch.encode('utf-16-be').hex().upper()}>"
        for ch, cid in sorted(font.cids.items(), key=lambda i: i[1])
    )
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{len(font.cids)} beginbfchar\n{entries}\nendbfchar\n"
        "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


def embed_font(update: PdfUpdate, font: SubsetFont) -> IndirectObject:
    """The new Type0 font, added to ``update`` with its descendant, descriptor, program and ToUnicode."""
    program = update.add(flate_stream(font.cff, Subtype=NameObject("/CIDFontType0C")))
    base_font = NameObject("/" + font.base_name)
    descriptor = update.add(
        _dictionary(
            Type=NameObject("/FontDescriptor"),
            FontName=base_font,
            Flags=NumberObject(4),
            FontBBox=_numbers(font.bbox),
            ItalicAngle=NumberObject(0),
            Ascent=NumberObject(font.ascent),
            Descent=NumberObject(font.descent),
            CapHeight=NumberObject(font.cap_height),
            StemV=NumberObject(120),
            FontFile3=program,
        )
    )
    widths = ArrayObject()
    for cid in sorted(font.widths):
        widths.extend([NumberObject(cid), _numbers([font.widths[cid]])])
    descendant = update.add(
        _dictionary(
            Type=NameObject("/Font"),
            Subtype=NameObject("/CIDFontType0"),
            BaseFont=base_font,
            CIDSystemInfo=_dictionary(
                Registry=pdf_string("Adobe"), Ordering=pdf_string("Identity"), Supplement=NumberObject(0)
            ),
            FontDescriptor=descriptor,
            DW=NumberObject(1000),
            W=widths,
        )
    )
    to_unicode = update.add(flate_stream(_to_unicode(font)))
    return update.add(
        _dictionary(
            Type=NameObject("/Font"),
            Subtype=NameObject("/Type0"),
            BaseFont=base_font,
            Encoding=NameObject("/Identity-H"),
            DescendantFonts=ArrayObject([descendant]),
            ToUnicode=to_unicode,
        )
    )


def _dictionary(**entries: PdfObject) -> DictionaryObject:
    return DictionaryObject({NameObject("/" + key): value for key, value in entries.items()})


def _numbers(values: Iterable[int]) -> ArrayObject:
    return ArrayObject(NumberObject(value) for value in values)
