"""Stamp and Inspect of a 1080p JPEG, against plain Pillow decode (+ encode) of the same image."""

from __future__ import annotations

import io
import itertools
import logging
import tempfile
from pathlib import Path

import grpc
from PIL import Image

from bench.harness import measure, report
from bench.images import jpeg_1080p
from bench.server import running_server
from clearmark.service.app import pipeline_config
from clearmark.service.config import Settings
from clearmark.service.keys import ensure_dev_signing_material, ensure_watermark_key
from clearmark.service.pipelines import StampJob, inspect_content, stamp_content
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc

PRODUCER = "001191440300708461136T1XGW3"


def run(repeats: int) -> str:
    """Time the cases and return the Markdown report."""
    source = jpeg_1080p()
    with tempfile.TemporaryDirectory(prefix="clearmark-bench-") as data_dir:
        return _run(repeats, source, Path(data_dir))


def _run(repeats: int, source: bytes, data_dir: Path) -> str:
    # The configuration a default server runs with: notice, watermark, XMP, C2PA; every detector.
    logging.getLogger("clearmark.service.keys").setLevel(logging.ERROR)  # dev-key warnings are expected
    config = pipeline_config(
        Settings(data_dir=data_dir), ensure_dev_signing_material(data_dir), ensure_watermark_key(data_dir)
    )
    job = StampJob(request_id="bench", tenant="bench", content=source, producer_code=PRODUCER)
    stamped = stamp_content(job, config).content

    def pillow_decode() -> None:
        Image.open(io.BytesIO(source)).convert("RGB")

    def pillow_decode_encode() -> None:
        image = Image.open(io.BytesIO(source)).convert("RGB")
        image.save(io.BytesIO(), format="JPEG", quality=config.jpeg_quality)

    with running_server(cpu_workers=1) as address, grpc.insecure_channel(address) as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        options = api.StampOptions(producer_code=PRODUCER)
        ids = itertools.count()  # a fresh request id per call: a repeated one is served from the replay store
        timings = measure(
            {
                "clearmark stamp": lambda: stamp_content(job, config),
                "clearmark stamp over gRPC": lambda: stub.Stamp(
                    api.StampRequest(request_id=f"bench-{next(ids)}", content=source, options=options), timeout=60
                ),
                "pillow decode+encode": pillow_decode_encode,
                "clearmark inspect (stamped)": lambda: inspect_content(stamped, config),
                "clearmark inspect over gRPC": lambda: stub.Inspect(api.InspectRequest(content=stamped), timeout=60),
                "pillow decode": pillow_decode,
            },
            repeats=repeats,
        )
    return report(
        f"Image verbs, 1920x1080 JPEG ({len(source) // 1024} KiB), default configuration, in-process and over gRPC",
        timings,
        [
            ("clearmark stamp", "pillow decode+encode"),
            ("clearmark stamp over gRPC", "pillow decode+encode"),
            ("clearmark inspect (stamped)", "pillow decode"),
            ("clearmark inspect over gRPC", "pillow decode"),
        ],
    )
