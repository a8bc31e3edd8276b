"""Streamed uploads stay on disk: content over the whole-file limit streams through Inspect and Verify."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

import grpc
import pytest

from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc
from clearmark.v1 import types_pb2 as pb
from tests.service.conftest import RunningServer

pytestmark = pytest.mark.e2e
LOG = ("AI生成\n" + "".join(f"2026-12-01 line {i} 日志 ok\n" for i in range(40_000))).encode()


def _parts(request_type, header_type, content: bytes, chunk: int = 64 * 1024) -> Iterator:  # noqa: ANN001
    content_header = pb.ContentHeader(size_bytes=len(content), sha256=hashlib.sha256(content).hexdigest())
    yield request_type(header=header_type(content_header=content_header))
    for start in range(0, len(content), chunk):
        yield request_type(chunk=content[start : start + chunk])


@pytest.fixture(scope="module")
def small_limit_server(server_factory: Callable[..., RunningServer]) -> RunningServer:
    # Whole-file handling is capped at 256 KiB; the text is ~1.2 MB, the text budget 64 Ki characters.
    return server_factory(cpu_workers=1, max_media_bytes=256 * 1024, max_text_chars=64 * 1024)


def test_text_over_the_whole_file_limit_streams_through_inspect_and_verify(small_limit_server: RunningServer) -> None:
    assert len(LOG) > 256 * 1024
    with small_limit_server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        inspected = stub.InspectStream(_parts(api.InspectStreamRequest, api.InspectStreamHeader, LOG), timeout=60)
        verified = stub.VerifyStream(_parts(api.VerifyStreamRequest, api.VerifyStreamHeader, LOG), timeout=60)
    media = inspected.inspection.media
    assert (media.format, media.size_bytes, media.sha256) == ("text", len(LOG), hashlib.sha256(LOG).hexdigest())
    assert any(s.kind == "explicit.text_notice" for s in inspected.inspection.signals)  # the head was read
    assert verified.report.checks
    spool = small_limit_server.settings.data_dir / "spool"
    assert not spool.exists() or list(spool.iterdir()) == []


def test_unary_text_over_the_whole_file_limit_is_refused_by_writers(small_limit_server: RunningServer) -> None:
    with small_limit_server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        with pytest.raises(grpc.RpcError) as raised:
            stub.Stamp(
                api.StampRequest(content=LOG, options=api.StampOptions(producer_code="001191440300708461136T1XGW3")),
                timeout=60,
            )
    assert raised.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED


def test_a_bad_stream_leaves_no_spool_file(small_limit_server: RunningServer) -> None:
    parts = list(_parts(api.InspectStreamRequest, api.InspectStreamHeader, LOG))
    parts[0].header.content_header.sha256 = "0" * 64
    with small_limit_server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        with pytest.raises(grpc.RpcError) as raised:
            stub.InspectStream(iter(parts), timeout=60)
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    spool = small_limit_server.settings.data_dir / "spool"
    assert list(spool.iterdir()) == []
