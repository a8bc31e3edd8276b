"""A real ClearMark server on 127.0.0.1:0 in a background thread, and clients for it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from clearmark.service.config import Settings
from clearmark.service.server import ClearMarkServer
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc

API_KEY = "test-key-0123456789abcdef"
OTHER_KEY = "other-key-0123456789abcdef"


@dataclass
class RunningServer:
    """A server running on its own event loop in a thread."""

    address: str
    settings: Settings
    stop: object

    def channel(self) -> grpc.Channel:
        return grpc.insecure_channel(self.address)


@pytest.fixture(scope="session")
def server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Start servers with given settings overrides; all are stopped at session end."""
    running: list[tuple[asyncio.AbstractEventLoop, ClearMarkServer, threading.Thread]] = []

    def start(**overrides: object) -> RunningServer:
        data_dir = Path(tmp_path_factory.mktemp("server-data"))
        settings = Settings(data_dir=data_dir, host="127.0.0.1", port=0, **overrides)  # type: ignore[arg-type]
        loop = asyncio.new_event_loop()
        server = ClearMarkServer(settings)
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(server.start())
            ready.set()
            loop.run_until_complete(server.wait())

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        assert ready.wait(120), "server did not start"
        running.append((loop, server, thread))

        def stop() -> None:
            asyncio.run_coroutine_threadsafe(server.stop(), loop).result(60)
            thread.join(60)

        return RunningServer(address=f"127.0.0.1:{server.port}", settings=settings, stop=stop)

    yield start
    for loop, server, thread in running:
        if thread.is_alive():
            asyncio.run_coroutine_threadsafe(server.stop(), loop).result(60)
            thread.join(60)


@pytest.fixture(scope="session")
def server(server_factory: object) -> RunningServer:
    """An open server (no auth) with one worker process."""
    return server_factory(cpu_workers=1)  # type: ignore[operator]


@pytest.fixture(scope="session")
def authed_server(server_factory: object) -> RunningServer:
    """A server requiring API keys for mutating RPCs, two tenants."""
    return server_factory(cpu_workers=0, api_keys={API_KEY: "tenant-a", OTHER_KEY: "tenant-b"})  # type: ignore[operator]


@pytest.fixture()
def stub(server: RunningServer) -> Iterator[api_grpc.ClearMarkServiceStub]:
    with server.channel() as channel:
        yield api_grpc.ClearMarkServiceStub(channel)
