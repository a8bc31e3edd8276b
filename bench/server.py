"""A real ClearMark server on 127.0.0.1:0 with a throw-away data directory, for end-to-end benchmark cases."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from clearmark.service.config import Settings
from clearmark.service.server import server_in_thread


@contextmanager
def running_server(**overrides: object) -> Iterator[str]:
    """Yield the address of a server with a fresh data directory; stop it afterwards."""
    with tempfile.TemporaryDirectory(prefix="clearmark-bench-") as data_dir:
        settings = Settings(data_dir=Path(data_dir), host="127.0.0.1", port=0, **overrides)  # type: ignore[arg-type]
        with server_in_thread(settings) as server:
            yield f"127.0.0.1:{server.port}"
