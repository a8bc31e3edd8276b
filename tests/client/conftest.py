"""The client tests run against a real ClearMark server on 127.0.0.1:0 (and a real proxy in front)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.client.proxy import Proxy
from tests.service.conftest import API_KEY, OTHER_KEY, authed_server, server, server_factory  # noqa: F401

__all__ = ["API_KEY", "OTHER_KEY"]


@pytest.fixture()
def proxy(server) -> Iterator[Proxy]:  # noqa: F811
    """A proxy in front of the open server, recording calls and failing on demand."""
    running = Proxy(server.address)
    try:
        yield running
    finally:
        running.close()
