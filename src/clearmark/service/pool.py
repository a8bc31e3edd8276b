"""A bounded pool for CPU work, so the event loop keeps answering health checks while images decode.

Each worker is its own one-process executor (a *slot*) and runs one job at a time. That keeps a
fault local: a worker that dies fails only the job it was running and only its slot is rebuilt,
and a job whose caller has gone (deadline passed, RPC cancelled) is stopped by ending its worker
rather than left to finish for nobody.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from clearmark.core.errors import DeadlineExceeded, Overloaded, Unavailable
from clearmark.service.pipelines.config import PipelineConfig
from clearmark.service.pipelines.workers import configure_process, detectors_for, notice_font

log = logging.getLogger(__name__)
T = TypeVar("T")


class WorkerCrashed(Unavailable):
    """A worker process died while handling the content; its slot is rebuilt and a retry may succeed."""

    default_reason = "WORKER_CRASHED"


def _warm_worker(config: PipelineConfig) -> None:
    """Set the process's library threads and load detectors and the font once per worker, before the first job."""
    configure_process(config)
    detectors_for(config.detectors)
    notice_font(config.font_path)


@dataclass(frozen=True)
class PoolStats:
    """A snapshot for metrics: jobs admitted, jobs running, jobs waiting, slots rebuilt so far."""

    pending: int
    busy: int
    queued: int
    workers: int
    rebuilds: int


class _Slot:
    """One worker: a single-process executor (or a thread when the pool runs in-process)."""

    def __init__(self, index: int, in_process: bool, config: PipelineConfig) -> None:
        self.index = index
        self._in_process = in_process
        self._config = config
        self.executor = self._new_executor()

    def _new_executor(self) -> Executor:
        if self._in_process:
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"clearmark-work-{self.index}")
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_warm_worker,
            initargs=(self._config,),
        )

    def pids(self) -> list[int]:
        """Process ids of this slot's worker (none for a thread slot or before it started)."""
        processes = getattr(self.executor, "_processes", None) or {}
        return [pid for pid in processes if pid]

    def rebuild(self, *, kill: bool) -> None:
        """Replace the executor; ``kill`` ends a worker that is still busy with abandoned work."""
        old = self.executor
        if kill and isinstance(old, ProcessPoolExecutor):
            # The executor offers no way to stop one running call; ending its process is the only one.
            for process in list((getattr(old, "_processes", None) or {}).values()):
                process.kill()
        old.shutdown(wait=False, cancel_futures=True)
        self.executor = self._new_executor()
        if not self._in_process:
            self.executor.submit(_warm_worker, self._config)  # start it now, not on the next request


class WorkPool:
    """Runs pipeline functions in N spawned processes (or one thread when N is 0), with a bounded queue.

    Args:
        workers: process count; 0 runs jobs on a thread of this process (CLI, tests).
        max_pending: jobs running or queued before new ones are refused at once with ``Overloaded``.
        config: handed to each worker's initializer to warm caches.
    """

    def __init__(self, workers: int, max_pending: int, config: PipelineConfig) -> None:
        self._config = config
        self._max_pending = max_pending
        self._slots = [_Slot(i, workers == 0, config) for i in range(max(1, workers))]
        self._free = list(self._slots)
        self._available: asyncio.Semaphore | None = None
        self._pending = 0
        self._busy = 0
        self._rebuilds = 0

    @property
    def workers(self) -> int:
        """Number of worker slots."""
        return len(self._slots)

    def stats(self) -> PoolStats:
        """Current load (read by the metrics endpoint)."""
        return PoolStats(
            pending=self._pending,
            busy=self._busy,
            queued=self._pending - self._busy,
            workers=len(self._slots),
            rebuilds=self._rebuilds,
        )

    def worker_pids(self) -> list[int]:
        """Process ids of all live workers (for fault tests and RSS accounting)."""
        return [pid for slot in self._slots for pid in slot.pids()]

    async def run(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """Run ``fn(*args)`` on a free worker; ClearMarkErrors raised there are re-raised here.

        Cancelling the awaiting task (the caller went away) or reaching ``timeout`` stops the job:
        a queued job never starts, a running one has its worker ended and replaced.

        Raises:
            Overloaded: ``max_pending`` jobs are already admitted (answered at once, not queued).
            DeadlineExceeded: ``timeout`` seconds passed first (waiting included).
            WorkerCrashed: the worker process died while running this job.
        """
        if self._pending >= self._max_pending:
            raise Overloaded(f"{self._pending} jobs in flight (max {self._max_pending}); retry later")
        if timeout is not None and timeout <= 0:
            raise DeadlineExceeded("the deadline passed before the work started")
        if self._available is None:
            self._available = asyncio.Semaphore(len(self._slots))
        self._pending += 1
        try:
            async with asyncio.timeout(timeout):
                await self._available.acquire()
                slot = self._free.pop()
                self._busy += 1
                try:
                    return await self._run_on(slot, fn, args)
                finally:
                    self._busy -= 1
                    self._free.append(slot)
                    self._available.release()
        except TimeoutError:
            raise DeadlineExceeded(f"the work did not finish within the deadline ({timeout:.1f} s)") from None
        finally:
            self._pending -= 1

    async def _run_on(self, slot: _Slot, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        try:
            future = slot.executor.submit(fn, *args)
        except (BrokenProcessPool, RuntimeError):  # the slot broke between jobs (its worker was killed)
            self._rebuild(slot, kill=True, why="found broken")
            future = slot.executor.submit(fn, *args)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self._rebuild(slot, kill=False, why="its process died")
            raise WorkerCrashed("a worker process died while handling this content; retry") from None
        except asyncio.CancelledError:
            if not future.done() and not future.cancel():
                self._rebuild(slot, kill=True, why="its caller went away")
            raise

    def _rebuild(self, slot: _Slot, *, kill: bool, why: str) -> None:
        log.warning("worker %d rebuilt: %s", slot.index, why)
        self._rebuilds += 1
        slot.rebuild(kill=kill)

    def warm(self) -> None:
        """Start the workers now rather than on the first request."""
        futures = [slot.executor.submit(_warm_worker, self._config) for slot in self._slots]
        for future in futures:
            future.result()

    def close(self) -> None:
        """Finish running jobs, drop queued ones, stop the workers."""
        for slot in self._slots:
            slot.executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> WorkPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
