"""Peak server memory while InspectStream reads large text and PDF files: bounded by the budget, not the size.

``python -m bench.bench_stream_memory [--sizes-mb 5 100 500]`` starts ``clearmark serve`` as its own
process (so the client's memory is not counted), streams each generated file through InspectStream
in 1 MiB chunks, and reads the peak resident set (``VmHWM``) of the server process and of each of its
worker processes from ``/proc`` after every file. A fresh server serves each file, so each peak
belongs to one request. Also run by ``python -m bench.run stream_memory`` at the default sizes.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import grpc

from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as rpc
from clearmark.v1 import types_pb2 as pb

MIB = 1024 * 1024
CHUNK = MIB
LOG_LINE = "2026-12-01T22:30:00Z INFO request served 用户上传 内容审核 ok id=%08d\n"


def write_text_log(path: Path, size: int) -> None:
    """A plain-text log of ``size`` bytes (mixed ASCII and Chinese lines)."""
    with path.open("w", encoding="utf-8") as stream:
        written, number = 0, 0
        while written < size:
            block = "".join(LOG_LINE % (number + i) for i in range(2000))
            stream.write(block)
            written += len(block.encode())
            number += 2000


def write_pdf(path: Path, size: int) -> None:
    """A valid PDF of about ``size`` bytes: pages of text in uncompressed content streams, a classic xref."""
    text_ops = "".join(
        f"BT /F1 9 Tf 36 {800 - (i % 70) * 11} Td (log line {i:04d} request served ok) Tj ET\n" for i in range(1400)
    )
    content = text_ops.encode("ascii")
    page_bytes = len(content) + 200
    pages = max(1, size // page_bytes)
    offsets: list[int] = []
    with path.open("wb") as out:

        def obj(number: int, body: bytes) -> None:
            offsets.append(out.tell())
            out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(pages))
        obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        obj(2, b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, kids))
        obj(3, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
        for i in range(pages):
            page, stream = 4 + 2 * i, 5 + 2 * i
            obj(
                page,
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                b"/Contents %d 0 R >>" % stream,
            )
            obj(stream, b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        xref = out.tell()
        count = len(offsets) + 1
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % count)
        out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
        out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, xref))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _peak_kib(pid: int) -> int:
    """``VmHWM`` (peak resident set) of a process, in KiB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@contextlib.contextmanager
def server_process(
    max_text_chars: int, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``clearmark serve`` on a free loopback port with one worker and a fresh data directory
    (``extra_env``: further ``CLEARMARK_*`` settings)."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="clearmark-mem-") as data_dir:
        env = {
            **os.environ,
            "CLEARMARK_CPU_WORKERS": "1",
            "CLEARMARK_MAX_TEXT_CHARS": str(max_text_chars),
            "CLEARMARK_DATA_DIR": data_dir,
            **(extra_env or {}),
        }
        launcher = "import sys; from clearmark.service.cli import main; sys.exit(main())"
        command = [sys.executable, "-c", launcher, "serve", "--host", "127.0.0.1", "--port", str(port)]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        address = f"127.0.0.1:{port}"
        try:
            with grpc.insecure_channel(address) as channel:
                grpc.channel_ready_future(channel).result(timeout=60)
            yield address, process
        finally:
            process.terminate()
            process.wait(timeout=30)


def _requests(path: Path) -> Iterator[api.InspectStreamRequest]:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while piece := stream.read(CHUNK):
            digest.update(piece)
    header = api.InspectStreamHeader(
        content_header=pb.ContentHeader(size_bytes=path.stat().st_size, sha256=digest.hexdigest())
    )
    yield api.InspectStreamRequest(header=header)
    with path.open("rb") as stream:
        while piece := stream.read(CHUNK):
            yield api.InspectStreamRequest(chunk=piece)


def measure_one(path: Path, max_text_chars: int) -> tuple[float, int, int, str]:
    """Seconds, peak KiB of the main process, peak KiB of the worker, and the category, for one file."""
    with server_process(max_text_chars) as (address, process):
        with grpc.insecure_channel(address) as channel:
            stub = rpc.ClearMarkServiceStub(channel)
            workers = _children(process.pid)
            start = time.perf_counter()
            response = stub.InspectStream(_requests(path), timeout=1800)
            seconds = time.perf_counter() - start
            workers = workers or _children(process.pid)
            main_peak = _peak_kib(process.pid)
            worker_peak = max((_peak_kib(pid) for pid in workers), default=0)
    return seconds, main_peak, worker_peak, pb.Category.Name(response.inspection.category)


def run(repeats: int = 1, sizes_mb: tuple[int, ...] = (5, 100, 500), max_text_chars: int = 4 * MIB) -> str:
    rows = [
        "| file | size | InspectStream | server main peak RSS | worker peak RSS | category |",
        "|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="clearmark-mem-files-") as scratch:
        for kind, writer in (("plain-text log", write_text_log), ("PDF", write_pdf)):
            for size_mb in sizes_mb:
                path = Path(scratch) / f"file-{size_mb}.{'txt' if kind != 'PDF' else 'pdf'}"
                writer(path, size_mb * MIB)
                seconds, main_kib, worker_kib, category = measure_one(path, max_text_chars)
                rows.append(
                    f"| {kind} | {path.stat().st_size / MIB:.0f} MiB | {seconds:.1f} s | {main_kib / 1024:.0f} MiB "
                    f"| {worker_kib / 1024:.0f} MiB | {category} |"
                )
                path.unlink()
    budget = f"text budget max_text_chars = {max_text_chars // MIB} Mi characters, one worker"
    return "### Peak server memory, InspectStream of large files\n\n" + budget + "\n\n" + "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[5, 100, 500])
    parser.add_argument("--max-text-chars", type=int, default=4 * MIB)
    args = parser.parse_args(argv)
    print(run(sizes_mb=tuple(args.sizes_mb), max_text_chars=args.max_text_chars))
    return 0


if __name__ == "__main__":
    sys.exit(main())
