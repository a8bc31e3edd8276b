"""Faults an operator or attacker causes, against a real server on 127.0.0.1 with real worker processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from clearmark.media.asset import open_asset
from clearmark.media.limits import MediaLimits
from clearmark.service.admission import C2paUse, estimate_memory
from clearmark.service.app import ClearMarkApp
from clearmark.service.cli import main as cli_main
from clearmark.service.config import Settings
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc
from clearmark.v1 import types_pb2 as pb
from tests.conftest import PLATFORM, PRODUCER
from tests.media.movie_clips import make_clip as make_tiny_clip
from tests.media.video.clips import ClipSpec, make_clip
from tests.service.bombs import all_bombs
from tests.service.conftest import RunningServer
from tests.service.mounts import tmpfs

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def two_workers(server_factory: Callable[..., RunningServer]) -> RunningServer:
    """Two worker processes and room for exactly two admitted jobs."""
    return server_factory(cpu_workers=2, max_pending_jobs=2)


def _details(error: grpc.RpcError) -> dict[str, object]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    found: dict[str, object] = {}
    for detail in status.details if status else ():
        for kind in (error_details_pb2.ErrorInfo, error_details_pb2.RetryInfo, error_details_pb2.BadRequest):
            if detail.Is(kind.DESCRIPTOR):
                message = kind()
                detail.Unpack(message)
                found[kind.__name__] = message
    return found


def _until(predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


@contextmanager
def frozen_workers(running: RunningServer) -> Iterator[list[int]]:
    """SIGSTOP every worker so jobs sent now are provably mid-flight; SIGCONT the survivors after."""
    pool = running.server.app.pool  # type: ignore[union-attr]
    _until(lambda: len(pool.worker_pids()) == pool.workers and pool.stats().busy == 0)
    pids = pool.worker_pids()
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield pids
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass


def test_a_worker_killed_mid_request_fails_only_that_request_retryably(two_workers: RunningServer, png_bytes) -> None:
    pool = two_workers.server.app.pool  # type: ignore[union-attr]
    rebuilds = pool.stats().rebuilds
    with two_workers.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        with frozen_workers(two_workers) as pids:
            calls = [stub.Inspect.future(api.InspectRequest(content=png_bytes), timeout=120) for _ in range(2)]
            _until(lambda: pool.stats().busy == 2)
            os.kill(pids[0], signal.SIGKILL)
        outcomes = []
        for call in calls:
            try:
                outcomes.append(call.result().inspection.media.width)
            except grpc.RpcError as error:
                outcomes.append(error)
        failed = [o for o in outcomes if isinstance(o, grpc.RpcError)]
        assert outcomes.count(640) == 1 and len(failed) == 1, outcomes
        assert failed[0].code() is grpc.StatusCode.UNAVAILABLE
        details = _details(failed[0])
        assert details["ErrorInfo"].reason == "WORKER_CRASHED"  # type: ignore[attr-defined]
        assert details["RetryInfo"].retry_delay.seconds >= 1  # type: ignore[attr-defined]
        assert pool.stats().rebuilds == rebuilds + 1
        assert stub.Inspect(api.InspectRequest(content=png_bytes), timeout=120).inspection.media.width == 640


def test_an_expired_deadline_stops_the_work(two_workers: RunningServer, png_bytes) -> None:
    pool = two_workers.server.app.pool  # type: ignore[union-attr]
    rebuilds = pool.stats().rebuilds
    with two_workers.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        with frozen_workers(two_workers) as pids:
            with pytest.raises(grpc.RpcError) as expired:
                stub.Inspect(api.InspectRequest(content=png_bytes), timeout=1.0)
            assert expired.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
            _until(lambda: pool.stats().rebuilds == rebuilds + 1 and pool.stats().pending == 0)
            assert len(set(pids) - set(pool.worker_pids())) == 1  # the stuck worker was ended, not left to run
        assert stub.Inspect(api.InspectRequest(content=png_bytes), timeout=120).inspection.media.width == 640


def test_a_caller_cancelling_stops_the_work(two_workers: RunningServer, png_bytes) -> None:
    pool = two_workers.server.app.pool  # type: ignore[union-attr]
    rebuilds = pool.stats().rebuilds
    with two_workers.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        with frozen_workers(two_workers):
            call = stub.Inspect.future(api.InspectRequest(content=png_bytes), timeout=120)
            _until(lambda: pool.stats().busy == 1)
            call.cancel()
            _until(lambda: pool.stats().rebuilds == rebuilds + 1 and pool.stats().pending == 0)


def test_overload_is_refused_at_once_with_a_retry_hint_while_health_answers(
    two_workers: RunningServer, png_bytes
) -> None:
    pool = two_workers.server.app.pool  # type: ignore[union-attr]
    with two_workers.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        health = health_pb2_grpc.HealthStub(channel)
        with frozen_workers(two_workers):
            calls = [stub.Inspect.future(api.InspectRequest(content=png_bytes), timeout=120) for _ in range(2)]
            _until(lambda: pool.stats().pending == 2)
            with pytest.raises(grpc.RpcError) as refused:
                stub.Inspect(api.InspectRequest(content=png_bytes), timeout=120)
            assert pool.stats().pending == 2  # refused while both still run: it never queued
            assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
            details = _details(refused.value)
            assert details["ErrorInfo"].reason == "OVERLOADED"  # type: ignore[attr-defined]
            assert "RetryInfo" in details
            status = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5).status
            assert status == health_pb2.HealthCheckResponse.SERVING
        assert [c.result().inspection.media.width for c in calls] == [640, 640]


def _every_verb(content: bytes) -> dict[str, object]:
    """RPC name -> a unary request of each verb carrying ``content``."""
    return {
        "Inspect": api.InspectRequest(content=content),
        "Verify": api.VerifyRequest(content=content),
        "Stamp": api.StampRequest(content=content, options=api.StampOptions(producer_code=PRODUCER)),
        "Label": api.LabelRequest(content=content, options=api.LabelOptions(platform_code=PLATFORM)),
    }


@pytest.mark.parametrize("bomb", ["png", "webp", "jpeg"])
def test_every_verb_refuses_a_bomb_the_same_way_before_decoding(two_workers: RunningServer, bomb: str) -> None:
    content = all_bombs()[bomb]
    requests = _every_verb(content)
    with two_workers.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        for verb, request in requests.items():
            with pytest.raises(grpc.RpcError) as refused:
                getattr(stub, verb)(request, timeout=60)
            assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED, verb
            assert _details(refused.value)["ErrorInfo"].reason == "MEMORY_BUDGET", verb  # type: ignore[attr-defined]
    assert two_workers.server.app.memory.in_use == 0  # type: ignore[union-attr]


def _video_bomb() -> bytes:
    """A real 64x48 H.264 MP4 whose tkhd and sample entry declare 4000x2300 frames (within max_video_pixels)."""
    data = make_tiny_clip("h264_aac_mp4")
    stsd, tkhd = data.index(b"stsd") - 4, data.index(b"tkhd") - 4
    data = data[: stsd + 48] + (4000).to_bytes(2, "big") + (2300).to_bytes(2, "big") + data[stsd + 52 :]
    return data[: tkhd + 84] + (4000 << 16).to_bytes(4, "big") + (2300 << 16).to_bytes(4, "big") + data[tkhd + 92 :]


def test_every_verb_refuses_a_video_declaring_huge_frames_before_any_worker_sees_it(
    server_factory: Callable[..., RunningServer],
) -> None:
    """Under an operator's lowered video cap (the default admits every frame max_video_pixels allows)."""
    two_workers = server_factory(cpu_workers=2, max_video_request_memory_bytes=512 * 1024 * 1024)
    content = _video_bomb()
    requests = _every_verb(content)
    with two_workers.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        with frozen_workers(two_workers):  # a stopped worker could not have decoded anything
            for verb, request in requests.items():
                with pytest.raises(grpc.RpcError) as refused:
                    getattr(stub, verb)(request, timeout=60)
                assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED, verb
                assert _details(refused.value)["ErrorInfo"].reason == "MEMORY_BUDGET", verb  # type: ignore[attr-defined]
                assert "9200000 pixels x 4 bytes x 32 frames" in refused.value.details(), verb
    assert two_workers.server.app.memory.in_use == 0  # type: ignore[union-attr]


