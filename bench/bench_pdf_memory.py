"""Peak RSS of reading the label and the text of a large PDF from its path, against the size of the file.

``python -m bench.bench_pdf_memory --size-mb 200`` generates a PDF of about that size (many pages,
each with text and an uncompressed image), then runs two child processes under ``/usr/bin/time -v``:
one that only imports ClearMark (the baseline), one that reads the Info label, one that reads the
label and extracts the text (first and last pages, up to the default ``max_text_chars``), each from a
``Source`` on the file path.
It prints both peaks and the ratio of peak RSS to file size.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_pdf import LABEL_JSON, pdf_file

_PAGE_TEXT = 40 * 75  # bytes of text a generated page carries, roughly


def _child(path: Path, mode: str) -> None:
    from clearmark.media.formats.pdf import PdfContainer
    from clearmark.media.source import Source

    if mode == "imports":
        return
    container = PdfContainer()
    source = Source(path=path)
    labels = container.read_labels(source)
    if mode == "label":
        print(f"labels={len(labels)}")
        return
    text = container.extract_text(source)
    print(f"labels={len(labels)} chars={len(text.text)} pages={len(text.segments)} truncated={text.truncated}")


def _peak_rss_kib(path: Path, mode: str) -> tuple[int, float, str]:
    command = ["/usr/bin/time", "-v", sys.executable, "-m", "bench.bench_pdf_memory", "--child", str(path)]
    command += ["--mode", mode]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))  # type: ignore[union-attr]
    return peak, elapsed, done.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=["imports", "label", "text"], default="text", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.mode)
        return 0
    pages = max(10, args.size_mb * 10)  # ten pages per MB: about 100 KB of image each
    padding = max(0, args.size_mb * 1024 * 1024 // pages - _PAGE_TEXT)
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as folder:
        path = pdf_file(Path(folder) / "large.pdf", pages, padding=padding, label_json=LABEL_JSON)
        size = os.path.getsize(path)
        base, _, _ = _peak_rss_kib(path, "imports")
        label, label_seconds, _ = _peak_rss_kib(path, "label")
        peak, seconds, summary = _peak_rss_kib(path, "text")
    mib = 1024 * 1024
    print(f"file: {size / mib:.1f} MiB, {pages} pages; {summary}; read in {seconds:.1f} s")
    print(f"peak RSS, imports only (baseline): {base / 1024:.1f} MiB")
    print(f"peak RSS, read label only:          {label / 1024:.1f} MiB ({label_seconds:.2f} s with start-up)")
    print(f"peak RSS, read label + text:        {peak / 1024:.1f} MiB")
    print(f"ratio peak RSS / file size:          {peak * 1024 / size:.3f}")
    print(f"ratio (peak - baseline) / file size: {(peak - base) * 1024 / size:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
