"""PDF: Info /AIGC incremental updates (read back by pikepdf, pypdf), visible notices, signatures, bad files."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tomllib
import tracemalloc
from pathlib import Path

import pikepdf
import pypdf
import pytest
from bench.bench_pdf import pdf_file

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia, LabelConflict, MediaTooLarge, UnsupportedFormat
from clearmark.media import sniff_format
from clearmark.media.documents.pdf_update import last_startxref
from clearmark.media.formats.pdf import PdfContainer, signatures
from clearmark.media.limits import MediaLimits
from clearmark.media.source import Source
from clearmark.media.text import NoticePosition
from tests.media.documents.samples import LABEL, LABEL_JSON, PLATFORM_LABEL, WRAPPED_JSON, pdf_bytes, pdf_with_info

PDF = PdfContainer()
START, END = NoticePosition.START, NoticePosition.END


def info_of(data: bytes) -> dict[str, str]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return {str(k): str(v) for k, v in pdf.docinfo.items()}


def qpdf_check(data: bytes, tmp_path) -> None:
    if shutil.which("qpdf") is None:
        return
    path = tmp_path / "checked.pdf"
    path.write_bytes(data)
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sniffed_as_pdf() -> None:
    info = sniff_format(pdf_bytes())
    assert (info.kind, info.name, info.mime_type) == (MediaKind.DOCUMENT, "pdf", "application/pdf")


@pytest.mark.parametrize("object_streams", [False, True], ids=["xref-table", "xref-stream"])
def test_label_is_an_incremental_update_read_back_by_pikepdf_and_pypdf(object_streams: bool, tmp_path) -> None:
    original = pdf_bytes(object_streams=object_streams)
    result = PDF.write_label_report(original, LABEL_JSON)
    assert result.incremental, result.reason
    assert result.data.startswith(original)
    assert result.data[last_startxref(result.data) :].startswith(b"xref" if not object_streams else b"")
    assert info_of(result.data) == {"/Title": "sample", "/AIGC": LABEL_JSON}
    assert pypdf.PdfReader(io.BytesIO(result.data)).metadata["/AIGC"] == LABEL_JSON
    [carrier] = PDF.read_labels(result.data)
    assert (carrier.carrier, carrier.standard, carrier.notes, carrier.parsed.label) == (
        "pdf:info:/AIGC",
        True,
        (),
        LABEL,
    )
    qpdf_check(result.data, tmp_path)


def test_update_in_place_appends_a_second_revision() -> None:
    first = PDF.write_label(pdf_bytes(), WRAPPED_JSON)
    second = PDF.write_label_report(first, PLATFORM_LABEL.to_json())
    assert second.incremental and second.data.startswith(first)
    assert second.data.count(b"%%EOF") == first.count(b"%%EOF") + 1
    assert [c.parsed.label for c in PDF.read_labels(second.data)] == [PLATFORM_LABEL]


def test_pdf_without_info_gets_one() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    buffer = io.BytesIO()
    pdf.save(buffer)
    out = PDF.write_label_report(buffer.getvalue(), LABEL_JSON)
    assert out.incremental and info_of(out.data) == {"/AIGC": LABEL_JSON}


def test_producer_mistakes_are_flagged() -> None:
    carriers = PDF.read_labels(pdf_with_info(aigc=WRAPPED_JSON, AIGC=pikepdf.Name("/NotAString")))
    by_name = {c.carrier: c for c in carriers}
    assert by_name["pdf:info:/aigc"].notes == ("key-case", "duplicate-key")
    assert by_name["pdf:info:/aigc"].parsed.wrapped is True
    assert by_name["pdf:info:/AIGC"].notes == ("duplicate-key", "not-a-string")
    assert not any(c.standard for c in carriers)
    with pytest.raises(LabelConflict):
        PDF.write_label(pdf_with_info(aigc=WRAPPED_JSON, AIGC=LABEL_JSON), LABEL_JSON)


def test_xmp_carrier_is_read_as_a_compat_form() -> None:
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/" '
        f"TC260:AIGC='{LABEL_JSON}'/></rdf:RDF></x:xmpmeta>"
    )
    with pikepdf.open(io.BytesIO(pdf_bytes())) as pdf:
        pdf.Root.Metadata = pdf.make_stream(xmp.encode())
        buffer = io.BytesIO()
        pdf.save(buffer)
    [carrier] = PDF.read_labels(buffer.getvalue())
    assert (carrier.carrier, carrier.standard, carrier.notes) == ("pdf:xmp:TC260:AIGC", False, ("xmp-carrier",))
    assert carrier.parsed.label == LABEL


def test_notice_lines_on_first_and_last_page_extract_with_page_numbers(tmp_path) -> None:
    original = pdf_bytes("Page one", "Page two", "Page three")
    result = PDF.insert_notice_report(original, "本内容由AI生成", positions=(START, END))
    assert result.incremental and result.data.startswith(original)
    extracted = PDF.extract_text(result.data)
    pages = {segment.page: extracted.text[segment.start : segment.end] for segment in extracted.segments}
    assert "本内容由AI生成" in pages[1] and "Page one" in pages[1]
    assert "本内容由AI生成" not in pages[2]
    assert "本内容由AI生成" in pages[3]
    assert extracted.segment_at(extracted.text.rindex("本内容由AI生成")).page == 3
    reader = pypdf.PdfReader(io.BytesIO(result.data))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    notice_font = next(f.get_object() for name, f in fonts.items() if name.startswith("/CMNotice"))
    assert notice_font["/Subtype"] == "/Type0"
    descendant = notice_font["/DescendantFonts"][0].get_object()
    assert descendant["/FontDescriptor"]["/FontFile3"]["/Subtype"] == "/CIDFontType0C"
    assert len(result.data) - len(original) < 30_000  # a subset, not the 800 KB font
    qpdf_check(result.data, tmp_path)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")
@pytest.mark.parametrize("rotate", [0, 90])
def test_notice_renders_at_the_top_of_the_displayed_page(rotate: int, tmp_path) -> None:
    from PIL import Image

    data = PDF.insert_notice(pdf_bytes(rotate=rotate), "本内容由AI生成")
    (tmp_path / "n.pdf").write_bytes(data)
    result = subprocess.run(
        ["pdftoppm", "-r", "40", "-gray", "-png", str(tmp_path / "n.pdf"), str(tmp_path / "page")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "rror" not in result.stderr, result.stderr
    import numpy as np

    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    width, height = image.size
    pixels = np.asarray(image)
    assert pixels[: height // 10, : width // 2].min() < 64  # dark glyph pixels where the notice is drawn
    assert pixels[height // 5 :, : width // 2].min() > 192 or rotate == 0  # nothing else dark off the top band
    assert (width < height) == (rotate == 0)


def test_signatures_keep_their_bytes_after_label_update() -> None:
    pyhanko_signers = pytest.importorskip("pyhanko.sign.signers")
    from tests.media.documents.signing import sign_pdf, validate

    signed = sign_pdf(pdf_bytes(), pyhanko_signers, certify=True)
    [signature] = signatures(signed)
    assert signature.docmdp_permission == 2 and signature.signed_end == len(signed)
    labelled = PDF.write_label_report(signed, LABEL_JSON)
    assert labelled.incremental and labelled.data.startswith(signed)
    status = validate(labelled.data)
    assert status.intact and status.valid and status.docmdp_ok
    assert status.modification_level.name == "LTA_UPDATES"  # pyhanko: the Info update is a benign change
    noticed = PDF.insert_notice_report(signed, "AI生成")
    status = validate(noticed.data)
    assert status.intact and status.valid  # bytes still verify…
    assert status.modification_level.name == "OTHER" and not status.docmdp_ok  # …but a page edit breaks DocMDP


def test_encrypted_pdfs_are_read_not_written() -> None:
    with pikepdf.open(io.BytesIO(pdf_with_info(AIGC=LABEL_JSON))) as pdf:
        buffer = io.BytesIO()
        pdf.save(buffer, encryption=pikepdf.Encryption(owner="owner", user="", R=6))
    data = buffer.getvalue()
    assert PDF.read_labels(data)[0].parsed.label == LABEL
    with pytest.raises(UnsupportedFormat, match="encrypted"):
        PDF.write_label(data, LABEL_JSON)
    with pikepdf.open(io.BytesIO(pdf_bytes())) as pdf:
        buffer = io.BytesIO()
        pdf.save(buffer, encryption=pikepdf.Encryption(owner="owner", user="secret", R=6))
    with pytest.raises(UnsupportedFormat, match="password"):
        PDF.read_labels(buffer.getvalue())


def test_damaged_xref_falls_back_to_a_full_rewrite() -> None:
    original = pdf_bytes()
    damaged = original.replace(b"startxref\n", b"startxref\n1").replace(b"%%EOF", b"%%EOF\n\n")
    result = PDF.write_label_report(damaged, LABEL_JSON)
    assert not result.incremental and "repaired" in result.reason
    assert info_of(result.data)["/AIGC"] == LABEL_JSON


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", b"%PDF-" + bytes(range(256)) * 4],
)
def test_garbage_is_invalid_media(data: bytes) -> None:
    for call in (PDF.read_labels, PDF.extract_text, lambda d: PDF.write_label(d, LABEL_JSON)):
        with pytest.raises((InvalidMedia, UnsupportedFormat)):
            call(data)


def test_label_and_text_are_read_from_a_file_without_loading_it(tmp_path) -> None:
    path = pdf_file(tmp_path / "large.pdf", 20, padding=400_000, label_json=LABEL_JSON)
    size = path.stat().st_size
    assert size > 8_000_000
    source = Source(path=path)
    PDF.extract_text(PDF.write_label(pdf_bytes(), LABEL_JSON))  # imports and caches out of the measurement
    tracemalloc.start()
    try:
        [carrier] = PDF.read_labels(source)
        label_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        extracted = PDF.extract_text(source)
        text_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert carrier.parsed.label == LABEL
    assert [segment.page for segment in extracted.segments] == list(range(1, 21))
    assert "Page 20 line 40" in extracted.text
    assert label_peak < size // 50  # the Info dictionary, not the file
    assert text_peak < size // 4  # one page's objects at a time, not the file


def test_pikepdf_is_not_a_runtime_dependency() -> None:
    project = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text())["project"]
    assert not any(dep.startswith("pikepdf") for dep in project["dependencies"])
    assert any(dep.startswith("pikepdf") for dep in project["optional-dependencies"]["test"])
    script = (
        "import sys\n"
        "from clearmark.media.formats.pdf import PDF\n"
        f"data = {pdf_bytes()!r}\n"
        f"PDF.read_labels(PDF.write_label(PDF.insert_notice(data, 'AI生成'), {LABEL_JSON!r}))\n"
        "PDF.extract_text(data)\n"
        "assert 'pikepdf' not in sys.modules, 'pikepdf imported at run time'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_page_limit_applies_to_every_reader_and_writer() -> None:
    limits = MediaLimits(max_chunks=2)
    data = pdf_bytes("one", "two", "three")
    for call in (
        lambda: PDF.read_labels(data, limits=limits),
        lambda: PDF.extract_text(data, limits=limits),
        lambda: PDF.write_label(data, LABEL_JSON, limits=limits),
        lambda: PDF.insert_notice(data, "AI生成", limits=limits),
    ):
        with pytest.raises(MediaTooLarge, match="page count"):
            call()
    assert len(PDF.extract_text(pdf_bytes("one", "two"), limits=limits).segments) == 2


def test_notice_on_an_xref_stream_file_with_inherited_resources(tmp_path) -> None:
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    page.obj.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 700 Td (Inherited font) Tj ET")
    page.obj.CropBox = pikepdf.Array([20, 30, 575, 812])
    pdf.Root.Pages.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    if "/Resources" in page.obj:
        del page.obj["/Resources"]
    buffer = io.BytesIO()
    pdf.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    original = buffer.getvalue()

    result = PDF.insert_notice_report(original, "本内容由AI生成", positions=(START, END))
    assert result.incremental and result.data.startswith(original), result.reason
    assert result.data[last_startxref(result.data) :].split(b"\n", 1)[0].endswith(b" obj")  # an xref stream again
    qpdf_check(result.data, tmp_path)
    reader = pypdf.PdfReader(io.BytesIO(result.data))  # pikepdf would push inherited attributes down on reading
    own = reader.get_object(reader.pages[0].indirect_reference)
    assert sorted(own["/Resources"]["/Font"]) == ["/CMNotice0", "/CMNotice1", "/F1"]
    assert list(reader.root_object["/Pages"]["/Resources"]["/Font"]) == ["/F1"]  # the inherited one is left alone
    assert [float(v) for v in own["/CropBox"]] == [20, 30, 575, 812]
    with pikepdf.open(io.BytesIO(result.data)) as reopened:
        assert len(reopened.pages) == 1 and not reopened.get_warnings()
    text = PDF.extract_text(result.data).text
    assert "Inherited font" in text and text.count("本内容由AI生成") == 2


def test_direct_info_dictionary_becomes_an_indirect_one(tmp_path) -> None:
    with pikepdf.open(io.BytesIO(pdf_bytes())) as pdf:
        pdf.trailer.Info = pikepdf.Dictionary(Title=pikepdf.String("direct"))
        buffer = io.BytesIO()
        pdf.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    original = buffer.getvalue()
    assert b"/Info <<" in original or b"/Info<<" in original
    result = PDF.write_label_report(original, LABEL_JSON)
    assert result.incremental and result.data.startswith(original)
    assert info_of(result.data) == {"/Title": "direct", "/AIGC": LABEL_JSON}
    qpdf_check(result.data, tmp_path)


def test_password_protected_text_is_refused() -> None:
    with pikepdf.open(io.BytesIO(pdf_bytes())) as pdf:
        buffer = io.BytesIO()
        pdf.save(buffer, encryption=pikepdf.Encryption(owner="owner", user="secret", R=6))
    for call in (PDF.extract_text, lambda d: PDF.insert_notice(d, "AI生成"), signatures):
        with pytest.raises(UnsupportedFormat) as caught:
            call(buffer.getvalue())
        assert caught.value.reason == "ENCRYPTED"


def test_label_is_written_as_a_readable_literal_string() -> None:
    original = pdf_bytes()
    update = PDF.write_label(original, LABEL_JSON)[len(original) :]
    assert b"/AIGC (" + LABEL_JSON.encode("ascii") + b")" in update  # greppable, as producers and tools expect
    assert b"/Title (sample)" in update


def _hand_made_pdf(*objects: bytes) -> bytes:
    out, offsets = b"%PDF-1.7\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f\r\n".encode()
    out += b"".join(f"{offset:010d} 00000 n\r\n".encode() for offset in offsets)
    return out + f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


def test_notice_pages_are_found_in_an_odd_page_tree(tmp_path) -> None:
    content = b"BT /F1 12 Tf 72 700 Td (Odd tree) Tj ET"
    original = _hand_made_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 2 /Kids [3 0 R 4 0 R 6 0 R] /MediaBox [0 0 595 842] /Rotate 90 "
        b"/Resources << /Font << /F1 7 0 R >> >> >>",
        b"<< /Type /Pages /Count 0 /Kids [] /Parent 2 0 R >>",  # an empty first branch
        b"<< /Type /Page /Parent 2 0 R /Contents 5 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Page /Parent 2 0 R /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    )
    result = PDF.insert_notice_report(original, "本内容由AI生成", positions=(START, END))
    assert result.incremental and result.data.startswith(original), result.reason
    qpdf_check(result.data, tmp_path)
    extracted = PDF.extract_text(result.data)
    pages = {segment.page: extracted.text[segment.start : segment.end] for segment in extracted.segments}
    # Read as displayed (inherited /Rotate 90): the START notice tops page 1, the END notice foots page 2.
    assert pages == {1: "本内容由AI生成\nOdd tree", 2: "Odd tree\n本内容由AI生成"}
    reader = pypdf.PdfReader(io.BytesIO(result.data))
    assert [page.rotation for page in reader.pages] == [90, 90]  # inherited, still


SAMPLES = Path(__file__).parents[2] / "fixtures" / "pdf-samples"
PRODUCED_ELSEWHERE = sorted(p.name for p in SAMPLES.glob("*.pdf") if "password" not in p.name)


@pytest.mark.parametrize("name", PRODUCED_ELSEWHERE)
def test_other_producers_pdfs_take_incremental_labels_and_notices(name: str, tmp_path) -> None:
    original = (SAMPLES / name).read_bytes()
    labelled = PDF.write_label_report(original, LABEL_JSON)
    assert labelled.incremental and labelled.data.startswith(original), labelled.reason
    assert info_of(labelled.data)["/AIGC"] == LABEL_JSON
    qpdf_check(labelled.data, tmp_path)
    noticed = PDF.insert_notice_report(labelled.data, "本内容由AI生成", positions=(START, END))
    assert noticed.incremental and noticed.data.startswith(labelled.data), noticed.reason
    qpdf_check(noticed.data, tmp_path)
    with pikepdf.open(io.BytesIO(noticed.data)) as reopened:
        assert len(reopened.pages) == len(pypdf.PdfReader(io.BytesIO(original)).pages)
    extracted = PDF.extract_text(noticed.data)
    assert extracted.text.count("本内容由AI生成") == 2
    assert [c.parsed.label for c in PDF.read_labels(noticed.data) if c.standard] == [LABEL]


def test_a_password_protected_sample_is_refused() -> None:
    data = (SAMPLES / "libreoffice-writer-password.pdf").read_bytes()
    for call in (PDF.read_labels, PDF.extract_text, lambda d: PDF.write_label(d, LABEL_JSON)):
        with pytest.raises(UnsupportedFormat) as caught:
            call(data)
        assert caught.value.reason == "ENCRYPTED"
