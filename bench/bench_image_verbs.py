"""Stamp and Inspect of a 1080p JPEG, against plain Pillow decode (+ encode) of the same image."""

from __future__ import annotations

import io

from PIL import Image

from bench.harness import measure, report
from bench.images import jpeg_1080p
from clearmark.service.pipelines import PipelineConfig, StampJob, inspect_content, stamp_content

PRODUCER = "001191440300708461136T1XGW3"


def run(repeats: int) -> str:
    """Time the cases and return the Markdown report."""
    source = jpeg_1080p()
    config = PipelineConfig()
    job = StampJob(request_id="bench", tenant="bench", content=source, producer_code=PRODUCER)
    stamped = stamp_content(job, config).content

    def pillow_decode() -> None:
        Image.open(io.BytesIO(source)).convert("RGB")

    def pillow_decode_encode() -> None:
        image = Image.open(io.BytesIO(source)).convert("RGB")
        image.save(io.BytesIO(), format="JPEG", quality=config.jpeg_quality)

    timings = measure(
        {
            "clearmark stamp": lambda: stamp_content(job, config),
            "pillow decode+encode": pillow_decode_encode,
            "clearmark inspect (stamped)": lambda: inspect_content(stamped, config),
            "pillow decode": pillow_decode,
        },
        repeats=repeats,
    )
    return report(
        f"Image verbs, 1920x1080 JPEG ({len(source) // 1024} KiB), in-process pipelines",
        timings,
        [("clearmark stamp", "pillow decode+encode"), ("clearmark inspect (stamped)", "pillow decode")],
    )
