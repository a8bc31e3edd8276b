"""Batch-audit throughput: ``run_audit`` (process pool, JSONL, CSV, HTML) vs calling Verify in a plain loop.

``python -m bench.run audit``. Both verify the same 200 mixed generated files (``bench.audit_corpus``:
stamped and plain PNG/JPEG/WebP at 192 px, texts, Markdown, broken files) with the same pipeline
configuration, in the same run, alternating. The loop reads each file and calls ``verify_content``
in this process and keeps the reports; the audit also writes its three files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from bench.audit_corpus import make_corpus
from bench.harness import measure
from clearmark.core.errors import ClearMarkError
from clearmark.service.audit import audit_config, collect_inputs, run_audit
from clearmark.service.pipelines import PipelineConfig, VerifyJob, verify_content
from clearmark.service.reports.audit_page import render_audit_html

FILES = 200


def run(repeats: int) -> str:
    repeats = max(3, min(repeats, 9))
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        make_corpus(root / "corpus", FILES)
        inputs = collect_inputs(root / "corpus")
        config = audit_config(PipelineConfig())
        warm = next(path for path in inputs if "/plain/" in path)
        verify_content(VerifyJob("warm", Path(warm).read_bytes()), config)  # build detectors once

        def plain_loop() -> None:
            for path in inputs:
                try:
                    verify_content(VerifyJob("loop", Path(path).read_bytes()), config)
                except ClearMarkError:
                    pass

        def audit(workers: int) -> None:
            out = root / f"out-{workers}"
            shutil.rmtree(out, ignore_errors=True)
            run_audit(inputs, out, config, workers=workers, render_html=render_audit_html)

        cases = {
            "plain loop of verify_content (1 process)": plain_loop,
            "clearmark audit, workers=0 (in process)": lambda: audit(0),
            f"clearmark audit, workers={workers} (process pool)": lambda: audit(workers),
        }
        timings = measure(cases, repeats=repeats, warmup=0)
    loop = timings["plain loop of verify_content (1 process)"]
    lines = [
        f"### Batch audit of {FILES} mixed files, {workers} CPUs",
        "",
        "| case | median s | files/s | n |",
        "|---|---:|---:|---:|",
    ]
    for timing in timings.values():
        seconds = timing.median_ms / 1000
        lines.append(f"| {timing.name} | {seconds:.2f} | {FILES / seconds:.1f} | {len(timing.samples_ms)} |")
    lines += ["", "| ratio (throughput vs the plain loop) | value |", "|---|---:|"]
    for name, timing in timings.items():
        if timing is not loop:
            lines.append(f"| {name} | {loop.median_ms / timing.median_ms:.2f}x |")
    return "\n".join(lines) + "\n"
