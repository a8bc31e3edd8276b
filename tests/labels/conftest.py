"""Shared fixtures of the label-writer tests: the bundled font and deterministic backgrounds."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from clearmark.notice.font import NoticeFont, load_notice_font


@pytest.fixture(scope="session")
def notice_font() -> NoticeFont:
    return load_notice_font()


@pytest.fixture(scope="session")
def background():
    """A factory of deterministic backgrounds: ``background(kind, size, mode="RGB")``."""
    return make_background


def make_background(kind: str, size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A deterministic background: white, black, grey, noise or gradient."""
    width, height = size
    if kind == "noise":
        pixels = np.random.default_rng(45438).integers(0, 256, (height, width, 3), dtype=np.uint8)
    elif kind == "gradient":
        ramp = np.broadcast_to(np.arange(width)[None, :] * 255 // max(1, width - 1), (height, width))
        pixels = np.repeat(ramp.astype(np.uint8)[..., None], 3, axis=2)
    else:
        level = {"white": 255, "black": 0, "grey": 128}[kind]
        pixels = np.full((height, width, 3), level, dtype=np.uint8)
    return Image.fromarray(pixels).convert(mode)
