"""The CJK glyphs a report page uses, subset from the bundled notice font and embedded, so Chinese renders anywhere."""

from __future__ import annotations

import base64
import io
from functools import cache

from fontTools import subset
from fontTools.ttLib import TTFont

from clearmark.notice.font import bundled_font_path

FAMILY = "ClearMark CJK"
# Only CJK code points come from the embedded face; Latin text keeps the reader's own sans-serif.
UNICODE_RANGE = "U+2E80-9FFF, U+3000-303F, U+F900-FAFF, U+FF00-FFEF"


@cache
def _font_bytes() -> bytes:
    return bundled_font_path().read_bytes()


def _cjk(char: str) -> bool:
    code = ord(char)
    return 0x2E80 <= code <= 0x9FFF or 0x3000 <= code <= 0x303F or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF


def font_face_css(page_text: str) -> str:
    """An ``@font-face`` rule embedding exactly the CJK glyphs of ``page_text`` ("" when there are none)."""
    chars = "".join(sorted({c for c in page_text if _cjk(c)}))
    if not chars:
        return ""
    font = TTFont(io.BytesIO(_font_bytes()), recalcTimestamp=False)  # same glyphs, same bytes
    subsetter = subset.Subsetter(subset.Options())
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode()
    return (
        f'@font-face{{font-family:"{FAMILY}";src:url(data:font/otf;base64,{data}) format("opentype");'
        f"unicode-range:{UNICODE_RANGE};}}"
    )
