"""Idempotent replays: kept in the registry (or a shared directory), seen by another replica, expiring."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from clearmark.media.source import Source
from clearmark.service.registry import RegistryStore
from clearmark.service.replays import REPLAY_BACKENDS, Replay, ReplayStore, keep_file

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
            return DatabaseReplayStore(registry, timedelta(hours=1), clock, directory=tmp_path / "shared-replays")
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


def test_a_file_output_is_kept_by_linking_and_served_as_a_file(
    replicas: Callable[[Clock], ReplayStore], tmp_path: Path
) -> None:
    clock = Clock()
    first, second = replicas(clock), replicas(clock)
    work = tmp_path / "work"
    work.mkdir()
    output = work / "output.pdf"
    output.write_bytes(b"%PDF-1.7 long media " * 5000)
    first.save("file1", Replay("e" * 64, b"result", Source(path=output)))
    shutil.rmtree(work)  # the request's work directory goes once the response is sent
    loaded = second.load("file1")
    assert loaded is not None and isinstance(loaded.content, Source) and not loaded.content.in_memory
    assert loaded.content.head(20) == b"%PDF-1.7 long media " and loaded.content.size == 100_000
    assert loaded.result == b"result"
    kept = loaded.content.path
    second.discard("file1")
    assert second.load("file1") is None and not kept.exists()


def test_a_kept_file_is_a_link_not_a_copy_and_expires_with_its_response(
    replicas: Callable[[Clock], ReplayStore], tmp_path: Path
) -> None:
    clock = Clock()
    store = replicas(clock)
    output = tmp_path / "output.bin"
    output.write_bytes(b"x" * 4096)
    store.save("file2", Replay("d" * 64, b"r", Source(path=output)))
    loaded = store.load("file2")
    assert loaded is not None and isinstance(loaded.content, Source)
    assert loaded.content.path.stat().st_ino == output.stat().st_ino  # same file system: linked
    clock.now = NOW + timedelta(hours=2)
    assert store.purge_expired() == 1
    assert not loaded.content.path.exists()


def test_keep_file_copies_when_it_cannot_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "a.bin"
    source.write_bytes(bytes(range(256)) * 10_000)

    def cross_device(*_: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", cross_device)
    keep_file(Source(path=source), tmp_path / "kept.bin")
    assert (tmp_path / "kept.bin").read_bytes() == source.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
