"""A real ClearMark server on 127.0.0.1:0 in a background thread, and clients for it."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from bench.postgres import PostgresCluster, throwaway_cluster

from clearmark.service.config import Settings
from clearmark.service.server import ClearMarkServer, server_in_thread, stop_in_thread
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc

API_KEY = "test-key-0123456789abcdef"
OTHER_KEY = "other-key-0123456789abcdef"


@dataclass
class RunningServer:
    """A server running on its own event loop in a thread."""

    address: str
    settings: Settings
    server: ClearMarkServer

    def channel(self) -> grpc.Channel:
        return grpc.insecure_channel(self.address)

    def stop(self) -> None:
        stop_in_thread(self.server)


@pytest.fixture(scope="session")
def server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., RunningServer]]:
    """Start servers with given settings overrides; all are stopped at session end."""
    with ExitStack() as stack:

        def start(**overrides: object) -> RunningServer:
            overrides.setdefault("data_dir", Path(tmp_path_factory.mktemp("server-data")))
            settings = Settings(host="127.0.0.1", port=0, **overrides)  # type: ignore[arg-type]
            server = stack.enter_context(server_in_thread(settings))
            return RunningServer(address=f"127.0.0.1:{server.port}", settings=settings, server=server)

        yield start


@pytest.fixture(scope="session")
def server(server_factory: Callable[..., RunningServer]) -> RunningServer:
    """An open server (no auth) with one worker process."""
    return server_factory(cpu_workers=1)


@pytest.fixture(scope="session")
def authed_server(server_factory: Callable[..., RunningServer]) -> RunningServer:
    """A server requiring API keys for mutating RPCs, two tenants."""
    return server_factory(cpu_workers=0, api_keys={API_KEY: "tenant-a", OTHER_KEY: "tenant-b"})


@pytest.fixture()
def stub(server: RunningServer) -> Iterator[api_grpc.ClearMarkServiceStub]:
    with server.channel() as channel:
        yield api_grpc.ClearMarkServiceStub(channel)


# The registry runs on SQLite and on a real PostgreSQL server; every backend-parametrized test runs on both.
REGISTRY_BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster | None]:
    """A throwaway PostgreSQL cluster for the session; None (and a loud warning) when none can start."""
    try:
        with throwaway_cluster() as cluster:
            yield cluster
    except RuntimeError as error:
        message = f"NO POSTGRESQL: the PostgreSQL registry tests are SKIPPED: {error}"
        warnings.warn(message, stacklevel=1)
        print(f"\n*** {message} ***\n")
        yield None


@pytest.fixture(params=REGISTRY_BACKENDS)
def registry_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_cluster: PostgresCluster | None) -> str:
    """A fresh, empty registry database URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nested' / 'registry.db'}"
    if postgres_cluster is None:
        pytest.skip("NO POSTGRESQL SERVER could be started (see the warning above): PostgreSQL registry tests skipped")
    return postgres_cluster.create_database()
