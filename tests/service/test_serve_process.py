"""``clearmark serve`` as an operator runs it: JSON access logs without secrets, version metadata, drain on SIGTERM."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from clearmark import __version__
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc
from tests.conftest import PRODUCER

pytestmark = pytest.mark.e2e
API_KEY = "process-key-0123456789abcdef"
MARKER = "内容标记-CONTENT-MARKER-7f3a"


class ServerProcess:
    """A ``clearmark serve`` child process whose stderr lines are collected as they come."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(Path("src").resolve()), os.environ.get("PYTHONPATH", "")]),
            "CLEARMARK_API_KEYS": json.dumps({API_KEY: "tenant-a"}),
            "CLEARMARK_CPU_WORKERS": "1",
            "CLEARMARK_BUILD": "test-build-42",
            **env,
        }
        command = [sys.executable, "-m", "clearmark.service.cli", "serve", "--port", "0", "--log-format", "json"]
        self.process = subprocess.Popen(
            [*command, "--data-dir", str(data_dir)], env=environment, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.address = self._wait_for_address()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def _wait_for_address(self) -> str:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for line in list(self.lines):
                message = json.loads(line)["message"]
                if " serving on " in message:
                    return message.split(" serving on ", 1)[1].split(" ", 1)[0]
            assert self.process.poll() is None, "\n".join(self.lines)
            time.sleep(0.1)
        raise AssertionError("the server did not start")

    def records(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in list(self.lines)]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(120)
        self._reader.join(10)
        return code


def _health(channel: grpc.Channel) -> tuple[int, dict[str, str]]:
    response, call = health_pb2_grpc.HealthStub(channel).Check.with_call(health_pb2.HealthCheckRequest(), timeout=10)
    return response.status, dict(call.initial_metadata())


def test_json_access_logs_carry_metadata_and_never_secrets(tmp_path: Path, png_bytes: bytes) -> None:
    server = ServerProcess(tmp_path)
    try:
        with grpc.insecure_channel(server.address) as channel:
            status, metadata = _health(channel)
            assert status == health_pb2.HealthCheckResponse.SERVING
            assert metadata["clearmark-version"] == __version__ and metadata["clearmark-build"] == "test-build-42"
            stub = api_grpc.ClearMarkServiceStub(channel)
            key = [("x-api-key", API_KEY)]
            text = f"{MARKER} 这是一段由模型生成的文字。".encode()
            stub.Inspect(api.InspectRequest(request_id="inspect-1", content=text), metadata=key, timeout=60)
            stamp = api.StampRequest(
                request_id="stamp-1", content=png_bytes, options=api.StampOptions(producer_code=PRODUCER)
            )
            stub.Stamp(stamp, metadata=key, timeout=120)
            stamp.request_id = "stamp-2"
            with pytest.raises(grpc.RpcError):
                stub.Stamp(stamp, metadata=[("x-api-key", API_KEY[:-1] + "X")], timeout=60)
            with pytest.raises(grpc.RpcError):
                stub.Inspect(api.InspectRequest(request_id="bad-1", content=b""), timeout=60)
    finally:
        assert server.stop() == 0
    records = server.records()
    access = {r["request_id"]: r for r in records if r["logger"] == "clearmark.access"}
    assert access["inspect-1"]["code"] == "OK" and access["inspect-1"]["tenant"] == "tenant-a"
    assert access["inspect-1"]["rpc_method"] == "Inspect" and access["inspect-1"]["bytes_in"] > len(MARKER)
    assert access["stamp-1"]["code"] == "OK" and access["stamp-1"]["bytes_out"] > len(png_bytes) // 2
    assert isinstance(access["stamp-1"]["duration_ms"], float)
    assert access["bad-1"]["code"] == "INVALID_ARGUMENT"
    assert access["stamp-2"]["code"] == "UNAUTHENTICATED" and access["stamp-2"]["tenant"] == ""
    log_text = "\n".join(server.lines)
    watermark_key = (tmp_path / "keys" / "watermark.key").read_bytes()
    secrets = [
        API_KEY,
        API_KEY[:-1] + "X",
        MARKER,
        "PRIVATE KEY",
        watermark_key.hex(),
        base64.b64encode(watermark_key).decode(),
        base64.b64encode(png_bytes[:48]).decode(),
    ]
    for secret in secrets:
        assert secret not in log_text, secret


def test_sigterm_drains_with_not_serving_then_stops(tmp_path: Path, png_bytes: bytes) -> None:
    server = ServerProcess(tmp_path, CLEARMARK_DRAIN_S="3", CLEARMARK_SHUTDOWN_GRACE_S="30")
    with grpc.insecure_channel(server.address) as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        in_flight = stub.Inspect.future(api.InspectRequest(content=png_bytes), timeout=120)
        server.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        while _health(channel)[0] != health_pb2.HealthCheckResponse.NOT_SERVING:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # Draining: health says NOT_SERVING, yet requests are still served and in-flight ones finish.
        during = stub.Inspect(api.InspectRequest(content=png_bytes), timeout=60)
        assert during.inspection.media.width == 640
        assert in_flight.result().inspection.media.width == 640
    assert server.process.wait(120) == 0
    messages = [r["message"] for r in server.records()]
    assert any(m.startswith("draining") for m in messages) and messages[-1] == "ClearMark stopped"


def test_version_flag() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "clearmark.service.cli", "--version"],
        capture_output=True,
        text=True,
        env={**os.environ, "CLEARMARK_BUILD": "abc123"},
        check=True,
    )
    assert done.stdout.startswith(f"clearmark {__version__} (build abc123")
