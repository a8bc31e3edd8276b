"""A bounded pool for CPU work, so the event loop keeps answering health checks while images decode."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from clearmark.core.errors import ClearMarkError, DeadlineExceeded, Overloaded
from clearmark.service.pipelines.config import PipelineConfig
from clearmark.service.pipelines.workers import detectors_for, notice_font

log = logging.getLogger(__name__)
T = TypeVar("T")


class WorkerCrashed(ClearMarkError):
    """A worker process died while handling the content (the pool is rebuilt)."""

    default_reason = "WORKER_CRASHED"


def _warm_worker(config: PipelineConfig) -> None:
    """Load detectors and the font once per worker, before the first job."""
    detectors_for(config.detectors)
    notice_font(config.font_path)


class WorkPool:
    """Runs pipeline functions in N spawned processes (or one thread when N is 0), with a bounded queue.

    Args:
        workers: process count; 0 runs jobs on a thread of this process (CLI, tests).
        max_pending: jobs running or queued before new ones are refused with ``Overloaded``.
        config: handed to each worker's initializer to warm caches.
    """

    def __init__(self, workers: int, max_pending: int, config: PipelineConfig) -> None:
        self._workers = workers
        self._max_pending = max_pending
        self._config = config
        self._pending = 0
        self._executor = self._new_executor()

    def _new_executor(self) -> Executor:
        if self._workers == 0:
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="clearmark-work")
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_warm_worker,
            initargs=(self._config,),
        )

    async def run(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """Run ``fn(*args)`` in the pool; ClearMarkErrors raised there are re-raised here.

        Raises:
            Overloaded: ``max_pending`` jobs are already in flight.
            DeadlineExceeded: ``timeout`` seconds passed first.
            WorkerCrashed: the worker process died.
        """
        if self._pending >= self._max_pending:
            raise Overloaded(f"{self._pending} jobs in flight (max {self._max_pending}); retry later")
        if timeout is not None and timeout <= 0:
            raise DeadlineExceeded("the deadline passed before the work started")
        self._pending += 1
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._executor, fn, *args)
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise DeadlineExceeded(f"the work did not finish within the deadline ({timeout:.1f} s)") from None
        except BrokenProcessPool:
            log.error("a worker process died; rebuilding the pool")
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._new_executor()
            raise WorkerCrashed("a worker process died while handling this content") from None
        finally:
            self._pending -= 1

    def warm(self) -> None:
        """Start the workers now rather than on the first request."""
        futures = [self._executor.submit(_warm_worker, self._config) for _ in range(max(1, self._workers))]
        for future in futures:
            future.result()

    def close(self) -> None:
        """Finish running jobs, drop queued ones, stop the workers."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> WorkPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
