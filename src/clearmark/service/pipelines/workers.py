"""Per-process caches and settings every job needs (detectors, font, helper threads, OpenCV threads), made once."""

from __future__ import annotations

import os
import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from functools import cache
from pathlib import Path

import cv2

from clearmark.detectors.registry import Detector, DetectorContext, build_detectors
from clearmark.notice import NoticeFont, load_notice_font
from clearmark.service.pipelines.config import PipelineConfig
from clearmark.service.registry import RegistryStore
from clearmark.service.registry.evidence import RegistryView

_registries: dict[str, RegistryView] = {}
_registries_lock = threading.Lock()


@cache
def detectors_for(context: DetectorContext) -> tuple[Detector, ...]:
    """The registered detectors, built once per process."""
    import clearmark.detectors  # noqa: F401  (registers every detector module)

    return build_detectors(context)


def beside_pool(threads: int) -> Executor | None:
    """This process's helper threads for the detectors that run beside the others (``run_detectors``);
    None for 0. Made on first use in each process: a pool a parent made does not survive a fork."""
    return _beside_pool(os.getpid(), threads) if threads > 0 else None


@cache
def _beside_pool(pid: int, threads: int) -> Executor:
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"detectors-{pid}")


def configure_process(config: PipelineConfig) -> None:
    """Per-process settings of the libraries the jobs use, made once a worker starts: OpenCV's threads."""
    if config.opencv_threads > 0:
        cv2.setNumThreads(config.opencv_threads)


def notice_font(font_path: Path | None) -> NoticeFont:
    """The notice font, loaded and checksum-verified once per process (``load_notice_font`` caches)."""
    return load_notice_font(font_path)


def share_registry(url: str, registry: RegistryView | None) -> None:
    """Let jobs in this process ask ``registry`` for ``url`` (the app's own store, for in-process
    workers and in-memory databases); None withdraws it."""
    with _registries_lock:
        if registry is None:
            _registries.pop(url, None)
        else:
            _registries[url] = registry


def registry_view(url: str) -> RegistryView:
    """The registry at ``url`` for the decision to ask: the shared one, else opened once per process."""
    with _registries_lock:
        view = _registries.get(url)
        if view is None:
            view = _registries[url] = RegistryStore(url)
        return view
