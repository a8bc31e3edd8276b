"""clearmark.client against the raw generated stub: Inspect of a 1080p JPEG, unary and streamed, same server."""

from __future__ import annotations

import logging

import grpc

from bench.harness import measure, report
from bench.images import jpeg_1080p
from bench.server import running_server
from clearmark.client import Client
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc


def run(repeats: int) -> str:
    """Time the cases and return the Markdown report."""
    logging.getLogger("clearmark.service.keys").setLevel(logging.ERROR)  # dev-key warnings are expected
    source = jpeg_1080p()
    with (
        running_server(cpu_workers=1) as address,
        grpc.insecure_channel(address) as channel,
        Client(address) as unary,
        Client(address, stream_above_bytes=0, chunk_bytes=64 * 1024) as streaming,
    ):
        stub = api_grpc.ClearMarkServiceStub(channel)
        timings = measure(
            {
                "raw stub Inspect": lambda: stub.Inspect(api.InspectRequest(content=source), timeout=60),
                "Client.inspect (unary)": lambda: unary.inspect(source),
                "Client.inspect (InspectStream, 64 KiB chunks)": lambda: streaming.inspect(source),
            },
            repeats=repeats,
        )
    title = f"Inspect of a 1920x1080 JPEG ({len(source) // 1024} KiB) over gRPC on 127.0.0.1, one worker"
    return report(
        title,
        timings,
        [
            ("Client.inspect (unary)", "raw stub Inspect"),
            ("Client.inspect (InspectStream, 64 KiB chunks)", "raw stub Inspect"),
        ],
    )
