"""Per-process worker caches: the helper threads detectors run beside the others on."""

from __future__ import annotations

from clearmark.service.pipelines.workers import beside_pool


def test_no_threads_means_no_pool_and_every_detector_in_turn() -> None:
    assert beside_pool(0) is None


def test_one_pool_per_process_and_size() -> None:
    pool = beside_pool(1)
    assert pool is not None and pool is beside_pool(1)
    assert pool.submit(lambda: 2 + 2).result(timeout=10) == 4
    assert beside_pool(2) is not pool
