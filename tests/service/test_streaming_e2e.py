"""Streamed uploads stay on disk: content over the whole-file limit streams through Inspect and Verify."""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Callable
from pathlib import Path

import c2pa
import grpc
import pytest
from bench.bench_stream_memory import write_pdf
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from pypdf import PdfReader

from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc
from clearmark.v1 import types_pb2 as pb
from tests.conftest import PLATFORM, PRODUCER
from tests.media.video.clips import ClipSpec, make_clip
from tests.service.conftest import RunningServer
from tests.service.streams import collect, request_parts

pytestmark = pytest.mark.e2e
LOG = ("AI生成\n" + "".join(f"2026-12-01 line {i} 日志 ok\n" for i in range(40_000))).encode()


@pytest.fixture(scope="module")
def small_limit_server(server_factory: Callable[..., RunningServer]) -> RunningServer:
    # Whole-file handling is capped at 256 KiB; the text is ~1.2 MB, the text budget 64 Ki characters.
    return server_factory(cpu_workers=1, max_media_bytes=256 * 1024, max_text_chars=64 * 1024)


def test_text_over_the_whole_file_limit_streams_through_inspect_and_verify(small_limit_server: RunningServer) -> None:
    assert len(LOG) > 256 * 1024
    with small_limit_server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        inspected = stub.InspectStream(
            request_parts(api.InspectStreamRequest, api.InspectStreamHeader, LOG), timeout=60
        )
        verified = stub.VerifyStream(request_parts(api.VerifyStreamRequest, api.VerifyStreamHeader, LOG), timeout=60)
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
    parts = list(request_parts(api.InspectStreamRequest, api.InspectStreamHeader, LOG))
    parts[0].header.content_header.sha256 = "0" * 64
    with small_limit_server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        with pytest.raises(grpc.RpcError) as raised:
            stub.InspectStream(iter(parts), timeout=60)
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    spool = small_limit_server.settings.data_dir / "spool"
    assert list(spool.iterdir()) == []


def _empty(directory: Path) -> bool:
    return not directory.exists() or list(directory.iterdir()) == []


@pytest.fixture(scope="module")
def big_pdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("big-pdf") / "report.pdf"
    write_pdf(path, 700 * 1024)  # over the small server's 256 KiB whole-file limit
    return path.read_bytes()


@pytest.fixture(scope="module")
def stream_server(server_factory: Callable[..., RunningServer]) -> RunningServer:
    # Default whole-file limit (64 MiB): a streamed upload is still written file to file, and signed.
    return server_factory(cpu_workers=1, max_text_chars=64 * 1024)


def _stamp_parts(content: bytes, request_id: str) -> list:
    parts = list(request_parts(api.StampStreamRequest, api.StampStreamHeader, content))
    parts[0].header.request_id = request_id
    parts[0].header.options.CopyFrom(api.StampOptions(producer_code=PRODUCER))
    return parts


def _label_parts(content: bytes) -> list:
    parts = list(request_parts(api.LabelStreamRequest, api.LabelStreamHeader, content))
    parts[0].header.options.CopyFrom(api.LabelOptions(platform_code=PLATFORM))
    return parts


def _aigc(content: bytes) -> dict:
    return json.loads(PdfReader(io.BytesIO(content)).metadata["/AIGC"])


def test_a_streamed_pdf_is_stamped_signed_and_labelled_file_to_file(
    stream_server: RunningServer, big_pdf: bytes
) -> None:
    """The output is written, signed and sent from files: the label and the manifest read back
    independently, a replay sends the kept file again, and no work file is left."""
    stamp_parts = _stamp_parts(big_pdf, "big-pdf-stamp-1")
    with stream_server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        result, stamped = collect(stub.StampStream(iter(stamp_parts), timeout=120))
        replayed, again = collect(stub.StampStream(iter(stamp_parts), timeout=120))
        labelled_result, labelled = collect(stub.LabelStream(iter(_label_parts(stamped)), timeout=120))
    assert len(stamped) > len(big_pdf) and result.output.sha256 == hashlib.sha256(stamped).hexdigest()
    assert pb.APPLIED_LABEL_C2PA_MANIFEST in result.labels_applied
    assert replayed.replayed and again == stamped  # the kept file, sent again
    assert _aigc(stamped)["ContentProducer"] == PRODUCER
    with (
        c2pa.Context.from_dict({"verify": {"remote_manifest_fetch": False}}) as context,
        c2pa.Reader("application/pdf", io.BytesIO(labelled), None, context) as reader,
    ):
        store = json.loads(reader.json())
        assert reader.get_validation_state() in {"Valid", "Trusted"}
    assert store["active_manifest"] == labelled_result.record.details["c2pa_manifest"]
    assert (
        store["manifests"][store["active_manifest"]]["ingredients"][0]["active_manifest"]
        == (
            result.record.details["c2pa_manifest"]  # the producer's manifest is the parent's
        )
    )
    assert labelled_result.modified and _aigc(labelled)["ContentPropagator"] == PLATFORM
    data_dir = stream_server.settings.data_dir
    assert _empty(data_dir / "work") and _empty(data_dir / "spool")


