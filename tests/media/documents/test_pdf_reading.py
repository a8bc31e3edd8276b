"""A PDF page's text in display order: notices drawn last at the top read first, footers drawn first read last."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from clearmark.media.documents.pdf_reading import page_text_in_display_order
from clearmark.media.registry import format_named
from clearmark.media.text import NoticePosition
from clearmark.service.pipelines import PipelineConfig, inspect_content

SAMPLES = Path(__file__).parents[2] / "fixtures" / "pdf-samples"
BODY = "The quarterly report covers revenue, costs and the outlook for the next year in detail. " * 4


def _pdf(*draws: tuple[float, float, str], rotate: int = 0) -> bytes:
    """One A4 page drawing each (x, y, text) in the given content-stream order (Helvetica, user space)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=pdf.make_indirect(font)))
    stream = " ".join(f"BT /F1 10 Tf {x} {y} Td ({text}) Tj ET" for x, y, text in draws)
    page.obj.Contents = pdf.make_stream(stream.encode("latin-1"))
    if rotate:
        page.obj.Rotate = rotate
    buffer = io.BytesIO()
    pdf.save(buffer, deterministic_id=True)
    return buffer.getvalue()


def _text(data: bytes) -> str:
    return page_text_in_display_order(PdfReader(io.BytesIO(data)).pages[0])


def test_a_page_in_display_order_reads_exactly_as_pypdf_reads_it() -> None:
    for path in sorted(SAMPLES.glob("*.pdf")):
        if "password" in path.name:
            continue
        reader = PdfReader(path)
        ordered = page_text_in_display_order(reader.pages[0])
        assert sorted(ordered.replace("\n", "")) == sorted(reader.pages[0].extract_text().replace("\n", "")), path


def test_lines_are_ordered_top_to_bottom_whatever_order_they_were_drawn_in() -> None:
    data = _pdf((72, 400, "middle line"), (72, 60, "footer line"), (72, 800, "header line"))
    assert [line.strip() for line in _text(data).split("\n")] == ["header line", "middle line", "footer line"]


@pytest.mark.parametrize(
    ("rotate", "draws", "expected"),
    [
        # /Rotate 90: the displayed top is the user-space left edge (small x).
        (90, ((500, 300, "shown last"), (40, 300, "shown first")), ["shown first", "shown last"]),
        (180, ((72, 800, "shown last"), (72, 40, "shown first")), ["shown first", "shown last"]),
        (270, ((40, 300, "shown last"), (500, 300, "shown first")), ["shown first", "shown last"]),
    ],
)
def test_rotated_pages_are_read_as_displayed(rotate: int, draws, expected: list[str]) -> None:
    assert [line.strip() for line in _text(_pdf(*draws, rotate=rotate)).split("\n")] == expected


@pytest.mark.parametrize(
    ("draws", "position"),
    [
        # Another producer's footer, drawn before the body (a page template): at the foot of the page.
        (((72, 30, "AI-generated content"), (72, 700, BODY)), "end"),
        # A header notice drawn after the body (an overlay, as incremental-update stampers do).
        (((72, 700, BODY), (72, 810, "AI-generated content")), "start"),
        # In flow: first line of the page, drawn first.
        (((72, 810, "AI-generated content"), (72, 700, BODY)), "start"),
    ],
    ids=["footer-drawn-first", "header-drawn-last", "header-in-flow"],
)
def test_inspect_reports_a_notice_where_the_page_shows_it(draws, position: str) -> None:
    inspection = inspect_content(_pdf(*draws), PipelineConfig())
    (notice,) = [s for s in inspection.signals if s.kind == "explicit.text_notice"]
    assert notice.attribute("position") == position and notice.attribute("page") == "1"


@pytest.mark.parametrize("path", sorted(p.name for p in SAMPLES.glob("*.pdf") if "password" not in p.name))
@pytest.mark.parametrize("written", [NoticePosition.START, NoticePosition.END])
def test_our_notice_is_reported_where_our_writer_draws_it(path: str, written: NoticePosition) -> None:
    pdf = format_named("pdf").container
    data = pdf.insert_notice((SAMPLES / path).read_bytes(), "AI生成", positions=(written,))
    inspection = inspect_content(data, PipelineConfig())
    (notice,) = [s for s in inspection.signals if s.kind == "explicit.text_notice"]
    # reportlab-overlay.pdf's only text is a three-line block in the bottom 40 pt, and our footer plate
    # sits beside it (baselines 17-35 pt against 28.7): the overlay is read by its edge, not its baseline.
    assert notice.attribute("position") == written.value


def test_our_footer_beside_the_pages_bottom_lines_reads_after_them() -> None:
    """The page's own lines keep their order; only the notice overlay moves, to the end of the page."""
    original = (SAMPLES / "reportlab-overlay.pdf").read_bytes()
    data = format_named("pdf").container.insert_notice(original, "AI生成", positions=(NoticePosition.END,))
    before = page_text_in_display_order(PdfReader(io.BytesIO(original)).pages[0]).split("\n")
    after = _text(data).split("\n")
    assert [line for line in after if line] == [*(line for line in before if line), "AI生成"]


def test_a_line_in_another_font_beside_the_bottom_lines_is_not_moved() -> None:
    """Only ClearMark's notice font (resource name ``CMNotice…``) is read by its edge; the same text
    drawn in the page's own font stays where its baseline puts it."""
    text = _text(_pdf((235, 35, "Signed line"), (24, 29, "AI-generated content"), (235, 26, "Fingerprint line")))
    assert text.index("Signed line") < text.index("AI-generated content") < text.index("Fingerprint line")
