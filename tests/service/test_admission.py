"""Memory admission: decode cost read from the header, per-request refusal, the server-wide budget."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia, MediaTooLarge, Overloaded
from clearmark.media.asset import open_asset
from clearmark.media.format import BMFF_C2PA_MEMORY
from clearmark.media.limits import MediaLimits
from clearmark.media.source import Source
from clearmark.service.admission import (
    BYTES_PER_PIXEL,
    VIDEO_FRAMES,
    C2paUse,
    MemoryBudget,
    MemoryEstimate,
    estimate_memory,
)
from clearmark.service.config import Settings
from tests.media.movie_clips import make_clip as make_tiny_clip
from tests.media.video.clips import ClipSpec, make_clip
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


@pytest.mark.parametrize(
    ("name", "spec"),
    [
        ("h264.mp4", ClipSpec(width=352, height=288, seconds=0.2)),
        ("vp9.webm", ClipSpec(codec="libvpx-vp9", muxer="webm", audio=None, width=352, height=288, seconds=0.2)),
    ],
)
def test_a_video_is_sized_by_its_declared_frame(tmp_path: Path, name: str, spec: ClipSpec) -> None:
    path = make_clip(tmp_path / name, spec)
    estimate = estimate_memory(open_asset(path, MediaLimits()), copies=3)
    assert estimate.kind is MediaKind.VIDEO
    assert (estimate.pixels, estimate.bytes_per_pixel, estimate.copies) == (352 * 288, BYTES_PER_PIXEL, VIDEO_FRAMES)
    assert estimate.total_bytes == 352 * 288 * 4 * VIDEO_FRAMES + path.stat().st_size


def test_video_has_its_own_request_cap_that_admits_4k_by_default() -> None:
    settings = Settings()
    budget = MemoryBudget(
        settings.memory_budget_bytes,
        settings.max_request_memory_bytes,
        video_request_bytes=settings.max_video_request_memory_bytes,
    )
    largest = MediaLimits().max_video_pixels  # 4096x2304: the largest frame the video limits allow
    budget.check(MemoryEstimate(MediaKind.VIDEO, largest, BYTES_PER_PIXEL, VIDEO_FRAMES, 64 * MIB))
    with pytest.raises(MediaTooLarge) as refused:  # the same bytes as an image are over the general cap
        budget.check(MemoryEstimate(MediaKind.IMAGE, 3840 * 2160 * VIDEO_FRAMES // 3, BYTES_PER_PIXEL, 3, 0))
    assert "memory budget is 512 MiB" in refused.value.message


def test_a_lowered_video_cap_refuses_4k_and_admits_1080p() -> None:
    budget = MemoryBudget(2048 * MIB, 512 * MIB, video_request_bytes=512 * MIB)
    budget.check(MemoryEstimate(MediaKind.VIDEO, 1920 * 1080, BYTES_PER_PIXEL, VIDEO_FRAMES, 64 * MIB))
    with pytest.raises(MediaTooLarge) as refused:
        budget.check(MemoryEstimate(MediaKind.VIDEO, 3840 * 2160, BYTES_PER_PIXEL, VIDEO_FRAMES, 0))
    assert f"x {VIDEO_FRAMES} frames" in refused.value.message and refused.value.reason == "MEMORY_BUDGET"


def test_a_video_track_without_a_size_is_sized_at_the_largest_frame_allowed() -> None:
    data = make_tiny_clip("h264_aac_mp4")
    stsd, tkhd = data.index(b"stsd") - 4, data.index(b"tkhd") - 4
    data = data[: stsd + 48] + bytes(4) + data[stsd + 52 :]  # the sample entry's width and height
    data = data[: tkhd + 84] + bytes(8) + data[tkhd + 92 :]  # tkhd's width and height
    limits = MediaLimits(max_video_pixels=1000 * 1000)
    assert estimate_memory(open_asset(data, limits), copies=3).pixels == 1000 * 1000


def test_a_video_without_moov_is_invalid_before_any_decoder_sees_it() -> None:
    data = make_tiny_clip("h264_aac_mp4").replace(b"moov", b"free")
    with pytest.raises(InvalidMedia):
        estimate_memory(open_asset(data, MediaLimits()), copies=3)


def test_audio_in_an_mp4_box_is_sized_by_its_bytes() -> None:
    data = make_tiny_clip("aac_m4a")
    estimate = estimate_memory(open_asset(data, MediaLimits()), copies=3)
    assert estimate.kind is MediaKind.AUDIO and estimate.pixels == 0


def _padded_clip(tmp_path: Path, padding: int) -> Path:
    """A real 0.2 s MP4 followed by a top-level ``free`` box of ``padding`` zero bytes (sparse on disk)."""
    path = make_clip(tmp_path / "padded.mp4", ClipSpec(width=352, height=288, seconds=0.2))
    size = path.stat().st_size
    with path.open("r+b") as out:
        out.seek(size)
        out.write((8 + padding).to_bytes(4, "big") + b"free")
        out.truncate(size + 8 + padding)
    return path


def test_c2pa_holding_a_large_mp4_is_counted_as_the_larger_of_it_and_the_frames(tmp_path: Path) -> None:
    path = _padded_clip(tmp_path, 300 * MIB)
    size = path.stat().st_size
    asset = open_asset(Source(path=path), MediaLimits())
    frames = 352 * 288 * BYTES_PER_PIXEL * VIDEO_FRAMES + 64 * MIB  # the file counted up to max_bytes
    memory = asset.spec.c2pa.memory  # type: ignore[union-attr]
    assert memory is BMFF_C2PA_MEMORY
    signing = estimate_memory(asset, copies=3, c2pa=C2paUse.SIGN)
    assert signing.decode_bytes == frames and signing.c2pa_bytes == int(size * 2.2) + 32 * MIB
    assert signing.total_bytes == signing.c2pa_bytes  # not the sum: signing comes after the frames
    reading = estimate_memory(asset, copies=3, c2pa=C2paUse.READ)
    assert reading.c2pa_bytes == reading.c2pa_read_bytes == int(size * 1.1) + 32 * MIB
    assert reading.total_bytes == reading.c2pa_bytes  # the larger, not the sum (measured: module docstring)
    assert estimate_memory(asset, copies=3).total_bytes == frames  # a verb that has c2pa do nothing
    budget = MemoryBudget(2048 * MIB, 512 * MIB, video_request_bytes=640 * MIB)
    budget.check(reading)
    with pytest.raises(MediaTooLarge) as refused:
        budget.check(signing)
    assert refused.value.reason == "MEMORY_BUDGET"
    assert "C2PA signing holds the 300 MiB asset whole" in refused.value.message
    assert "max_c2pa_whole_asset_bytes" in refused.value.message


def test_past_max_c2pa_whole_asset_bytes_c2pa_holds_nothing_and_nothing_is_counted(tmp_path: Path) -> None:
    path = _padded_clip(tmp_path, 3 * MIB)
    asset = open_asset(Source(path=path), MediaLimits(max_c2pa_whole_asset_bytes=2 * MIB))
    estimate = estimate_memory(asset, copies=3, c2pa=C2paUse.SIGN)
    assert estimate.c2pa_bytes == 0 and estimate.total_bytes == estimate.decode_bytes


def test_the_default_c2pa_limit_signs_within_the_default_video_budget() -> None:
    settings = Settings()
    assert settings.max_c2pa_whole_asset_bytes == MediaLimits().max_c2pa_whole_asset_bytes
    largest = BMFF_C2PA_MEMORY.signing_bytes(settings.max_c2pa_whole_asset_bytes)
    assert BMFF_C2PA_MEMORY.signing_bytes(200 * 10**6) < largest <= settings.max_video_request_memory_bytes

