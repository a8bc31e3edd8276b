"""The grpc.aio server: ClearMark, health and reflection, graceful shutdown on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from clearmark.service.app import ClearMarkApp
from clearmark.service.auth import ApiKeyInterceptor, Authenticator
from clearmark.service.config import Settings
from clearmark.service.reflection import enable_reflection
from clearmark.service.servicer import ClearMarkServicer
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc

log = logging.getLogger(__name__)
SERVICE_NAME = api.DESCRIPTOR.services_by_name["ClearMarkService"].full_name


class ClearMarkServer:
    """One running server. ``async with ClearMarkServer(settings) as server: server.port``.

    On exit (or ``stop``) health flips to NOT_SERVING first, in-flight RPCs get the grace period,
    then the pool and registry close.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = 0
        self._app: ClearMarkApp | None = None
        self._server: grpc.aio.Server | None = None
        self._health = health.aio.HealthServicer()
        self._stopped = asyncio.Event()
        self.loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> int:
        """Open the app, bind, start serving; returns the bound port."""
        settings = self.settings
        self._app = ClearMarkApp(settings)
        await asyncio.to_thread(self._app.pool.warm)
        authenticator = Authenticator(settings.api_keys)
        options = [
            ("grpc.max_receive_message_length", settings.max_message_bytes),
            ("grpc.max_send_message_length", settings.max_message_bytes),
        ]
        server = grpc.aio.server(
            interceptors=[ApiKeyInterceptor(authenticator, guard_reads=settings.require_auth_for_reads)],
            options=options,
        )
        api_grpc.add_ClearMarkServiceServicer_to_server(ClearMarkServicer(self._app, authenticator), server)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        enable_reflection((SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name), server)
        self.port = server.add_insecure_port(f"{settings.host}:{settings.port}")
        if self.port == 0:
            raise OSError(f"could not bind {settings.host}:{settings.port}")
        await server.start()
        self._server = server
        for name in ("", SERVICE_NAME):
            await self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info(
            "ClearMark serving on %s:%d (workers=%d, auth=%s, data=%s)",
            settings.host,
            self.port,
            settings.cpu_workers,
            "on" if settings.auth_enabled else "off",
            settings.data_dir.resolve(),
        )
        return self.port

    async def stop(self) -> None:
        """Graceful stop: NOT_SERVING, drain within the grace period, close everything."""
        if self._server is None:
            return
        await self._health.enter_graceful_shutdown()
        await self._server.stop(self.settings.shutdown_grace_s)
        self._server = None
        if self._app is not None:
            await asyncio.to_thread(self._app.close)
            self._app = None
        self._stopped.set()
        log.info("ClearMark stopped")

    async def wait(self) -> None:
        """Until ``stop`` completes."""
        await self._stopped.wait()

    async def __aenter__(self) -> ClearMarkServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


async def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then shut down gracefully."""
    server = ClearMarkServer(settings)
    await server.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(server.stop()))
    await server.wait()


@contextmanager
def server_in_thread(settings: Settings, *, start_timeout_s: float = 120.0) -> Iterator[ClearMarkServer]:
    """Run a server on its own event loop in a daemon thread (embedding, tests, benchmarks).

    The server is started before the block runs and stopped gracefully when it ends; ``stop`` may
    also be called earlier through ``stop_in_thread``.
    """
    server = ClearMarkServer(settings)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.start())
        except BaseException as error:  # surfaced in the caller's thread below
            failure.append(error)
            ready.set()
            return
        ready.set()
        loop.run_until_complete(server.wait())

    thread = threading.Thread(target=run, name="clearmark-server", daemon=True)
    thread.start()
    if not ready.wait(start_timeout_s):
        raise TimeoutError(f"the server did not start within {start_timeout_s:.0f} s")
    if failure:
        raise failure[0]
    server.loop = loop
    try:
        yield server
    finally:
        stop_in_thread(server)
        thread.join(60)


def stop_in_thread(server: ClearMarkServer) -> None:
    """Stop a server started by ``server_in_thread`` from another thread (idempotent)."""
    if server.loop is not None and server.loop.is_running():
        asyncio.run_coroutine_threadsafe(server.stop(), server.loop).result(60)