def test_concurrent_videos_queue_for_the_memory_budget(
    server_factory: Callable[..., RunningServer], tmp_path: Path
) -> None:
    """Two video Inspects whose estimates do not fit the server budget together: the second waits for the first."""
    clip = make_clip(tmp_path / "in.mp4", ClipSpec(width=320, height=256, seconds=0.4, fps=5)).read_bytes()
    # As the server estimates an Inspect: its frames, or c2pa validating the MP4 whole when that is more.
    need = estimate_memory(open_asset(clip, MediaLimits()), copies=3, c2pa=C2paUse.READ).total_bytes
    budget = need * 3 // 2
    limits = {"memory_budget_bytes": budget, "max_request_memory_bytes": budget, "memory_wait_s": 120}
    running = server_factory(cpu_workers=2, max_pending_jobs=4, **limits)
    app = running.server.app  # type: ignore[union-attr]
    with running.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        with frozen_workers(running):
            first = stub.Inspect.future(api.InspectRequest(content=clip), timeout=120)
            _until(lambda: app.pool.stats().busy == 1)
            second = stub.Inspect.future(api.InspectRequest(content=clip), timeout=120)
            time.sleep(0.5)
            assert app.memory.in_use == need  # the second holds nothing ...
            assert app.pool.stats().pending == 1  # ... and never reached a worker, though one is free
        assert first.result().inspection.media.width == second.result().inspection.media.width == 320
    assert app.memory.in_use == 0


