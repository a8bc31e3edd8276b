"""The whole Inspect of a 1080p JPEG with every detector and the campaign checks, against a bare Pillow decode.

``python -m bench.run campaign_inspect``. The default configuration (gated whole-image OCR: one
text-region pass for the notice checks and the campaign text; QR scan; the campaign rules) against
the previous default (OCR of the edge bands) with and without the campaign step, all in-process on
the same stamped JPEG, and ``Image.open(...).convert("RGB")`` as the reference. The default runs OCR on a
helper thread beside the other detectors (``detector_threads=1``); "in turn" runs every detector on
the calling thread (``detector_threads=0``): where a second core is free, the first takes about the
longer of OCR and the rest, the second their sum, for the same CPU time. Wall-clock and CPU
time (``time.process_time``: every thread of the process) are both reported, and the default
Inspect is split into its stages (decode, each detector, the campaign step, the rest) by CPU time.
Last, the capacity with every core busy (one process per core, as the service's workers): Inspects
per second against Pillow decodes per second, both trees of work running alone on the machine.
"""

from __future__ import annotations

import gc
import hashlib
import io
import logging
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PIL import Image

from bench.harness import Timing, measure, report
from bench.images import jpeg_1080p
from clearmark.campaign import shared_checker
from clearmark.campaign.content import campaign_signals
from clearmark.core.signals import Signal
from clearmark.detectors.registry import Detector
from clearmark.media.asset import open_asset
from clearmark.service.app import pipeline_config
from clearmark.service.config import Settings
from clearmark.service.keys import ensure_dev_signing_material
from clearmark.service.pipelines import PipelineConfig, StampJob, inspect_content, stamp_content
from clearmark.service.pipelines.workers import configure_process, detectors_for

PRODUCER = "001191440300708461136T1XGW3"
# A fixed watermark key, so every run stamps the same pixels: the mark's pattern differs per key and
# on about 1 key in 10 tips a textured patch of the bench photo over the OCR gate's threshold (one
# more detector call, ~20 ms), which made runs with fresh keys differ.
WATERMARK_KEY = hashlib.sha256(b"clearmark bench watermark key").digest()


def run(repeats: int) -> str:
    """Time the cases and return the Markdown report."""
    with tempfile.TemporaryDirectory(prefix="clearmark-bench-") as data_dir:
        return _run(repeats, Path(data_dir))


def _run(repeats: int, data_dir: Path) -> str:
    logging.getLogger("clearmark.service.keys").setLevel(logging.ERROR)
    source = jpeg_1080p()
    signing, key = ensure_dev_signing_material(data_dir), WATERMARK_KEY
    gated = pipeline_config(Settings(data_dir=data_dir), signing, key)
    in_turn = replace(gated, detector_threads=0)
    bands = replace(in_turn, detectors=replace(gated.detectors, ocr_mode="bands"))
    stamped = stamp_content(StampJob(request_id="b", tenant="b", content=source, producer_code=PRODUCER), gated).content
    shared_checker(None)
    configure_process(gated)  # what a service worker does first (OpenCV's threads)
    gc.freeze()  # what a service worker does after start-up: the rule tables are long-lived
    inspection = inspect_content(stamped, gated)
    assert inspection.campaign.policy_version and any(s.kind == "campaign.summary" for s in inspection.signals)
    cases: dict[str, Callable[[], object]] = {
        "inspect, default (gated OCR + QR + campaign rules)": lambda: inspect_content(stamped, gated),
        "inspect, detectors in turn (gated OCR + QR + campaign rules)": lambda: inspect_content(stamped, in_turn),
        "inspect, OCR of the edge bands + QR + campaign rules": lambda: inspect_content(stamped, bands),
        "pillow decode": lambda: Image.open(io.BytesIO(stamped)).convert("RGB"),
    }
    ratios = [
        ("inspect, default (gated OCR + QR + campaign rules)", "pillow decode"),
        ("inspect, detectors in turn (gated OCR + QR + campaign rules)", "pillow decode"),
        ("inspect, OCR of the edge bands + QR + campaign rules", "pillow decode"),
    ]
    title = f"Inspect of a stamped 1920x1080 JPEG ({len(stamped) // 1024} KiB), every detector and the campaign checks"
    timings = measure(cases, repeats=repeats)
    cpu = measure_cpu(cases, repeats=repeats)
    return (
        report(title, timings, ratios)
        + "\n"
        + report(f"{title}: CPU time (ms of process time)", cpu, ratios)
        + "\n"
        + _stage_table(stamped, gated, repeats, cpu["pillow decode"].median_ms)
        + "\n"
        + capacity_table(stamped, data_dir, os.cpu_count() or 1, inspects=2 * repeats)
    )


