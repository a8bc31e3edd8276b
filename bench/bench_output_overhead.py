"""What file outputs cost a small unary Stamp: the per-request work directory, and Stamp of a 1080p JPEG over gRPC.

``python -m bench.bench_output_overhead [--repeats 15]`` times ``ClearMarkApp.workspace()`` (made and
removed per Stamp/Label request) and ``Stamp`` of the bench's 1080p JPEG against a server on 127.0.0.1
(one worker, a fresh request id per call). Run it with another ``src`` first on ``PYTHONPATH`` (e.g.
``git archive <commit> src``) for the before side; the workspace line needs this branch. Also run by
``python -m bench.run output_overhead``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

import grpc

from bench.images import jpeg_1080p
from bench.server import running_server
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc

PRODUCER = "001191440300708461136T1XGW3"


def _median_ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:.2f} ms median, {sorted(times)[int(len(times) * 0.9)] * 1000:.2f} ms p90"


def workspace_times(count: int = 200) -> list[float]:
    """Seconds to make and remove one request's work directory, ``count`` times."""
    from clearmark.service.app import ClearMarkApp
    from clearmark.service.config import Settings

    with (
        tempfile.TemporaryDirectory() as data_dir,
        ClearMarkApp(Settings(data_dir=Path(data_dir), cpu_workers=0)) as app,
    ):

        async def measure() -> list[float]:
            times = []
            for _ in range(count):
                start = time.perf_counter()
                async with app.workspace():
                    pass
                times.append(time.perf_counter() - start)
            return times

        return asyncio.run(measure())


def stamp_times(repeats: int) -> list[float]:
    """Seconds per unary Stamp of the 1080p JPEG over gRPC, after three warm-up calls."""
    source = jpeg_1080p()
    options = api.StampOptions(producer_code=PRODUCER)
    ids = itertools.count()
    with running_server(cpu_workers=1) as address, grpc.insecure_channel(address) as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)

        def stamp() -> None:
            stub.Stamp(api.StampRequest(request_id=f"b{next(ids)}", content=source, options=options), timeout=120)

        for _ in range(3):
            stamp()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            stamp()
            times.append(time.perf_counter() - start)
        return times


def run(repeats: int = 15) -> str:
    logging.getLogger("clearmark.service.keys").setLevel(logging.ERROR)
    lines = ["### File-output overhead of a small unary Stamp", ""]
    try:
        lines.append(f"- work directory made and removed: {_median_ms(workspace_times())} (200 times)")
    except AttributeError:
        lines.append("- work directory: none in this version")
    lines.append(f"- Stamp of a 1080p JPEG over gRPC: {_median_ms(stamp_times(repeats))} ({repeats} calls)")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    print(run(args.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
