"""The OCR models as rapidocr ships them vs their rewritten graphs (detectors/ocr_graph.py), on the Inspect's inputs.

``python -m bench.run ocr_graph``. The detector and recogniser inputs are the ones the default Inspect
of the stamped 1080p JPEG (``campaign_inspect``'s) feeds the engine; each model runs as shipped and
rewritten in sessions with the engine's options (one thread, no memory arena, every optimisation),
interleaved, by wall clock and by CPU time; the outputs' largest absolute difference and the rewrite's
own cost (done once per process, at engine open) are reported beside them.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime

from bench.bench_campaign_inspect import PRODUCER, WATERMARK_KEY, measure_cpu
from bench.harness import measure, report
from bench.images import jpeg_1080p
from clearmark.detectors.ocr import shared_ocr_engine
from clearmark.detectors.ocr_graph import rewrite_ocr_model
from clearmark.service.app import pipeline_config
from clearmark.service.config import Settings
from clearmark.service.keys import ensure_dev_signing_material
from clearmark.service.pipelines import StampJob, inspect_content, stamp_content

MODELS = Path(__import__("rapidocr_onnxruntime").__file__).parent / "models"
PARTS = {"detector": "ch_PP-OCRv4_det_infer.onnx", "recogniser": "ch_PP-OCRv4_rec_infer.onnx"}


def run(repeats: int) -> str:
    """Time the cases and return the Markdown report."""
    inputs = inspect_inputs()
    cases, lines = {}, []
    for part, file in PARTS.items():
        original = (MODELS / file).read_bytes()
        start = time.process_time()
        rewritten, _ = rewrite_ocr_model(original)
        rewrite_ms = (time.process_time() - start) * 1000
        shipped, ours = _session(original), _session(rewritten)
        feeds = [{"x": x} for x in inputs[part]]
        difference = max(float(np.abs(shipped.run(None, f)[0] - ours.run(None, f)[0]).max()) for f in feeds)
        shapes = ", ".join("x".join(map(str, x.shape[2:])) for x in inputs[part])
        lines.append(f"| {part} | {shapes} | {difference:.2g} | {rewrite_ms:.0f} |")
        cases[f"{part}, as shipped"] = lambda s=shipped, f=feeds: [s.run(None, x) for x in f]
        cases[f"{part}, rewritten"] = lambda s=ours, f=feeds: [s.run(None, x) for x in f]
    ratios = [(f"{part}, rewritten", f"{part}, as shipped") for part in PARTS]
    title = "PP-OCRv4 models on the default Inspect's inputs, as shipped vs rewritten"
    table = "\n".join(
        ["| model | inputs (HxW) | max abs output difference | rewrite CPU ms |", "|---|---|---:|---:|", *lines]
    )
    return (
        report(title, measure(cases, repeats=repeats), ratios)
        + "\n"
        + report(f"{title}: CPU time (ms of process time)", measure_cpu(cases, repeats=repeats), ratios)
        + "\n"
        + table
        + "\n"
    )


def inspect_inputs() -> dict[str, list[np.ndarray]]:
    """The tensors one default Inspect of the stamped 1080p JPEG feeds the detector and the recogniser."""
    logging.getLogger("clearmark.service.keys").setLevel(logging.ERROR)
    engine = shared_ocr_engine()
    seen: dict[str, list[np.ndarray]] = {"detector": [], "recogniser": []}
    holders = {"detector": engine._detector.infer, "recogniser": engine._recogniser.session}
    sessions = {part: holder.session for part, holder in holders.items()}
    for part, holder in holders.items():
        holder.session = _Recording(sessions[part], seen[part])
    try:
        with tempfile.TemporaryDirectory(prefix="clearmark-bench-") as data_dir:
            root = Path(data_dir)
            keys = ensure_dev_signing_material(root), WATERMARK_KEY
            config = pipeline_config(Settings(data_dir=root), *keys)
            job = StampJob(request_id="b", tenant="b", content=jpeg_1080p(), producer_code=PRODUCER)
            stamped = stamp_content(job, config).content
            for found in seen.values():
                found.clear()
            inspect_content(stamped, config)
    finally:
        for part, holder in holders.items():
            holder.session = sessions[part]
    return seen


class _Recording:
    """An ONNX Runtime session that keeps a copy of every input it runs on."""

    def __init__(self, session: onnxruntime.InferenceSession, seen: list[np.ndarray]) -> None:
        self._session, self._seen = session, seen

    def run(self, names, feed):
        self._seen.append(next(iter(feed.values())).copy())
        return self._session.run(names, feed)

    def __getattr__(self, name: str):
        return getattr(self._session, name)


def _session(model: bytes) -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4
    options.enable_cpu_mem_arena = False
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = 1
    return onnxruntime.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])
