"""Load and soak: grpc.aio clients against ``clearmark serve`` on loopback, beside the same work in-process.

    python -m bench.load                                  # rising concurrency, then the in-process reference
    python -m bench.load --soak 1800 --soak-fraction 0.7  # 30 min at 70 % of the measured saturation

Every request loop is bounded in count and in time. The server is a real ``clearmark serve`` child
process (its RSS, workers included, is sampled once a second); the in-process reference runs the
very same requests through ``ClearMarkApp`` with the same worker count after the server has
stopped, so the two never share the cores. Prints Markdown.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pikepdf
from PIL import Image

from bench.images import jpeg_1080p, photo_like
from clearmark.service.app import ClearMarkApp
from clearmark.service.config import Settings
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc

PRODUCER = "001191440300708461136T1XGW3"
PLATFORM = "001191440300708461136T2PLAT"


def _encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def _pdf(text: str) -> bytes:
    pdf = pikepdf.new()
    font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    lines = " ".join(f"({line}) Tj 0 -14 Td" for line in text.splitlines())
    stream = pikepdf.Stream(pdf, f"BT /F1 11 Tf 72 740 Td {lines} ET".encode())
    pdf.add_blank_page(page_size=(612, 792))
    pdf.pages[0].Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    pdf.pages[0].Contents = pdf.make_indirect(stream)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def content_mix() -> dict[str, bytes]:
    """The media of the mix: small images in three formats, a 1080p photo, Markdown and a PDF."""
    small = photo_like(640, 480, seed=3)
    prose = "\n".join(f"Line {i}: a paragraph of generated prose about the weather and the sea." for i in range(40))
    return {
        "jpeg-640": _encode(small, "JPEG", quality=88),
        "png-640": _encode(small, "PNG"),
        "webp-640": _encode(small, "WEBP", quality=85),
        "jpeg-1080p": jpeg_1080p(),
        "markdown-3k": ("# Report\n\n" + prose).encode(),
        "pdf-1page": _pdf(prose[:1800]),
    }


# (verb, content, weight): uploads are mostly checked, a quarter are generated and stamped.
MIX: tuple[tuple[str, str, int], ...] = (
    ("Inspect", "jpeg-640", 14),
    ("Inspect", "png-640", 6),
    ("Inspect", "webp-640", 6),
    ("Inspect", "jpeg-1080p", 8),
    ("Inspect", "markdown-3k", 10),
    ("Inspect", "pdf-1page", 4),
    ("Stamp", "jpeg-640", 10),
    ("Stamp", "jpeg-1080p", 4),
    ("Stamp", "markdown-3k", 6),
    ("Label", "webp-640", 4),
    ("Verify", "jpeg-640", 4),
    ("Verify", "pdf-1page", 2),
)


def request_for(verb: str, content: bytes) -> object:
    """A fresh request (Stamp and Label get a new request id each time: no replays in the load)."""
    if verb == "Stamp":
        return api.StampRequest(
            request_id=uuid.uuid4().hex, content=content, options=api.StampOptions(producer_code=PRODUCER)
        )
    if verb == "Label":
        return api.LabelRequest(
            request_id=uuid.uuid4().hex, content=content, options=api.LabelOptions(platform_code=PLATFORM)
        )
    if verb == "Verify":
        return api.VerifyRequest(content=content)
    return api.InspectRequest(content=content)


def schedule(count: int) -> list[tuple[str, str]]:
    """``count`` (verb, content) pairs in the mix's proportions, interleaved deterministically."""
    wheel = [(verb, name) for verb, name, weight in MIX for _ in range(weight)]
    order = sorted(range(len(wheel)), key=lambda i: (i * 7919) % len(wheel))
    return [wheel[order[i % len(wheel)]] for i in range(count)]


@dataclass
class LevelResult:
    """One concurrency level: latencies of successful calls, codes of all, wall time."""

    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    codes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def done(self) -> int:
        return sum(self.codes.values())

    @property
    def throughput(self) -> float:
        return self.codes.get("OK", 0) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


