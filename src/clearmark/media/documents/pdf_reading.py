"""A PDF page's text in the order it is displayed, top to bottom, so positions follow the page.

pypdf extracts text in content-stream order. A line drawn last but shown first (a notice stamped
at the top of the page by an incremental update, a running header, a watermark caption) would then
read as the end of the page, and an explicit notice at the top of a page would be reported at the
end. Here the same pieces pypdf extracts are regrouped into lines and the lines ordered by where
they sit on the page as displayed (``/Rotate`` applied). The characters are pypdf's, unchanged; a
page already in display order comes back exactly as pypdf reads it.

ClearMark's own notice is an overlay on a white plate, drawn last with a font under a resource name
starting ``NOTICE_FONT_PREFIX``. Its place is the edge it was drawn at, not the page's flow: a page
whose own text shares the bottom band (a signature block beside the footer plate) would otherwise
read the notice between its lines. Lines in that font read first when they sit in the upper half of
the page as displayed, last when in the lower half.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pypdf import PageObject
from pypdf.generic import DictionaryObject

# Pieces whose baselines are this close (points) belong to one line.
LINE_TOLERANCE_PT = 2.0
# The resource name prefix of the font ClearMark's notice overlay is drawn with (``formats.pdf``).
NOTICE_FONT_PREFIX = "/CMNotice"


def _display_size(page: PageObject) -> float:
    """The height of the page as displayed (points)."""
    box = page.cropbox
    rotated = (page.rotation or 0) % 180 == 90
    return abs(float(box.right) - float(box.left)) if rotated else abs(float(box.top) - float(box.bottom))


def _notice_fonts(page: PageObject) -> list[DictionaryObject]:
    """The font dictionaries the page names under ``NOTICE_FONT_PREFIX`` (ClearMark's notice overlay)."""
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else None
    fonts = resources.get("/Font") if isinstance(resources, DictionaryObject) else None
    fonts = fonts.get_object() if fonts is not None else None
    if not isinstance(fonts, DictionaryObject):
        return []
    return [font.get_object() for name, font in fonts.items() if str(name).startswith(NOTICE_FONT_PREFIX)]


def _display_height(page: PageObject) -> Callable[[float, float], float]:
    """User-space (x, y) -> height above the bottom edge of the page as displayed."""
    box = page.cropbox
    left, bottom, right, top = float(box.left), float(box.bottom), float(box.right), float(box.top)
    rotation = (page.rotation or 0) % 360
    return {
        90: lambda x, y: right - x,
        180: lambda x, y: top - y,
        270: lambda x, y: x - left,
    }.get(rotation, lambda x, y: y - bottom)


def _lines(pieces: Sequence[tuple[float, str]]) -> list[tuple[float, list[str]]]:
    """Consecutive pieces on one baseline as lines; blank pieces (pypdf's separators, reported at the
    origin) join the line before them, or the first line when none came before."""
    lines: list[tuple[float, list[str]]] = []
    leading: list[str] = []
    for height, text in pieces:
        current = lines[-1] if lines else None
        if not text.strip():
            (current[1] if current is not None else leading).append(text)
            continue
        if (
            current is not None
            and not "".join(current[1]).endswith("\n")
            and abs(height - current[0]) <= LINE_TOLERANCE_PT
        ):
            current[1].append(text)
            continue
        lines.append((height, [*leading, text]))
        leading = []
    if leading and lines:
        lines[-1][1].extend(leading)
    return lines


def page_text_in_display_order(page: PageObject) -> str:
    """The page's text (pypdf's pieces), its lines ordered top to bottom as displayed."""
    height_of = _display_height(page)
    notice_fonts = _notice_fonts(page)
    # An overlay notice line sorts above (or below) every point of the page: its edge, not its baseline.
    above, below = 2.0 * _display_size(page) + 1.0, -_display_size(page) - 1.0
    middle = _display_size(page) / 2
    pieces: list[tuple[float, str]] = []

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], font: object, _size: object) -> None:
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        height = height_of(x, y)
        if text.strip() and any(font is f or font == f for f in notice_fonts):
            height = above if height >= middle else below
        pieces.append((height, text))

    plain = page.extract_text(visitor_text=visit) or ""
    lines = _lines(pieces)
    ordered = sorted(lines, key=lambda line: -line[0])  # stable: lines at one height keep stream order
    if [id(line) for line in ordered] == [id(line) for line in lines] or "".join(t for _, t in pieces) != plain:
        return plain
    text = "\n".join("".join(parts).removesuffix("\n") for _, parts in ordered)
    return text + "\n" if plain.endswith("\n") else text
