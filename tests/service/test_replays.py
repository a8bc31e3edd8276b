"""Idempotent replays: kept in the registry (or a shared directory), seen by another replica, expiring."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from clearmark.service.registry import RegistryStore
from clearmark.service.replays import REPLAY_BACKENDS, Replay, ReplayStore

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=sorted(REPLAY_BACKENDS))
def replicas(request: pytest.FixtureRequest, registry_url: str, tmp_path: Path) -> Callable[[Clock], ReplayStore]:
    """A factory of replay stores over one shared registry / directory: each call is another replica."""
    from clearmark.service.replays import DatabaseReplayStore, DirectoryReplayStore

    stores: list[RegistryStore] = []

    def replica(clock: Clock) -> ReplayStore:
        registry = RegistryStore(registry_url)
        registry.migrate()
        stores.append(registry)
        if request.param == "registry":
            return DatabaseReplayStore(registry, timedelta(hours=1), clock)
        return DirectoryReplayStore(tmp_path / "shared-replays", timedelta(hours=1), clock)

    yield replica
    for registry in stores:
        registry.close()


def test_another_replica_serves_the_replay_until_it_expires(replicas: Callable[[Clock], ReplayStore]) -> None:
    clock = Clock()
    first, second = replicas(clock), replicas(clock)
    replay = Replay("f" * 64, b"\x08\x01result", b"\xff\xd8content" * 1000)
    first.save("abc123", replay)
    assert second.load("abc123") == replay
    clock.now = NOW + timedelta(minutes=59)
    assert second.load("abc123") == replay
    clock.now = NOW + timedelta(hours=1)
    assert second.load("abc123") is None
    assert second.purge_expired() == 1
    assert first.load("abc123") is None


def test_discard_and_absent(replicas: Callable[[Clock], ReplayStore]) -> None:
    store = replicas(Clock())
    assert store.load("nothere") is None
    store.save("abc", Replay("0" * 64, b"", b""))
    assert store.load("abc") == Replay("0" * 64, b"", b"")
    store.discard("abc")
    assert store.load("abc") is None
    assert store.purge_expired() == 0


def test_a_lost_registry_stores_no_replay(tmp_path: Path) -> None:
    """Replays go through the registry's health check: a deleted database is refused, not written blind."""
    from clearmark.service.registry import RegistryUnavailable
    from clearmark.service.replays import DatabaseReplayStore

    with RegistryStore(f"sqlite:///{tmp_path / 'registry.db'}") as registry:
        registry.migrate()
        store = DatabaseReplayStore(registry, timedelta(hours=1))
        for path in tmp_path.glob("registry.db*"):
            path.unlink()
        with pytest.raises(RegistryUnavailable):
            store.save("abc", Replay("0" * 64, b"", b""))