def test_error_messages_never_carry_object_addresses(two_workers: RunningServer, png_bytes: bytes) -> None:
    broken = [
        png_bytes[:33] + b"\x00\x00\x00\x10IDAT" + b"garbage!" * 2 + b"\x00" * 4 + png_bytes[-12:],
        b"RIFF\x1a\x00\x00\x00WEBPVP8 \x0e\x00\x00\x00" + b"\x00" * 14,
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 7 + b"\xff\xd9",
        b"%PDF-1.7\n" + b"\x00" * 64,
    ]
    with two_workers.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        for content in broken:
            for verb, request in (
                ("Inspect", api.InspectRequest(content=content)),
                ("Stamp", api.StampRequest(content=content, options=api.StampOptions(producer_code=PRODUCER))),
            ):
                try:
                    getattr(stub, verb)(request, timeout=60)
                    continue
                except grpc.RpcError as error:
                    text = (error.details() or "") + str(_details(error))
                    assert error.code() is not grpc.StatusCode.UNKNOWN
                assert " object at " not in text and "0x7f" not in text, text


def test_a_deleted_registry_is_detected_and_nothing_half_written(
    server_factory: Callable[..., RunningServer], png_bytes: bytes, jpeg_bytes: bytes, tmp_path: Path
) -> None:
    # Replays in a directory, so the test can see that none was left behind (by default they live
    # in the registry database, which this test deletes).
    running = server_factory(cpu_workers=0, replay_store="directory")
    data = running.settings.data_dir
    with running.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        health = health_pb2_grpc.HealthStub(channel)
        options = api.StampOptions(producer_code=PRODUCER)
        stub.Stamp(api.StampRequest(request_id="before", content=png_bytes, options=options), timeout=60)
        replays = sorted((data / "replays").iterdir())
        for path in data.glob("registry.sqlite3*"):
            path.unlink()

        def not_serving() -> bool:
            status = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5).status
            return status == health_pb2.HealthCheckResponse.NOT_SERVING

        _until(not_serving, timeout=30)
        with pytest.raises(grpc.RpcError) as refused:
            stub.Stamp(api.StampRequest(request_id="after", content=jpeg_bytes, options=options), timeout=60)
        assert refused.value.code() is grpc.StatusCode.UNAVAILABLE
        assert _details(refused.value)["ErrorInfo"].reason == "REGISTRY_UNAVAILABLE"  # type: ignore[attr-defined]
        assert sorted((data / "replays").iterdir()) == replays  # no stored response for an unrecorded id
        assert not list(data.glob("registry.sqlite3*"))  # nothing wrote a new, empty registry
        # The CLI against that server: exit 2 and no output file.
        source = tmp_path / "in.jpg"
        source.write_bytes(jpeg_bytes)
        output = tmp_path / "out.jpg"
        code = cli_main(["stamp", str(source), "-o", str(output), "--producer", PRODUCER, "--server", running.address])
        assert code == 2 and not output.exists() and not list(tmp_path.glob(".out.jpg.*"))
        # Inspect writes nothing and still answers.
        assert stub.Inspect(api.InspectRequest(content=png_bytes), timeout=60).inspection.media.width == 640


