"""The same audit on Ray Data (Ray's local mode): the same rows as the local process pool."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.audit_corpus import make_corpus

from clearmark.service.audit import AuditRow, audit_config, collect_inputs, run_audit
from clearmark.service.pipelines import PipelineConfig

ray = pytest.importorskip("ray", reason="Ray is in the test extra: pip install -e '.[test]'")


@pytest.fixture(scope="module")
def ray_local() -> Iterator[None]:
    yield
    ray.shutdown()


def test_ray_local_mode_gives_the_same_rows(ray_local: None, tmp_path: Path) -> None:
    from clearmark.service.audit_ray import ray_runner

    make_corpus(tmp_path / "files", 8, side=128)
    inputs = collect_inputs(tmp_path / "files")
    config = audit_config(PipelineConfig())
    local = run_audit(inputs, tmp_path / "local", config, workers=0)
    on_ray = run_audit(inputs, tmp_path / "ray", config, workers=1, runner=ray_runner("local", batch_size=4))
    assert on_ray.verified_now == 8 and on_ray.summary == local.summary

    def rows(out: Path) -> list[AuditRow]:
        lines = (out / "audit.jsonl").read_text().splitlines()
        return sorted((AuditRow.from_json(line) for line in lines), key=lambda row: row.path)

    assert rows(tmp_path / "ray") == rows(tmp_path / "local")
    assert json.loads((tmp_path / "ray" / "audit.jsonl").read_text().splitlines()[0])["path"] in inputs