def test_a_pdf_over_the_whole_file_limit_is_labelled_without_a_manifest(
    small_limit_server: RunningServer, big_pdf: bytes
) -> None:
    """Past max_media_bytes the PDF is still written from file to file with its GB 45438 labels, but
    c2pa would sign it whole in memory: no manifest, and a warning says why."""
    with small_limit_server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        result, stamped = collect(stub.StampStream(iter(_stamp_parts(big_pdf, "big-pdf-stamp-2")), timeout=120))
    assert len(stamped) > len(big_pdf) > 256 * 1024 and stamped.startswith(big_pdf)  # incremental updates only
    assert _aigc(stamped)["ContentProducer"] == PRODUCER
    assert pb.APPLIED_LABEL_C2PA_MANIFEST not in result.labels_applied
    assert any("no C2PA manifest" in warning for warning in result.warnings)
    data_dir = small_limit_server.settings.data_dir
    assert _empty(data_dir / "work") and _empty(data_dir / "spool")


def test_a_unary_output_over_the_message_limit_is_refused_naming_the_stream(
    server_factory: Callable[..., RunningServer],
) -> None:
    server = server_factory(cpu_workers=0, max_message_bytes=64 * 1024)
    text = ("generated log line ok\n" * 3000).encode()[: 64 * 1024 - 256]  # the request fits, the response not
    with server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        with pytest.raises(grpc.RpcError) as raised:
            stub.Stamp(api.StampRequest(content=text, options=api.StampOptions(producer_code=PRODUCER)), timeout=60)
    assert raised.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "StampStream" in raised.value.details()
    status = rpc_status.from_call(raised.value)
    info = error_details_pb2.ErrorInfo()
    assert status is not None and status.details[0].Unpack(info) and info.reason == "OUTPUT_TOO_LARGE_FOR_UNARY"
    assert _empty(server.settings.data_dir / "work")


def test_a_deadline_mid_job_stops_the_worker_and_leaves_no_work_files(
    server_factory: Callable[..., RunningServer], tmp_path: Path
) -> None:
    """A Stamp that cannot finish in time: DEADLINE_EXCEEDED, the worker's job is ended, and neither the
    spooled upload nor a partial output stays on disk."""
    server = server_factory(cpu_workers=1, max_media_bytes=256 * 1024)  # full text budget: a slow job
    path = tmp_path / "slow.pdf"
    write_pdf(path, 3 * 1024 * 1024)
    parts = list(request_parts(api.StampStreamRequest, api.StampStreamHeader, path.read_bytes()))
    parts[0].header.options.CopyFrom(api.StampOptions(producer_code=PRODUCER))
    with server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        with pytest.raises(grpc.RpcError) as raised:
            collect(stub.StampStream(iter(parts), timeout=3))
    assert raised.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    data_dir = server.settings.data_dir
    for _ in range(600):  # the server cleans up as the call ends; wait for it, at most a minute
        if _empty(data_dir / "work") and _empty(data_dir / "spool"):
            break
        time.sleep(0.1)
    assert _empty(data_dir / "work") and _empty(data_dir / "spool")
    assert server.server.app.pool.stats().rebuilds >= 1  # the job's worker was ended, not left running


@pytest.fixture(scope="module")
def slow_video(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A 1280x720 clip of 10 s at 25 fps (4 MB): its Stamp re-encodes 250 frames, its Inspect OCRs 19.

    Measured in one process on 2 shared cores: Stamp ~15 s, Inspect ~8 s, each several times the 2 s
    deadline below (a 640x360 clip's Stamp once finished inside a 3 s deadline).
    """
    path = tmp_path_factory.mktemp("slow-video") / "slow.mp4"
    return make_clip(path, ClipSpec(width=1280, height=720, seconds=10, fps=25)).read_bytes()


@pytest.mark.parametrize("verb", ["StampStream", "InspectStream"])
def test_a_deadline_mid_video_job_stops_the_worker_and_leaves_no_work_files(
    server_factory: Callable[..., RunningServer], slow_video: bytes, verb: str
) -> None:
    """As for the PDF above, with a video: DEADLINE_EXCEEDED, the worker's job ended (the pool rebuilt a
    slot), and neither the spooled upload nor a partial re-encode stays on disk."""
    server = server_factory(cpu_workers=1)
    if verb == "StampStream":
        parts = list(request_parts(api.StampStreamRequest, api.StampStreamHeader, slow_video))
        parts[0].header.options.CopyFrom(api.StampOptions(producer_code=PRODUCER))
    else:
        parts = list(request_parts(api.InspectStreamRequest, api.InspectStreamHeader, slow_video))
    pool = server.server.app.pool  # type: ignore[union-attr]
    with server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        with pytest.raises(grpc.RpcError) as raised:
            call = getattr(stub, verb)(iter(parts), timeout=2)
            if verb == "StampStream":
                collect(call)
    assert raised.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    data_dir = server.settings.data_dir
    for _ in range(600):  # the server cleans up as the call ends; wait for it, at most a minute
        if _empty(data_dir / "work") and _empty(data_dir / "spool") and pool.stats().rebuilds >= 1:
            break
        time.sleep(0.1)
    assert _empty(data_dir / "work") and _empty(data_dir / "spool")
    assert pool.stats().rebuilds >= 1  # the job's worker was ended mid-job, not left running
    assert pool.stats().pending == 0
