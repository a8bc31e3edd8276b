"""Video through a real server: Stamp over gRPC, limits as RESOURCE_EXHAUSTED, a cut clip as INVALID_ARGUMENT."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import grpc
import pytest

from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc
from clearmark.v1 import types_pb2 as pb
from tests.conftest import PLATFORM, PRODUCER
from tests.media.video.clips import ClipSpec, faststart, make_clip
from tests.service.conftest import RunningServer
from tests.service.test_server_e2e import _details

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("video-e2e")
    return faststart(
        make_clip(folder / "in.mp4", ClipSpec(width=320, height=256, seconds=2.4, fps=5)), folder / "f.mp4"
    ).read_bytes()


@pytest.fixture(scope="module")
def video_server(server_factory: Callable[..., RunningServer]) -> RunningServer:
    return server_factory(cpu_workers=1, max_video_duration_s=60)


def test_stamp_over_grpc_writes_the_notice_and_the_label(video_server: RunningServer, clip: bytes) -> None:
    with video_server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        reply = stub.Stamp(
            api.StampRequest(content=clip, options=api.StampOptions(producer_code=PRODUCER)), timeout=120
        )
    result = reply.result
    assert result.output.kind == pb.MEDIA_KIND_VIDEO
    assert (result.output.width, result.output.height) == (320, 256)
    assert pb.APPLIED_LABEL_EXPLICIT_NOTICE in result.labels_applied
    assert pb.APPLIED_LABEL_METADATA_PRODUCER in result.labels_applied
    with av.open(io.BytesIO(reply.content)) as container:
        assert json.loads(container.metadata["AIGC"])["ContentProducer"] == PRODUCER


def test_a_clip_over_the_duration_limit_is_resource_exhausted(
    server_factory: Callable[..., RunningServer], clip: bytes
) -> None:
    server = server_factory(cpu_workers=1, max_video_duration_s=1)
    with server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.Inspect(api.InspectRequest(content=clip), timeout=60)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "max_video_duration_s" in caught.value.details()


def test_a_cut_clip_is_invalid_argument(video_server: RunningServer, clip: bytes, tmp_path: Path) -> None:
    with video_server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.Stamp(
                api.StampRequest(content=clip[: len(clip) * 2 // 3], options=api.StampOptions(producer_code=PRODUCER)),
                timeout=60,
            )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _details(caught.value)["ErrorInfo"].reason == "INVALID_MEDIA"


def _parts(request_type, header_type, content: bytes, options, chunk: int = 32 * 1024) -> Iterator:  # noqa: ANN001
    content_header = pb.ContentHeader(size_bytes=len(content), sha256=hashlib.sha256(content).hexdigest())
    yield request_type(header=header_type(content_header=content_header, options=options))
    for start in range(0, len(content), chunk):
        yield request_type(chunk=content[start : start + chunk])


def test_stamp_then_label_stream_in_chunks(video_server: RunningServer, clip: bytes) -> None:
    with video_server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        stamp_options = api.StampOptions(producer_code=PRODUCER)
        replies = list(stub.StampStream(_parts(api.StampStreamRequest, api.StampStreamHeader, clip, stamp_options)))
        stamped = b"".join(r.chunk for r in replies[1:])
        label_options = api.LabelOptions(platform_code=PLATFORM)
        parts = _parts(api.LabelStreamRequest, api.LabelStreamHeader, stamped, label_options)
        labelled = b"".join(r.chunk for r in list(stub.LabelStream(parts, timeout=120))[1:])
    assert replies[0].result.output.kind == pb.MEDIA_KIND_VIDEO
    with av.open(io.BytesIO(labelled)) as after, av.open(io.BytesIO(stamped)) as before:
        fields = json.loads(after.metadata["AIGC"])
        assert (fields["ContentProducer"], fields["ContentPropagator"]) == (PRODUCER, PLATFORM)
        assert [bytes(p) for p in after.demux(video=0)] == [bytes(p) for p in before.demux(video=0)]
