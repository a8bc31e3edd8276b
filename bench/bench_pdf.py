"""PDF label write, notice and text extraction on a 50-page PDF, against bare pypdf reads of the same file."""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from pathlib import Path

from bench.harness import measure, report
from clearmark.core.aigc import AigcLabel
from clearmark.media.formats.pdf import PdfContainer
from clearmark.media.source import Source

PRODUCER = "001191440300708461136T1XGW3"
LABEL_JSON = AigcLabel("1", PRODUCER, "bench-1", "", PRODUCER, "bench-1", "").to_json()
_LINE = "Page {page} line {line}: the pipeline validates inputs and measures throughput."


def _literal(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def pdf_pieces(pages: int, *, padding: int = 0, lines: int = 40, label_json: str = "") -> Iterator[bytes]:
    """A classic-xref PDF of ``pages`` text pages, in pieces; each page also draws a ``padding``-byte image.

    Written by hand (no PDF library) so the same file serves every implementation measured, and in
    pieces so a file of hundreds of MB is generated without holding it in memory.
    """
    offsets: list[int] = []
    written = 0

    def obj(number: int, body: bytes) -> bytes:
        nonlocal written
        assert number == len(offsets) + 1
        offsets.append(written)
        piece = f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
        written += len(piece)
        return piece

    def stream(header: str, payload: bytes) -> bytes:
        return f"<< {header} /Length {len(payload)} >>\nstream\n".encode() + payload + b"\nendstream"

    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    written = len(head)
    yield head
    per_page = 3 if padding else 2
    kids = " ".join(f"{5 + per_page * i} 0 R" for i in range(pages))
    yield obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    yield obj(2, f"<< /Type /Pages /Count {pages} /Kids [{kids}] >>".encode())
    yield obj(3, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    label = f" /AIGC {_literal(label_json)}" if label_json else ""
    yield obj(4, f"<< /Title (bench) /Producer (bench_pdf){label} >>".encode("latin-1"))
    filler = bytes(range(256)) * (padding // 256 + 1)
    for index in range(pages):
        number = 5 + per_page * index
        xobject = f"/XObject << /Im0 {number + 2} 0 R >>" if padding else ""
        yield obj(
            number,
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {number + 1} 0 R "
            f"/Resources << /Font << /F1 3 0 R >> {xobject} >> >>".encode(),
        )
        text = "\n".join(
            f"BT /F1 10 Tf 50 {800 - 18 * k} Td ({_LINE.format(page=index + 1, line=k + 1)}) Tj ET"
            for k in range(lines)
        )
        draw = "\nq 64 0 0 64 480 40 cm /Im0 Do Q" if padding else ""
        yield obj(number + 1, stream("/Filter /FlateDecode", zlib.compress((text + draw).encode(), 6)))
        if padding:
            side = max(1, int((padding // 3) ** 0.5))
            image = filler[: side * side * 3]
            yield obj(
                number + 2,
                stream(
                    f"/Type /XObject /Subtype /Image /Width {side} /Height {side} "
                    "/ColorSpace /DeviceRGB /BitsPerComponent 8",
                    image,
                ),
            )
    xref = written
    rows = "".join(f"{offset:010d} 00000 n\r\n" for offset in offsets)
    yield (
        f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f\r\n{rows}"
        f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R /Info 4 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()


def pdf_file(path: Path, pages: int, *, padding: int = 0, label_json: str = "") -> Path:
    """Write the generated PDF to ``path`` piece by piece."""
    with path.open("wb") as stream:
        for piece in pdf_pieces(pages, padding=padding, label_json=label_json):
            stream.write(piece)
    return path


def run(repeats: int) -> str:
    """Time the cases and return the Markdown report."""
    from pypdf import PdfReader

    data = b"".join(pdf_pieces(50))
    container = PdfContainer()
    labelled = container.write_label(data, LABEL_JSON)

    def clearmark_write_label() -> int:
        return len(container.write_label(data, LABEL_JSON))

    def clearmark_insert_notice() -> int:
        return len(container.insert_notice(data, "本内容由AI生成"))

    def clearmark_read_label() -> int:
        return len(container.read_labels(Source.of(labelled)))

    def clearmark_extract_text() -> int:
        return len(container.extract_text(Source.of(labelled)).text)

    def pypdf_read_info() -> int:
        return len(PdfReader(io.BytesIO(labelled)).metadata or {})

    def pypdf_extract_text() -> int:
        return sum(len(page.extract_text()) for page in PdfReader(io.BytesIO(labelled)).pages)

    assert clearmark_read_label() == 1 and clearmark_extract_text() > 50 * 40 * 60
    timings = measure(
        {
            "clearmark write_label": clearmark_write_label,
            "clearmark insert_notice": clearmark_insert_notice,
            "clearmark read_labels": clearmark_read_label,
            "clearmark extract_text": clearmark_extract_text,
            "pypdf open + Info": pypdf_read_info,
            "pypdf extract_text": pypdf_extract_text,
        },
        repeats=repeats,
    )
    return report(
        f"PDF, 50 pages ({len(data) / 1024:.0f} KiB, classic xref): ClearMark against bare pypdf",
        timings,
        [
            ("clearmark write_label", "pypdf open + Info"),
            ("clearmark insert_notice", "pypdf open + Info"),
            ("clearmark read_labels", "pypdf open + Info"),
            ("clearmark extract_text", "pypdf extract_text"),
        ],
    )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    print(run(parser.parse_args().repeats))
