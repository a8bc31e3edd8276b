"""Per-process worker caches: the helper threads detectors run beside the others on."""

from __future__ import annotations

import cv2

from clearmark.service.pipelines import PipelineConfig
from clearmark.service.pipelines.workers import beside_pool, configure_process


def test_no_threads_means_no_pool_and_every_detector_in_turn() -> None:
    assert beside_pool(0) is None


def test_one_pool_per_process_and_size() -> None:
    pool = beside_pool(1)
    assert pool is not None and pool is beside_pool(1)
    assert pool.submit(lambda: 2 + 2).result(timeout=10) == 4
    assert beside_pool(2) is not pool


def test_a_worker_runs_opencv_on_the_threads_configured() -> None:
    before = cv2.getNumThreads()
    try:
        configure_process(PipelineConfig(opencv_threads=1))
        assert cv2.getNumThreads() == 1
        configure_process(PipelineConfig(opencv_threads=0))  # 0: OpenCV's own default, left alone
        assert cv2.getNumThreads() == 1
        configure_process(PipelineConfig(opencv_threads=2))
        assert cv2.getNumThreads() == 2
    finally:
        cv2.setNumThreads(before)