Call = Callable[[str, object], Awaitable[str]]


async def drive(
    call: Call, work: list[tuple[str, str]], contents: dict[str, bytes], concurrency: int, max_seconds: float
) -> LevelResult:
    """``concurrency`` closed-loop clients share ``work``; stop when it is done or ``max_seconds`` pass."""
    result = LevelResult(concurrency)
    queue = iter(work)
    deadline = time.monotonic() + max_seconds

    async def client() -> None:
        for verb, name in queue:
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            code = await call(verb, request_for(verb, contents[name]))
            if code == "OK":
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
            result.codes[code] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


async def paced(call: Call, contents: dict[str, bytes], rate: float, seconds: float, max_in_flight: int) -> LevelResult:
    """Open loop: start requests at ``rate`` per second for ``seconds`` (at most ``max_in_flight`` at once)."""
    result = LevelResult(max_in_flight)
    limiter = asyncio.Semaphore(max_in_flight)
    tasks: list[asyncio.Task[None]] = []

    async def one(verb: str, name: str) -> None:
        async with limiter:
            started = time.perf_counter()
            code = await call(verb, request_for(verb, contents[name]))
            if code == "OK":
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
            result.codes[code] += 1

    began = time.perf_counter()
    for index, (verb, name) in enumerate(schedule(int(rate * seconds) + 1)):
        wait = began + index / rate - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        if time.perf_counter() - began > seconds:
            break
        tasks.append(asyncio.create_task(one(verb, name)))
    await asyncio.gather(*tasks)
    result.seconds = time.perf_counter() - began
    return result


def grpc_caller(stub: api_grpc.ClearMarkServiceStub) -> Call:
    async def call(verb: str, request: object) -> str:
        try:
            await getattr(stub, verb)(request, timeout=120)
            return "OK"
        except grpc.aio.AioRpcError as error:
            return error.code().name

    return call


def app_caller(app: ClearMarkApp) -> Call:
    async def call(verb: str, request: object) -> str:
        try:
            if verb in ("Stamp", "Label"):
                await getattr(app, verb.lower())(request, "bench", 120)
            else:
                await getattr(app, verb.lower())(request, 120)
            return "OK"
        except Exception as error:  # noqa: BLE001 - the code is what the report needs
            return type(error).__name__

    return call


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


class ServerProcess:
    """``clearmark serve`` on 127.0.0.1:0 with a throw-away data directory; RSS sampled once a second."""

    def __init__(self, workers: int, max_pending: int) -> None:
        self._data = tempfile.TemporaryDirectory(prefix="clearmark-load-")
        env = {
            **os.environ,
            "CLEARMARK_CPU_WORKERS": str(workers),
            "CLEARMARK_MAX_PENDING_JOBS": str(max_pending),
            "CLEARMARK_LOG_LEVEL": "INFO",  # access lines included: their cost is part of serving
        }
        command = [sys.executable, "-m", "clearmark.service.cli", "serve", "--port", "0", "--log-format", "json"]
        self.process = subprocess.Popen(
            [*command, "--data-dir", self._data.name], env=env, stderr=subprocess.PIPE, text=True
        )
        self.rss: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self.address = self._address()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _address(self) -> str:
        assert self.process.stderr is not None
        deadline = time.monotonic() + 180
        # Warnings (development keys) come first; then the line naming the bound address.
        for line in self.process.stderr:
            message = json.loads(line).get("message", "")
            if " serving on " in message:
                threading.Thread(target=self._drain_stderr, daemon=True).start()
                return message.split(" serving on ", 1)[1].split(" ", 1)[0]
            if time.monotonic() > deadline:
                break
        raise RuntimeError("the server did not start")

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for _ in self.process.stderr:
            pass

    def _sample(self) -> None:
        began = time.monotonic()
        while not self._stop.wait(1.0):
            self.rss.append((time.monotonic() - began, _tree_rss_kib(self.process.pid)))

    def close(self) -> int:
        self._stop.set()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(120)
        self._data.cleanup()
        return code


