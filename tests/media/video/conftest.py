"""Clips shared by the video tests, made once per session by PyAV."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media.video.clips import ClipSpec, make_clip


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def h264_clip(clip_dir: Path) -> Path:
    return make_clip(clip_dir / "h264.mp4", ClipSpec(seconds=1.0))
