"""Memory admission: decode cost read from the header, per-request refusal, the server-wide budget."""

from __future__ import annotations

import asyncio

import pytest

from clearmark.core.enums import MediaKind
from clearmark.core.errors import MediaTooLarge, Overloaded
from clearmark.media.asset import open_asset
from clearmark.media.limits import MediaLimits
from clearmark.service.admission import BYTES_PER_PIXEL, MemoryBudget, MemoryEstimate, estimate_memory
from tests.service.bombs import SIDE, all_bombs

MIB = 1024 * 1024


@pytest.mark.parametrize("name", ["png", "webp", "jpeg"])
def test_bombs_are_sized_from_the_header_and_refused(name: str) -> None:
    data = all_bombs()[name]
    assert len(data) < 200 * 1024
    estimate = estimate_memory(open_asset(data, MediaLimits()), copies=3)
    assert estimate.pixels == SIDE * SIDE and estimate.bytes_per_pixel == BYTES_PER_PIXEL
    assert estimate.total_bytes > 512 * MIB
    with pytest.raises(MediaTooLarge) as refused:
        MemoryBudget(2048 * MIB, 512 * MIB).check(estimate)
    assert refused.value.reason == "MEMORY_BUDGET" and "per-request memory budget" in refused.value.message


def test_an_ordinary_photo_fits(jpeg_bytes: bytes) -> None:
    estimate = estimate_memory(open_asset(jpeg_bytes, MediaLimits()), copies=3)
    assert estimate.pixels == 640 * 480
    MemoryBudget(2048 * MIB, 512 * MIB).check(estimate)


def test_text_is_sized_from_its_bytes() -> None:
    estimate = estimate_memory(open_asset("一段文字。".encode() * 100, MediaLimits()), copies=3)
    assert estimate.kind is MediaKind.TEXT and estimate.pixels == 0
    assert estimate.total_bytes == estimate.size_bytes * 4


def test_the_server_budget_admits_up_to_its_size_then_refuses_with_retry() -> None:
    big = MemoryEstimate(MediaKind.IMAGE, 10 * MIB, 4, 1, 0)  # 40 MiB

    async def scenario() -> None:
        budget = MemoryBudget(100 * MIB, 60 * MIB, wait_s=0.05)
        async with budget.reserve(big), budget.reserve(big):
            assert budget.in_use == 80 * MIB
            with pytest.raises(Overloaded) as busy:
                async with budget.reserve(big):
                    pass
            assert busy.value.reason == "MEMORY_BUDGET_BUSY"
        assert budget.in_use == 0
        async with budget.reserve(big):  # room again once the others finished
            assert budget.in_use == 40 * MIB

    asyncio.run(scenario())


def test_a_waiting_request_is_admitted_when_room_frees() -> None:
    big = MemoryEstimate(MediaKind.IMAGE, 10 * MIB, 4, 1, 0)

    async def scenario() -> list[str]:
        budget = MemoryBudget(60 * MIB, 60 * MIB, wait_s=30)
        order: list[str] = []
        release = asyncio.Event()

        async def first() -> None:
            async with budget.reserve(big):
                order.append("first in")
                await release.wait()
            order.append("first out")

        async def second() -> None:
            async with budget.reserve(big):
                order.append("second in")

        task = asyncio.create_task(first())
        await asyncio.sleep(0)
        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.05)
        assert order == ["first in"]
        release.set()
        await asyncio.gather(task, waiting)
        return order

    assert asyncio.run(scenario()) == ["first in", "first out", "second in"]