def measure_cpu(cases: dict[str, Callable[[], object]], *, repeats: int) -> dict[str, Timing]:
    """``bench.harness.measure`` by process CPU time instead of the wall clock (interleaved the same way)."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            start = time.process_time()
            fn()
            samples[name].append((time.process_time() - start) * 1000)
    return {name: Timing(name, tuple(values)) for name, values in samples.items()}


def _stage_table(content: bytes, config: PipelineConfig, repeats: int, decode_ms: float) -> str:
    """Median CPU ms of each stage of the default Inspect (one asset per round, stages in pipeline order)."""
    detectors = detectors_for(config.detectors)
    stages: dict[str, list[float]] = {}
    for _ in range(repeats):
        inspect_by_stage(content, config, detectors, stages)
    lines = [
        "### Where the default Inspect's CPU time goes (median ms per stage)",
        "",
        "| stage | CPU ms | x pillow decode |",
        "|---|---:|---:|",
    ]
    for name, values in stages.items():
        median = statistics.median(values)
        if median >= 0.05:
            lines.append(f"| {name} | {median:.1f} | {median / decode_ms:.2f} |")
    return "\n".join(lines) + "\n"


def inspect_by_stage(
    content: bytes, config: PipelineConfig, detectors: tuple[Detector, ...], stages: dict[str, list[float]]
) -> None:
    """One default Inspect in pipeline order (decode, each detector, the campaign step) on a fresh asset, each
    stage's CPU ms appended to ``stages`` under its name, and the whole under "all stages"."""

    def timed(name: str, fn: Callable[[], object]) -> object:
        start = time.process_time()
        result = fn()
        stages.setdefault(name, []).append((time.process_time() - start) * 1000)
        return result

    def one_round() -> None:
        asset = open_asset(content, config.limits)
        timed("decode (Asset.image) + pixels array", lambda: asset.pixels)
        signals: list[Signal] = []
        for detector in detectors:
            if asset.kind in detector.kinds:
                signals += timed(detector.name, lambda d=detector: d.detect(asset))  # type: ignore[misc]
        timed("campaign (QR scan + rules)", lambda: campaign_signals(asset, tuple(signals), None))

    timed("all stages", one_round)


def capacity_table(stamped: bytes, data_dir: Path, processes: int, *, inspects: int) -> str:
    """Inspects and Pillow decodes per second with ``processes`` processes running them at once.

    A service's CPU cost is what a request takes when every core is busy; the ratio of the two rates
    is the Inspect's cost in decodes at that load (each process warms up first, all start together).
    """
    rates = {}
    context = multiprocessing.get_context("spawn")
    for case, calls in (("pillow decode", 8 * inspects), ("inspect, default", inspects)):
        results = context.Queue()
        start = context.Barrier(processes)
        workers = [
            context.Process(target=_capacity_worker, args=(case, calls, stamped, data_dir, start, results))
            for _ in range(processes)
        ]
        for worker in workers:
            worker.start()
        done = [results.get() for _ in workers]
        for worker in workers:
            worker.join()
        total = processes * calls
        rates[case] = (total / max(wall for wall, _ in done), sum(cpu for _, cpu in done) / total)
    pillow, inspect = rates["pillow decode"], rates["inspect, default"]
    return (
        "\n".join(
            [
                f"### Capacity with {processes} processes busy (one per core), {inspects} Inspects each",
                "",
                "| case | per second | CPU ms per call |",
                "|---|---:|---:|",
                *(f"| {name} | {rate:.1f} | {cpu * 1000:.1f} |" for name, (rate, cpu) in rates.items()),
                "",
                "| ratio | value |",
                "|---|---:|",
                f"| pillow decodes per second / inspects per second | {pillow[0] / inspect[0]:.2f}x |",
            ]
        )
        + "\n"
    )


def _capacity_worker(case: str, calls: int, stamped: bytes, data_dir: Path, start: object, results: object) -> None:
    """One process of ``capacity_table``: warm up, wait for the others, time ``calls`` calls (wall, CPU s)."""
    logging.getLogger("clearmark.service.keys").setLevel(logging.ERROR)
    config = pipeline_config(Settings(data_dir=data_dir), ensure_dev_signing_material(data_dir), WATERMARK_KEY)
    shared_checker(None)
    configure_process(config)
    if case == "pillow decode":
        call: Callable[[], object] = lambda: Image.open(io.BytesIO(stamped)).convert("RGB")  # noqa: E731
    else:
        call = lambda: inspect_content(stamped, config)  # noqa: E731
    for _ in range(3):
        call()
    gc.freeze()
    start.wait()  # type: ignore[attr-defined]
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        call()
    results.put((time.perf_counter() - wall, time.process_time() - cpu))  # type: ignore[attr-defined]
