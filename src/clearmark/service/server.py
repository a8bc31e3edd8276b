"""The grpc.aio server: ClearMark, health and reflection, TLS, metrics, and a draining shutdown on SIGTERM."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import TracebackType

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from clearmark.service.app import ClearMarkApp
from clearmark.service.auth import ApiKeyInterceptor, Authenticator
from clearmark.service.buildinfo import version_metadata, version_text
from clearmark.service.config import Settings
from clearmark.service.metrics import Metrics, ServerStats
from clearmark.service.observe import ObservingInterceptor
from clearmark.service.reflection import enable_reflection
from clearmark.service.servicer import ClearMarkServicer
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc

log = logging.getLogger(__name__)
SERVICE_NAME = api.DESCRIPTOR.services_by_name["ClearMarkService"].full_name
HEALTH_NAMES = ("", SERVICE_NAME)
# How often the registry is probed (a lost or read-only SQLite file turns health NOT_SERVING).
REGISTRY_CHECK_INTERVAL_S = 2.0


class UnsafeConfiguration(ValueError):
    """The settings would expose the server in a way the operator did not explicitly allow."""


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    name = host.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name or a wildcard ("0.0.0.0", "::", "") reaches the network


def check_exposure(settings: Settings) -> None:
    """Refuse to serve a non-loopback address in clear text or without API keys unless explicitly allowed.

    Raises:
        UnsafeConfiguration: naming the setting that would allow it.
    """
    if is_loopback(settings.host):
        return
    if not settings.tls_enabled and not settings.allow_plaintext_remote:
        raise UnsafeConfiguration(
            f"refusing to serve {settings.host} without TLS: API keys and content would travel in clear text "
            "(set tls_cert_file/tls_key_file, or allow_plaintext_remote=true behind a TLS-terminating proxy)"
        )
    if not settings.auth_enabled and not settings.allow_unauthenticated_remote:
        raise UnsafeConfiguration(
            f"refusing to serve {settings.host} without API keys: anyone could stamp and read the registry "
            "(set api_key_hashes, or allow_unauthenticated_remote=true)"
        )


def server_credentials(settings: Settings) -> grpc.ServerCredentials:
    """TLS credentials from the configured PEM files; a client CA makes client certificates mandatory."""
    assert settings.tls_cert_file is not None and settings.tls_key_file is not None
    client_ca = settings.tls_client_ca_file.read_bytes() if settings.tls_client_ca_file else None
    return grpc.ssl_server_credentials(
        [(settings.tls_key_file.read_bytes(), settings.tls_cert_file.read_bytes())],
        root_certificates=client_ca,
        require_client_auth=client_ca is not None,
    )


class ClearMarkServer:
    """One running server. ``async with ClearMarkServer(settings) as server: server.port``.

    ``stop`` first turns health NOT_SERVING; with ``drain`` it keeps serving for ``drain_s`` so
    load balancers move away, then in-flight RPCs get ``shutdown_grace_s`` to finish, then the
    pool and registry close.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = 0
        self.metrics_port = 0
        self.app: ClearMarkApp | None = None
        self.metrics: Metrics | None = None
        self.health_port = 0
        self._server: grpc.aio.Server | None = None
        self._health_server: grpc.aio.Server | None = None
        self._health = health.aio.HealthServicer()
        self._stopped = asyncio.Event()
        self._draining = False
        self._serving: bool | None = None
        self._watch: asyncio.Task[None] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def _stats(self) -> ServerStats | None:
        app = self.app
        if app is None:
            return None
        return ServerStats(
            pool=app.pool.stats(),
            memory_in_use_bytes=app.memory.in_use,
            memory_budget_bytes=app.memory.total_bytes,
            registry_errors=app.registry.errors,
            registry_healthy=app.registry.problem is None,
        )

    async def start(self) -> int:
        """Check the exposure, open the app, bind, start serving; returns the bound port.

        Raises:
            UnsafeConfiguration: a non-loopback address without TLS or keys, not explicitly allowed.
        """
        settings = self.settings
        check_exposure(settings)
        self.app = ClearMarkApp(settings)
        await asyncio.to_thread(self.app.pool.warm)
        authenticator = Authenticator(settings.api_keys, settings.api_key_hashes)
        if settings.metrics_port is not None:
            self.metrics = Metrics(self._stats)
            self.metrics_port = self.metrics.serve(settings.metrics_host, settings.metrics_port)
        options = [
            ("grpc.max_receive_message_length", settings.max_message_bytes),
            ("grpc.max_send_message_length", settings.max_message_bytes),
        ]
        server = grpc.aio.server(
            interceptors=[
                ObservingInterceptor(self.metrics, authenticator, version_metadata()),
                ApiKeyInterceptor(authenticator, guard_reads=settings.require_auth_for_reads),
            ],
            options=options,
        )
        api_grpc.add_ClearMarkServiceServicer_to_server(ClearMarkServicer(self.app, authenticator), server)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        enable_reflection((SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name), server)
        address = f"{settings.host}:{settings.port}"
        if settings.tls_enabled:
            self.port = server.add_secure_port(address, server_credentials(settings))
        else:
            self.port = server.add_insecure_port(address)
        if self.port == 0:
            raise OSError(f"could not bind {address}")
        await server.start()
        self._server = server
        if settings.health_port is not None:
            self._health_server = await self._start_health_server(settings.health_host, settings.health_port)
        await self._set_serving(self.app.registry.check() is None)
        self._watch = asyncio.create_task(self._watch_registry())
        log.info(
            "%s serving on %s:%d (workers=%d, auth=%s, tls=%s, metrics=%s, health=%s, data=%s)",
            version_text(),
            settings.host,
            self.port,
            settings.cpu_workers,
            "on" if settings.auth_enabled else "off",
            ("mutual" if settings.tls_client_ca_file else "on") if settings.tls_enabled else "off",
            f"{settings.metrics_host}:{self.metrics_port}/metrics" if self.metrics else "off",
            f"{settings.health_host}:{self.health_port}" if self._health_server else "main port",
            settings.data_dir.resolve(),
        )
        return self.port

    async def _start_health_server(self, host: str, port: int) -> grpc.aio.Server:
        """The same health service alone on a plaintext port: it answers probes, it reveals nothing."""
        server = grpc.aio.server(interceptors=[ObservingInterceptor(None, Authenticator({}), version_metadata())])
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        self.health_port = server.add_insecure_port(f"{host}:{port}")
        if self.health_port == 0:
            raise OSError(f"could not bind the health port {host}:{port}")
        await server.start()
        return server

    async def _set_serving(self, serving: bool, *, stopping: bool = False) -> None:
        if (serving == self._serving or self._draining) and not stopping:
            return
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for name in HEALTH_NAMES:
            await self._health.set(name, status)
        if self._serving is not None and not stopping:
            log.log(logging.INFO if serving else logging.ERROR, "health: %s", "SERVING" if serving else "NOT_SERVING")
        self._serving = serving

    async def _watch_registry(self) -> None:
        """Probe the registry now and then; a lost or read-only database turns health NOT_SERVING."""
        while self.app is not None:
            await asyncio.sleep(REGISTRY_CHECK_INTERVAL_S)
            app = self.app
            if app is None:
                return
            problem = await asyncio.to_thread(app.registry.check)
            if problem is not None and self._serving:
                log.error("registry unavailable: %s", problem)
            await self._set_serving(problem is None)

    async def stop(self, *, drain: bool = False) -> None:
        """Graceful stop: NOT_SERVING, optionally ``drain_s`` more serving, in-flight RPCs finish, close."""
        if self._server is None or self._draining:
            return
        await self._set_serving(False, stopping=True)
        self._draining = True
        if drain and self.settings.drain_s > 0:
            log.info("draining: NOT_SERVING for %.1f s while requests continue", self.settings.drain_s)
            await asyncio.sleep(self.settings.drain_s)
        await self._health.enter_graceful_shutdown()
        if self._watch is not None:
            self._watch.cancel()
            with suppress(asyncio.CancelledError):
                await self._watch
        await self._server.stop(self.settings.shutdown_grace_s)
        self._server = None
        if self._health_server is not None:
            await self._health_server.stop(0)
            self._health_server = None
        if self.app is not None:
            await asyncio.to_thread(self.app.close)
            self.app = None
        if self.metrics is not None:
            self.metrics.close()
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
    """Run until SIGTERM or SIGINT, then drain and shut down gracefully."""
    server = ClearMarkServer(settings)
    await server.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(server.stop(drain=True)))
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
