"""The asyncio client: the same verbs, results, streaming and errors as the blocking one."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from clearmark.client import AsyncClient, RetryPolicy
from clearmark.client import errors as client_errors
from clearmark.core import errors as core_errors
from clearmark.core.enums import Category, Verb
from tests.client.proxy import Proxy
from tests.conftest import PLATFORM, PRODUCER

pytestmark = pytest.mark.e2e


def test_round_trip_concurrently(server, jpeg_bytes: bytes, png_bytes: bytes) -> None:
    async def main() -> None:
        async with AsyncClient(server.address) as client:
            first, second = await asyncio.gather(
                client.stamp(jpeg_bytes, producer_code=PRODUCER, request_id="aio-1"),
                client.stamp(png_bytes, producer_code=PRODUCER, request_id="aio-2"),
            )
            assert first.produce_id != second.produce_id
            assert (await client.inspect(first.content)).category is Category.AI_GENERATED
            posted = await client.label(second.content, platform_code=PLATFORM)
            assert posted.label_value == "1"
            assert (await client.verify(posted.content)).compliant
            records = (await client.lookup(produce_id=second.produce_id)).records
            assert {r.verb for r in records} == {Verb.STAMP, Verb.LABEL}

    asyncio.run(main())


def test_streams_by_size_and_retries(proxy: Proxy, png_bytes: bytes) -> None:
    proxy.fail_next(grpc.StatusCode.UNAVAILABLE)
    retry = RetryPolicy(initial_backoff_s=0.01, max_backoff_s=0.05)

    async def main() -> None:
        async with AsyncClient(proxy.address, stream_above_bytes=1024, retry=retry) as client:
            stamped = await client.stamp(png_bytes, producer_code=PRODUCER, request_id="aio-stream-1")
            inspected = await client.inspect(stamped.content)
        assert inspected.aigc_label == stamped.aigc_label

    asyncio.run(main())
    assert proxy.methods() == ["StampStream", "StampStream", "InspectStream"]


def test_errors_are_typed(server, png_bytes: bytes) -> None:
    async def main() -> None:
        async with AsyncClient(server.address) as client:
            with pytest.raises(core_errors.InvalidRequest) as caught:
                await client.label(png_bytes, platform_code="bad")
            assert isinstance(caught.value, client_errors.ServiceError)
            assert caught.value.violations[0].field == "options.platform_code"
            assert caught.value.message_in("zh-CN") != caught.value.message

    asyncio.run(main())


def test_a_stream_the_server_ends_early_reports_the_servers_status(authed_server, png_bytes: bytes) -> None:
    """grpc.aio alone would say INTERNAL here (grpc/grpc#36066); the client keeps UNAUTHENTICATED."""

    async def main() -> None:
        async with AsyncClient(authed_server.address, stream_above_bytes=1024, chunk_bytes=1024) as client:
            with pytest.raises(core_errors.Unauthenticated) as caught:
                await client.stamp(png_bytes * 20, producer_code=PRODUCER)
            assert caught.value.code is grpc.StatusCode.UNAUTHENTICATED

    asyncio.run(main())


def test_output_to_a_file(server, png_bytes: bytes, tmp_path) -> None:
    async def main() -> None:
        async with AsyncClient(server.address, stream_above_bytes=1024) as client:
            result = await client.stamp(png_bytes, producer_code=PRODUCER, output=tmp_path / "out.png")
        assert result.content == b"" and (tmp_path / "out.png").stat().st_size == result.output.size_bytes

    asyncio.run(main())
