"""Atomic output files: the user's umask for outputs, exact modes on request, and a full disk."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from clearmark.service.files import StorageFull, current_umask, write_atomically
from clearmark.service.keys import ensure_watermark_key
from tests.service.mounts import tmpfs


@pytest.fixture()
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def test_outputs_get_the_users_umask(tmp_path: Path, umask_027: None) -> None:
    assert current_umask() == 0o027
    write_atomically(tmp_path / "out.png", b"data")
    assert stat.S_IMODE((tmp_path / "out.png").stat().st_mode) == 0o640
    write_atomically(tmp_path / "private", b"data", mode=0o600)
    assert stat.S_IMODE((tmp_path / "private").stat().st_mode) == 0o600


def test_keys_stay_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        ensure_watermark_key(tmp_path, None)
    finally:
        os.umask(old)
    keys = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert keys and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in keys)


def test_a_full_disk_is_storage_full_and_leaves_nothing(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "tiny", "16k") as mount:
        with pytest.raises(StorageFull) as full:
            write_atomically(mount / "big.bin", os.urandom(256 * 1024))
        assert full.value.reason == "DISK_FULL"
        assert list(mount.iterdir()) == []
