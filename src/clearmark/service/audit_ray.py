"""Batch audits on Ray Data: the same ``verify_file`` over a Ray cluster, for archives of millions of files.

Ray is an optional dependency (``pip install clearmark[audit]``); only this module imports it.
Every Ray worker must see the same files at the same paths (a shared or network file system).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from clearmark.service.audit import AuditRow, Runner, verify_file
from clearmark.service.pipelines import PipelineConfig

LOCAL = "local"
# Rows travel through Ray's Arrow blocks as one JSON string each (outcome keys vary per file).
_COLUMN = "row"


def _verify_batch(batch: dict[str, Any], config: PipelineConfig) -> dict[str, list[str]]:
    return {_COLUMN: [verify_file(str(path), config).to_json() for path in batch["path"]]}


def ray_runner(address: str, *, batch_size: int = 16) -> Runner:
    """A runner that starts (``local``) or joins (``ray://…`` / ``HOST:PORT`` / ``auto``) a Ray cluster.

    Raises:
        ImportError: Ray is not installed (``pip install clearmark[audit]``).
    """
    import ray

    def run(paths: list[str], config: PipelineConfig, workers: int) -> Iterator[AuditRow]:
        if not paths:
            return
        if not ray.is_initialized():
            ray.init(**_init_arguments(address, workers))
        dataset = ray.data.from_items(
            [{"path": path} for path in paths], override_num_blocks=max(1, len(paths) // batch_size)
        )
        verified = dataset.map_batches(
            _verify_batch, fn_kwargs={"config": config}, batch_size=batch_size, batch_format="numpy"
        )
        for item in verified.iter_rows():
            yield AuditRow.from_json(str(item[_COLUMN]))

    return run


def _init_arguments(address: str, workers: int) -> dict[str, Any]:
    arguments: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "ignore_reinit_error": True}
    if address != LOCAL:
        arguments["address"] = address
        return arguments
    # A single-machine cluster: its workers import this very ClearMark, so hand them our path.
    source = str(Path(__file__).resolve().parents[2])
    python_path = os.pathsep.join(p for p in (source, os.environ.get("PYTHONPATH", "")) if p)
    arguments["runtime_env"] = {"env_vars": {"PYTHONPATH": python_path}}
    if workers > 0:
        arguments["num_cpus"] = workers
    return arguments