def _level_rows(results: list[LevelResult]) -> str:
    rows = ["| concurrency | requests | seconds | req/s | p50 ms | p95 ms | p99 ms | codes |", "|---:" * 7 + "|---|"]
    for r in results:
        codes = ", ".join(f"{code} {n}" for code, n in sorted(r.codes.items()))
        rows.append(
            f"| {r.concurrency} | {r.done} | {r.seconds:.1f} | {r.throughput:.2f} | {r.percentile(0.5):.0f} "
            f"| {r.percentile(0.95):.0f} | {r.percentile(0.99):.0f} | {codes} |"
        )
    return "\n".join(rows)


def _rss_rows(samples: list[tuple[float, int]], every: int) -> str:
    rows = ["| t s | server RSS MiB (workers included) |", "|---:|---:|"]
    for t, kib in samples[::every] + samples[-1:]:
        rows.append(f"| {t:.0f} | {kib / 1024:.0f} |")
    return "\n".join(rows)


async def _with_channel(address: str, body: Callable[[Call], Awaitable[object]]) -> object:
    async with grpc.aio.insecure_channel(address) as channel:
        return await body(grpc_caller(api_grpc.ClearMarkServiceStub(channel)))


def run_load(workers: int, levels: list[int], per_level: int, max_seconds: float) -> str:
    """Rising concurrency over gRPC, then the saturation level's work in-process; Markdown."""
    contents = content_mix()
    server = ServerProcess(workers, max_pending=max(levels) * 2)
    work = schedule(per_level)
    try:
        warm = asyncio.run(_with_channel(server.address, lambda call: drive(call, work[:8], contents, 2, 120)))
        results = [
            asyncio.run(_with_channel(server.address, lambda call, c=c: drive(call, work, contents, c, max_seconds)))
            for c in levels
        ]
    finally:
        exit_code = server.close()
    best = max(results, key=lambda r: r.throughput)
    with tempfile.TemporaryDirectory(prefix="clearmark-load-app-") as data:
        settings = Settings(data_dir=Path(data), cpu_workers=workers, max_pending_jobs=max(levels) * 2)
        with ClearMarkApp(settings) as app:
            app.pool.warm()

            async def in_process() -> tuple[LevelResult, LevelResult]:
                await drive(app_caller(app), work[:8], contents, 2, 120)
                return (
                    await drive(app_caller(app), work, contents, best.concurrency, max_seconds),
                    await drive(app_caller(app), work, contents, 1, max_seconds),
                )

            reference, reference_1 = asyncio.run(in_process())
    overhead = 1 - best.throughput / reference.throughput if reference.throughput else float("nan")
    single = results[0]
    cores = os.cpu_count() or 1
    peak = max(kib for _, kib in server.rss) / 1024 if server.rss else float("nan")
    return "\n".join(
        [
            f"### Load: {workers} workers, {cores} CPUs, {per_level} requests per level (mix of {len(MIX)} cases)",
            "",
            _level_rows(results),
            "",
            f"In-process, same requests, same {workers} workers: concurrency {best.concurrency} "
            f"{reference.throughput:.2f} req/s (p50 {reference.percentile(0.5):.0f} ms, "
            f"codes {dict(reference.codes)}); "
            f"concurrency 1 {reference_1.throughput:.2f} req/s (p50 {reference_1.percentile(0.5):.0f} ms).",
            "",
            "| ratio | value |",
            "|---|---:|",
            f"| gRPC throughput / in-process at saturation (c={best.concurrency}) | "
            f"{best.throughput / reference.throughput:.3f} |",
            f"| gRPC overhead at saturation (target <= 20 %) | {overhead * 100:.1f} % |",
            f"| gRPC p50 / in-process p50 at concurrency 1 | "
            f"{single.percentile(0.5) / reference_1.percentile(0.5):.3f} |",
            f"| saturation throughput per worker | {best.throughput / workers:.2f} req/s |",
            f"| saturation throughput per core ({cores} cores) | {best.throughput / cores:.2f} req/s |",
            f"| server peak RSS, workers included | {peak:.0f} MiB |",
            "",
            f"Warm-up codes {dict(warm.codes)}; server exit code {exit_code}.",  # type: ignore[attr-defined]
            "",
            _rss_rows(server.rss, max(1, len(server.rss) // 12)),
            "",
        ]
    )


@dataclass(frozen=True)
class SoakReport:
    """The soak's verdict: load, errors, RSS after warm-up and at the end."""

    rate: float
    result: LevelResult
    rss_start_kib: int
    rss_end_kib: int
    samples: list[tuple[float, int]]

    @property
    def growth(self) -> float:
        return self.rss_end_kib / self.rss_start_kib - 1 if self.rss_start_kib else float("nan")

    @property
    def errors(self) -> int:
        return self.result.done - self.result.codes.get("OK", 0)

    def markdown(self) -> str:
        r = self.result
        return "\n".join(
            [
                f"### Soak: {r.seconds:.0f} s at {self.rate:.2f} req/s",
                "",
                f"{r.done} requests, {self.errors} errors ({dict(r.codes)}); p50 {r.percentile(0.5):.0f} ms, "
                f"p99 {r.percentile(0.99):.0f} ms; RSS after warm-up {self.rss_start_kib / 1024:.0f} MiB, at the end "
                f"{self.rss_end_kib / 1024:.0f} MiB: growth {self.growth * 100:+.1f} % (target < 10 %).",
                "",
                _rss_rows(self.samples, max(1, len(self.samples) // 12)),
                "",
            ]
        )


def run_soak(workers: int, seconds: float, rate: float | None, fraction: float, warmup_s: float) -> SoakReport:
    """Find saturation (unless ``rate`` is given), then hold ``fraction`` of it for ``seconds``."""
    contents = content_mix()
    server = ServerProcess(workers, max_pending=64)
    try:
        if rate is None:
            probe = asyncio.run(
                _with_channel(
                    server.address, lambda call: drive(call, schedule(12 * workers), contents, 2 * workers, 120)
                )
            )
            rate = probe.throughput * fraction  # type: ignore[attr-defined]
        every_case = [(verb, name) for verb, name, _ in MIX] * 2  # each kind of work has run before RSS counts
        asyncio.run(_with_channel(server.address, lambda call: drive(call, every_case, contents, workers, 300)))
        asyncio.run(_with_channel(server.address, lambda call: paced(call, contents, rate, warmup_s, 4 * workers)))
        start = _tree_rss_kib(server.process.pid)
        began = len(server.rss)
        result = asyncio.run(
            _with_channel(server.address, lambda call: paced(call, contents, rate, seconds, 4 * workers))
        )
        end = _tree_rss_kib(server.process.pid)
        samples = server.rss[began:]
    finally:
        server.close()
    return SoakReport(rate, result, start, end, samples)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    parser.add_argument("--levels", default="1,2,4,8", help="client concurrency levels, rising")
    parser.add_argument("--requests", type=int, default=120, help="requests per level (bounded)")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="time bound per level")
    parser.add_argument("--soak", type=float, help="seconds of soak instead of the load levels (e.g. 1800)")
    parser.add_argument("--soak-fraction", type=float, default=0.7, help="share of the saturation rate to hold")
    parser.add_argument("--soak-rate", type=float, help="fixed request rate instead of measuring saturation")
    parser.add_argument("--soak-warmup", type=float, default=60.0, help="seconds before RSS is taken as the base")
    args = parser.parse_args(argv)
    if args.soak:
        report = run_soak(args.workers, args.soak, args.soak_rate, args.soak_fraction, args.soak_warmup)
        print(report.markdown())
        return 0 if report.errors == 0 and report.growth < 0.10 else 1
    levels = [int(level) for level in args.levels.split(",")]
    print(run_load(args.workers, levels, args.requests, args.max_seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
