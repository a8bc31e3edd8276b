"""A real ClearMark server on 127.0.0.1:0 in a background thread, for end-to-end benchmark cases."""

from __future__ import annotations

import asyncio
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from clearmark.service.config import Settings
from clearmark.service.server import ClearMarkServer


@contextmanager
def running_server(**overrides: object) -> Iterator[str]:
    """Yield the address of a server with a fresh data directory; stop it afterwards."""
    with tempfile.TemporaryDirectory(prefix="clearmark-bench-") as data_dir:
        settings = Settings(data_dir=Path(data_dir), host="127.0.0.1", port=0, **overrides)  # type: ignore[arg-type]
        server = ClearMarkServer(settings)
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(server.start())
            ready.set()
            loop.run_until_complete(server.wait())

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        if not ready.wait(120):
            raise RuntimeError("benchmark server did not start")
        try:
            yield f"127.0.0.1:{server.port}"
        finally:
            asyncio.run_coroutine_threadsafe(server.stop(), loop).result(60)
            thread.join(60)
