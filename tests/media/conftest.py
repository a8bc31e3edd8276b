"""Fixtures of the media tests (the builders live in ``samples``)."""

from __future__ import annotations

import pytest

from tests.media.samples import FORMATS, rgb, save


@pytest.fixture(scope="session")
def plain() -> dict[str, bytes]:
    """One metadata-free image per format (WebP lossy, simple VP8)."""
    return {fmt: save(rgb(), fmt) for fmt in FORMATS}
