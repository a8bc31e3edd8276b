"""receive_upload: the spooled upload keeps the SHA-256 it was checked against, so nothing reads it again to hash it."""

from __future__ import annotations

import asyncio
import hashlib
import pickle
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from clearmark.media.source import Source
from clearmark.service.uploads import receive_upload
from clearmark.v1 import clearmark_service_pb2 as api
from tests.service.streams import request_parts

CONTENT = bytes(range(256)) * 4000


async def _messages(parts: Iterator) -> AsyncIterator:  # noqa: ANN001
    for part in parts:
        yield part


def test_the_checked_digest_travels_with_the_spooled_file(tmp_path: Path, monkeypatch) -> None:
    def refused(self: Source, chunk_size: int = 0) -> Iterator[bytes]:
        raise AssertionError("the spooled upload was read again to hash it")

    async def receive() -> tuple[str, str, bytes]:
        parts = request_parts(api.LabelStreamRequest, api.LabelStreamHeader, CONTENT, chunk=10_000)
        async with receive_upload(_messages(parts), max_bytes=1 << 30, spool_dir=tmp_path) as upload:
            with monkeypatch.context() as patch:
                patch.setattr(Source, "chunks", refused)
                digest = upload.source.sha256
                in_worker = pickle.loads(pickle.dumps(upload.source)).sha256  # a spawned worker's copy
            return digest, in_worker, upload.source.path.read_bytes()

    digest, in_worker, spooled = asyncio.run(receive())
    assert spooled == CONTENT
    assert digest == in_worker == hashlib.sha256(CONTENT).hexdigest()


def test_a_hashed_source_is_an_ordinary_file_source(tmp_path: Path) -> None:
    path = tmp_path / "content.bin"
    path.write_bytes(CONTENT)
    source = Source.hashed(path, hashlib.sha256(CONTENT).hexdigest().upper())
    assert source == Source(path=path)
    assert source.sha256 == Source(path=path).sha256  # lower-case hex, as computed
    assert source.size == len(CONTENT)
