"""The whole Inspect of a 1080p JPEG with every detector and the campaign checks, against a bare Pillow decode.

``python -m bench.run campaign_inspect``. The default configuration (gated whole-image OCR: one
text-region pass for the notice checks and the campaign text; QR scan; the campaign rules) against
the previous default (OCR of the edge bands) with and without the campaign step, all in-process on
the same stamped JPEG, and ``Image.open(...).convert("RGB")`` as the reference.
"""

from __future__ import annotations

import gc
import io
import logging
import tempfile
from dataclasses import replace
from pathlib import Path

from PIL import Image

from bench.harness import measure, report
from bench.images import jpeg_1080p
from clearmark.campaign import shared_checker
from clearmark.service.app import pipeline_config
from clearmark.service.config import Settings
from clearmark.service.keys import ensure_dev_signing_material, ensure_watermark_key
from clearmark.service.pipelines import StampJob, inspect_content, stamp_content

PRODUCER = "001191440300708461136T1XGW3"


def run(repeats: int) -> str:
    """Time the cases and return the Markdown report."""
    with tempfile.TemporaryDirectory(prefix="clearmark-bench-") as data_dir:
        return _run(repeats, Path(data_dir))


def _run(repeats: int, data_dir: Path) -> str:
    logging.getLogger("clearmark.service.keys").setLevel(logging.ERROR)
    source = jpeg_1080p()
    signing, key = ensure_dev_signing_material(data_dir), ensure_watermark_key(data_dir)
    gated = pipeline_config(Settings(data_dir=data_dir), signing, key)
    bands = replace(gated, detectors=replace(gated.detectors, ocr_mode="bands"))
    stamped = stamp_content(StampJob(request_id="b", tenant="b", content=source, producer_code=PRODUCER), gated).content
    shared_checker(None)
    gc.freeze()  # what a service worker does after start-up: the rule tables are long-lived
    inspection = inspect_content(stamped, gated)
    assert inspection.campaign.policy_version and any(s.kind == "campaign.summary" for s in inspection.signals)
    timings = measure(
        {
            "inspect, default (gated OCR + QR + campaign rules)": lambda: inspect_content(stamped, gated),
            "inspect, OCR of the edge bands + QR + campaign rules": lambda: inspect_content(stamped, bands),
            "pillow decode": lambda: Image.open(io.BytesIO(stamped)).convert("RGB"),
        },
        repeats=repeats,
    )
    return report(
        f"Inspect of a stamped 1920x1080 JPEG ({len(stamped) // 1024} KiB), every detector and the campaign checks",
        timings,
        [
            ("inspect, default (gated OCR + QR + campaign rules)", "pillow decode"),
            ("inspect, OCR of the edge bands + QR + campaign rules", "pillow decode"),
        ],
    )