def test_a_read_only_registry_is_detected(
    server_factory: Callable[..., RunningServer], png_bytes: bytes, tmp_path: Path
) -> None:
    with tmpfs(tmp_path / "registry", "8m") as mount:
        running = server_factory(
            cpu_workers=0, registry_url=f"sqlite:///{mount / 'registry.sqlite3'}", replay_store="directory"
        )
        with running.channel() as channel:
            stub = api_grpc.ClearMarkServiceStub(channel)
            health = health_pb2_grpc.HealthStub(channel)
            options = api.StampOptions(producer_code=PRODUCER)
            stub.Stamp(api.StampRequest(request_id="rw", content=png_bytes, options=options), timeout=60)
            # As a storage fault would: the volume turns read-only under the running server. (The kernel
            # does that with files open; mount(8) needs them closed, so the pooled connections go first.)
            for _ in range(50):
                running.server.app.registry.engine.dispose()  # type: ignore[union-attr]
                if subprocess.run(["mount", "-o", "remount,ro", str(mount)], capture_output=True).returncode == 0:
                    break
                time.sleep(0.1)
            else:
                pytest.fail("could not remount the registry's volume read-only")
            _until(
                lambda: (
                    health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
                    == health_pb2.HealthCheckResponse.NOT_SERVING
                ),
                timeout=30,
            )
            replays = sorted((running.settings.data_dir / "replays").iterdir())
            with pytest.raises(grpc.RpcError) as refused:
                stub.Stamp(api.StampRequest(request_id="ro", content=png_bytes, options=options), timeout=60)
            assert refused.value.code() is grpc.StatusCode.UNAVAILABLE
            assert sorted((running.settings.data_dir / "replays").iterdir()) == replays
            running.stop()


def test_produce_ids_stay_unique_when_the_registry_is_lost(tmp_path: Path, png_bytes: bytes, jpeg_bytes: bytes) -> None:
    def stamp(content: bytes) -> str:
        with ClearMarkApp(Settings(data_dir=tmp_path, cpu_workers=0)) as app:
            request = api.StampRequest(
                request_id="job-1", content=content, options=api.StampOptions(producer_code=PRODUCER)
            )
            return asyncio.run(app.stamp(request, "tenant")).result.produce_id

    first = stamp(png_bytes)
    for path in tmp_path.glob("registry.sqlite3*"):
        path.unlink()
    assert stamp(jpeg_bytes) != first  # same tenant and request id, registry gone: still a new ProduceID


def test_a_client_cancelling_mid_stream_leaves_no_temporary_file(two_workers: RunningServer) -> None:
    spool = two_workers.settings.data_dir / "spool"
    size = 24 * 1024 * 1024
    stop = threading.Event()

    def messages() -> Iterator[api.InspectStreamRequest]:
        header = pb.ContentHeader(size_bytes=size, sha256="0" * 64)
        first = api.InspectStreamHeader(request_id=uuid.uuid4().hex, content_header=header)
        yield api.InspectStreamRequest(header=first)
        for _ in range(12):  # 12 MiB: past the in-memory spool threshold, onto disk
            yield api.InspectStreamRequest(chunk=b"\x00" * (1024 * 1024))
        stop.wait(60)

    def spooled() -> list[str]:
        opened = []
        for fd in Path("/proc/self/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if str(spool) in target:
                opened.append(target)
        return opened + [p.name for p in spool.glob("*")] if spool.exists() else opened

    with two_workers.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        call = stub.InspectStream.future(messages(), timeout=120)
        _until(lambda: bool(spooled()), timeout=30)
        call.cancel()
        stop.set()
        _until(lambda: not spooled(), timeout=30)


def test_disk_full_while_writing_the_output_is_a_clean_error(
    tmp_path: Path, png_bytes: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.png"
    source.write_bytes(png_bytes)
    with tmpfs(tmp_path / "full", "64k") as mount:
        output = mount / "out.png"
        code = cli_main(
            ["stamp", str(source), "-o", str(output), "--producer", PRODUCER, "--data-dir", str(tmp_path / "d")]
        )
        assert code == 2
        assert "no space" in capsys.readouterr().err
        assert list(mount.iterdir()) == []  # no partial output, no temporary file


def test_a_stream_declaring_more_than_the_stream_limit_is_refused_at_the_header(two_workers: RunningServer) -> None:
    release = threading.Event()

    def messages() -> Iterator[api.InspectStreamRequest]:
        header = pb.ContentHeader(size_bytes=two_workers.settings.max_stream_bytes + 1, sha256="0" * 64)
        yield api.InspectStreamRequest(header=api.InspectStreamHeader(content_header=header))
        release.wait(60)  # the error arrives while this is still blocked: no chunk was needed
        yield api.InspectStreamRequest(chunk=b"\x00" * 1024)

    with two_workers.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        try:
            with pytest.raises(grpc.RpcError) as refused:
                stub.InspectStream(messages(), timeout=60)
        finally:
            release.set()
    assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert str(two_workers.settings.max_stream_bytes) in refused.value.details()
