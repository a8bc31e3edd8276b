"""The work pool with real spawned workers: a dead worker fails only its job, abandoned work is stopped."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator

import pytest

from clearmark.core.errors import DeadlineExceeded, Overloaded
from clearmark.service.pipelines.config import PipelineConfig
from clearmark.service.pool import WorkerCrashed, WorkPool


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkPool]:
    with WorkPool(2, 3, PipelineConfig()) as work_pool:
        work_pool.warm()
        yield work_pool


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


async def _until(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


def test_a_killed_worker_fails_only_its_own_job_and_is_rebuilt_once(pool: WorkPool) -> None:
    async def scenario() -> None:
        before = pool.stats().rebuilds
        jobs = [asyncio.create_task(pool.run(time.sleep, 1.5)) for _ in range(2)]
        await _until(lambda: pool.stats().busy == 2)
        victim = pool.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        results = await asyncio.gather(*jobs, return_exceptions=True)
        crashed = [r for r in results if isinstance(r, WorkerCrashed)]
        assert len(crashed) == 1 and results.count(None) == 1, results
        assert crashed[0].reason == "WORKER_CRASHED"
        assert pool.stats().rebuilds == before + 1
        assert victim not in pool.worker_pids()
        assert await pool.run(pow, 2, 10) == 1024  # the rebuilt pool serves the next job

    asyncio.run(scenario())


def test_a_deadline_stops_the_running_work(pool: WorkPool) -> None:
    async def scenario() -> None:
        pids = set(pool.worker_pids())
        with pytest.raises(DeadlineExceeded):
            await pool.run(time.sleep, 60, timeout=0.5)
        ended = pids - set(pool.worker_pids())
        assert len(ended) == 1
        await _until(lambda: not _alive(next(iter(ended))))
        # Both workers are free for new work: none is still sleeping through the abandoned minute.
        assert await asyncio.gather(pool.run(pow, 3, 3, timeout=30), pool.run(pow, 2, 3, timeout=30)) == [27, 8]

    asyncio.run(scenario())


def test_a_caller_that_goes_away_stops_its_work(pool: WorkPool) -> None:
    async def scenario() -> None:
        before = pool.stats().rebuilds
        job = asyncio.create_task(pool.run(time.sleep, 60))
        await _until(lambda: pool.stats().busy == 1)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        assert pool.stats().rebuilds == before + 1
        assert pool.stats().pending == 0

    asyncio.run(scenario())


def test_past_max_pending_the_pool_refuses_at_once(pool: WorkPool) -> None:
    async def scenario() -> None:
        jobs = [asyncio.create_task(pool.run(time.sleep, 0.5)) for _ in range(3)]
        await _until(lambda: pool.stats().pending == 3)
        assert pool.stats().queued == 1
        with pytest.raises(Overloaded):
            await pool.run(time.sleep, 0.5)
        assert pool.stats().pending == 3  # refused while the others still run: it never queued
        assert await asyncio.gather(*jobs) == [None, None, None]

    asyncio.run(scenario())
